import Long from 'long';
import { describe, expect, it } from 'vitest';
import { decodePrivateKeyBundle, encodePrivateKeyBundle } from '@/protocol/bundles';
import { toHex, utf8 } from '@/protocol/bytes';
import { decodeContactBundle, encodeContactBundle, validateContactBundle } from '@/protocol/contact';
import { createPrivateKeyBundle } from '@/protocol/identity';
import { createInvitation, openInvitation } from '@/protocol/invitation';
import { Keyring } from '@/protocol/keyring';
import { decodeMessageV1, decryptMessageV1, encodeMessageV1 } from '@/protocol/message-v1';
import { decodeMessageV2, encodeMessageV2 } from '@/protocol/message-v2';
import { decryptPrivateKeyBundle, encryptPrivateKeyBundle } from '@/protocol/private-store';
import { privateStoreTopic } from '@/protocol/topics';
import { newWallet } from '../protocol/helpers';
import {
  memoryApiClient,
  xmtpjs,
  xmtpjsBundleFromBytes,
  xmtpjsConversationV2,
  xmtpjsPeer,
  xproto,
} from './xmtpjs-peer';

async function pair() {
  const aliceWallet = newWallet();
  const bobWallet = newWallet();
  const alice = await xmtpjsPeer(aliceWallet);
  const bob = Keyring.fromBundle(await createPrivateKeyBundle(bobWallet));
  return { alice, bob, aliceWallet, bobWallet };
}

describe('key bundles between xmtp-js and us', () => {
  it('reads an xmtp-js bundle and encodes its public bundles byte for byte like xmtp-js', async () => {
    const wallet = newWallet();
    const theirs = await xmtpjs.PrivateKeyBundleV1.generate(wallet);
    const { bundle, legacy } = decodePrivateKeyBundle(theirs.encode());
    expect(legacy).toBe(false);
    const keyring = Keyring.fromBundle(bundle);
    expect(keyring.address).toBe(wallet.address);
    expect(toHex(encodePrivateKeyBundle(bundle))).toBe(toHex(theirs.encode()));
    expect(toHex(keyring.publicBundleBytes)).toBe(toHex(theirs.getPublicKeyBundle().toBytes()));
    const signed = xmtpjs.SignedPublicKeyBundle.fromLegacyBundle(theirs.getPublicKeyBundle());
    expect(toHex(keyring.signedBundleBytes)).toBe(toHex(signed.toBytes()));
  });

  it('gives xmtp-js a bundle it accepts, with the same wallet', async () => {
    const wallet = newWallet();
    const ours = await createPrivateKeyBundle(wallet);
    const theirs = xmtpjsBundleFromBytes(encodePrivateKeyBundle(ours));
    expect(theirs.validatePublicKeys()).toBe(true);
    expect(theirs.identityKey.publicKey.walletSignatureAddress()).toBe(wallet.address);
    const signed = xmtpjs.SignedPublicKeyBundle.fromLegacyBundle(theirs.getPublicKeyBundle());
    expect(await signed.walletSignatureAddress()).toBe(wallet.address);
  });
});

describe('contact bundles between xmtp-js and us', () => {
  it('xmtp-js decodes our V1 and V2 contact bundles to our wallet', async () => {
    const wallet = newWallet();
    const keyring = Keyring.fromBundle(await createPrivateKeyBundle(wallet));
    const v1 = xmtpjs.decodeContactBundle(
      encodeContactBundle({ version: 'v1', keyBundle: keyring.publicBundle }),
    );
    const v2 = xmtpjs.decodeContactBundle(
      encodeContactBundle({ version: 'v2', keyBundle: keyring.signedBundle }),
    );
    expect(v1).toBeInstanceOf(xmtpjs.PublicKeyBundle);
    expect((v1 as InstanceType<typeof xmtpjs.PublicKeyBundle>).identityKey.walletSignatureAddress()).toBe(
      wallet.address,
    );
    expect(await (v2 as InstanceType<typeof xmtpjs.SignedPublicKeyBundle>).walletSignatureAddress()).toBe(
      wallet.address,
    );
  });

  it('publishes the contact bundle xmtp-js publishes for the same keys (V2 by default, V1 when legacy)', async () => {
    const wallet = newWallet();
    const peer = await xmtpjsPeer(wallet);
    const keyring = Keyring.fromBundle(decodePrivateKeyBundle(peer.bundle.encode()).bundle);
    const v2 = xproto.contact.ContactBundle.encode({
      v1: undefined,
      v2: { keyBundle: peer.signedBundle },
    }).finish();
    const v1 = xproto.contact.ContactBundle.encode({
      v1: { keyBundle: peer.publicBundle },
      v2: undefined,
    }).finish();
    expect(toHex(keyring.contactBundle())).toBe(toHex(v2));
    expect(toHex(keyring.contactBundle(true))).toBe(toHex(v1));
  });

  it('we validate contact bundles published the way xmtp-js publishes them', async () => {
    const wallet = newWallet();
    const peer = await xmtpjsPeer(wallet);
    const v1 = xproto.contact.ContactBundle.encode({
      v1: { keyBundle: peer.publicBundle },
      v2: undefined,
    }).finish();
    const v2 = xproto.contact.ContactBundle.encode({
      v1: undefined,
      v2: { keyBundle: peer.signedBundle },
    }).finish();
    expect(validateContactBundle(decodeContactBundle(v1), wallet.address)).toBe(wallet.address);
    expect(validateContactBundle(decodeContactBundle(v2), wallet.address)).toBe(wallet.address);
  });
});

describe('encrypted private key bundles between xmtp-js and us (§4)', () => {
  it('we decrypt what xmtp-js stores, and xmtp-js loads what we store', async () => {
    const wallet = newWallet();
    const api = memoryApiClient();
    const opts = { persistConversations: false } as never;
    await new xmtpjs.KeyGeneratorKeystoreProvider().newKeystore(opts, api as never, wallet);
    const stored = api.topics.get(privateStoreTopic(wallet.address))!;
    expect(stored).toHaveLength(1);
    const opened = await decryptPrivateKeyBundle(stored[0]!, wallet);
    expect(opened.needsRewrite).toBe(false);
    expect(Keyring.fromBundle(opened.bundle).address).toBe(wallet.address);

    const other = newWallet();
    const api2 = memoryApiClient();
    const ours = await createPrivateKeyBundle(other);
    await api2.publish([
      { contentTopic: privateStoreTopic(other.address), message: await encryptPrivateKeyBundle(ours, other) },
    ]);
    const keystore = await new xmtpjs.NetworkKeystoreProvider().newKeystore(opts, api2 as never, other);
    expect(await keystore.getAccountAddress()).toBe(other.address);
    expect(toHex((await keystore.getPublicKeyBundle()).identityKey!.secp256k1Uncompressed!.bytes)).toBe(
      toHex(ours.identityKey.publicKey.publicKey),
    );
  });
});

describe('V1 messages between xmtp-js and us', () => {
  it('we read what xmtp-js sends, and xmtp-js reads what we send', async () => {
    const { alice, bob, aliceWallet, bobWallet } = await pair();
    const bobForThem = xmtpjs.PublicKeyBundle.fromBytes(bob.publicBundleBytes);
    const theirs = await xmtpjs.MessageV1.encode(
      alice.keystore,
      utf8('from xmtp-js'),
      alice.publicBundle,
      bobForThem,
      new Date(1_700_000_000_000),
    );
    const decoded = decodeMessageV1(theirs.toBytes());
    expect(decoded.senderAddress).toBe(aliceWallet.address);
    expect(decoded.recipientAddress).toBe(bobWallet.address);
    expect(decoded.timestampMs).toBe(1_700_000_000_000n);
    expect(new TextDecoder().decode(await decryptMessageV1(bob, decoded))).toBe('from xmtp-js');

    const alicePublic = decodeContactBundle(alice.publicBundle.toBytes());
    if (alicePublic.version !== 'v1') throw new Error('expected v1');
    const ours = await encodeMessageV1(bob, alicePublic.keyBundle, utf8('from us'));
    const read = await xmtpjs.MessageV1.fromBytes(ours.messageBytes);
    expect(read.senderAddress).toBe(bobWallet.address);
    expect(read.recipientAddress).toBe(aliceWallet.address);
    expect(new TextDecoder().decode(await read.decrypt(alice.keystore, alice.publicBundle))).toBe('from us');
  });
});

describe('invitations and V2 messages between xmtp-js and us', () => {
  it('we open an xmtp-js invitation and exchange V2 messages both ways', async () => {
    const { alice, bob, aliceWallet, bobWallet } = await pair();
    const createdNs = Long.fromString('1700000000000000000', true);
    const res = await alice.keystore.createInvite({
      recipient: xmtpjs.SignedPublicKeyBundle.fromBytes(bob.signedBundleBytes),
      createdNs,
      context: { conversationId: 'interop', metadata: { k: 'v' } },
      consentProof: undefined,
    });
    const opened = await openInvitation(bob, res.payload, { envelopeTimestampNs: 1700000000000000000n });
    expect(opened.peerAddress).toBe(aliceWallet.address);
    expect(opened.weAreSender).toBe(false);
    expect(opened.invitation.topic).toBe(res.conversation!.topic);
    expect(opened.invitation.context).toEqual({ conversationId: 'interop', metadata: { k: 'v' } });

    // Both sides derive the same deterministic topic and key.
    const ours = await createInvitation(bob, decodeSigned(alice), {
      context: { conversationId: 'interop', metadata: {} },
    });
    expect(ours.invitation.topic).toBe(opened.invitation.topic);
    expect(toHex(ours.invitation.keyMaterial)).toBe(toHex(opened.invitation.keyMaterial));

    const convo = xmtpjsConversationV2(alice, opened.invitation.topic, bobWallet.address);
    const sent = await convo.createMessage(utf8('v2 from xmtp-js'), true, new Date(1_700_000_000_001));
    const got = await decodeMessageV2(sent.toBytes(), opened.invitation);
    expect(new TextDecoder().decode(got.payload)).toBe('v2 from xmtp-js');
    expect(got.senderAddress).toBe(aliceWallet.address);
    expect(got.createdNs).toBe(1_700_000_000_001_000_000n);

    const reply = await encodeMessageV2(bob, opened.invitation, utf8('v2 from us'));
    const decoded = await convo.decodeMessage({
      contentTopic: opened.invitation.topic,
      message: reply.messageBytes,
      timestampNs: reply.createdNs.toString(),
    } as never);
    expect(new TextDecoder().decode(decoded.content as Uint8Array)).toBe('v2 from us');
    expect(decoded.senderAddress).toBe(bobWallet.address);

    // Payloads on both encryption paths: noble's AES-GCM below 4 KiB, WebCrypto with the signature patched in
    // above (and WebCrypto's digest). Ours always writes the signature's recovery id, 0 included (about half of
    // all signatures), so the plaintext length is known before signing: xmtp-js reads both.
    const big = new Uint8Array(100_000).map((_, i) => i % 251);
    const random = (size: number) => new Uint8Array(size).map(() => Math.floor(Math.random() * 256));
    for (const content of [big, ...[10, 10, 10, 10, 10, 10, 5000, 5000, 5000, 5000].map(random)]) {
      const sent = await encodeMessageV2(bob, opened.invitation, content);
      const read = await convo.decodeMessage({
        contentTopic: opened.invitation.topic,
        message: sent.messageBytes,
        timestampNs: sent.createdNs.toString(),
      } as never);
      expect(toHex(read.content as Uint8Array)).toBe(toHex(content));
    }
    const bigFromThem = await convo.createMessage(big, true, new Date());
    expect(toHex((await decodeMessageV2(bigFromThem.toBytes(), opened.invitation)).payload)).toBe(toHex(big));
  });

  it('xmtp-js saves an invitation we seal, for the same topic', async () => {
    const { alice, bob, bobWallet } = await pair();
    const aliceBundle = decodeSigned(alice);
    const created = await createInvitation(bob, aliceBundle, {
      context: { conversationId: 'x', metadata: {} },
    });
    const saved = await alice.keystore.saveInvites({
      requests: [
        {
          contentTopic: `/xmtp/0/invite-${alice.address}/proto`,
          timestampNs: Long.fromString(created.createdNs.toString(), true),
          payload: created.sealed,
        },
      ],
    });
    const conversation = saved.responses[0]!.result!.conversation!;
    expect(conversation.topic).toBe(created.invitation.topic);
    expect(conversation.peerAddress).toBe(bobWallet.address);
  });
});

function decodeSigned(peer: Awaited<ReturnType<typeof xmtpjsPeer>>) {
  const cb = decodeContactBundle(
    xproto.contact.ContactBundle.encode({ v1: undefined, v2: { keyBundle: peer.signedBundle } }).finish(),
  );
  if (cb.version !== 'v2') throw new Error('expected v2');
  return cb.keyBundle;
}
