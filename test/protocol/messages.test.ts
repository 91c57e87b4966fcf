import { describe, expect, it } from 'vitest';
import { decodePrivateKeyBundle } from '@/protocol/bundles';
import { fromHex, toHex, utf8 } from '@/protocol/bytes';
import { xmtp } from '@/protocol/gen/xmtp';
import { hmacSha256 } from '@/protocol/hash';
import { createPrivateKeyBundle } from '@/protocol/identity';
import { createInvitation } from '@/protocol/invitation';
import { Keyring } from '@/protocol/keyring';
import { toLong } from '@/protocol/long';
import { decodeMessage, messageId, messageIdAsync } from '@/protocol/message';
import {
  checkMessageV1Topic,
  decodeMessageV1,
  decryptMessageV1,
  encodeMessageV1,
} from '@/protocol/message-v1';
import {
  decodeMessageV2,
  encodeMessageV2,
  hmacPeriod,
  senderHmacKey,
  senderHmacKeys,
} from '@/protocol/message-v2';
import { dmTopic } from '@/protocol/topics';
import { ALICE_ADDRESS, ALICE_BUNDLE, BOB_ADDRESS, BOB_BUNDLE } from './fixtures';
import { newWallet } from './helpers';

import pb = xmtp.message_contents;

const alice = Keyring.fromBundle(decodePrivateKeyBundle(fromHex(ALICE_BUNDLE)).bundle);
const bob = Keyring.fromBundle(decodePrivateKeyBundle(fromHex(BOB_BUNDLE)).bundle);

describe('V1 messages (§7)', () => {
  it('round-trips for the recipient and for the sender, with addresses and the dm topic', async () => {
    const sent = await encodeMessageV1(alice, bob.publicBundle, utf8('hi bob'), {
      timestampMs: 1700000000000,
    });
    expect(sent.timestampNs).toBe(1700000000000000000n);
    const decoded = decodeMessageV1(sent.messageBytes);
    expect(decoded.senderAddress).toBe(ALICE_ADDRESS);
    expect(decoded.recipientAddress).toBe(BOB_ADDRESS);
    expect(decoded.timestampMs).toBe(1700000000000n);
    expect(new TextDecoder().decode(await decryptMessageV1(bob, decoded))).toBe('hi bob');
    expect(new TextDecoder().decode(await decryptMessageV1(alice, decoded))).toBe('hi bob');
    expect(() => checkMessageV1Topic(decoded, dmTopic(ALICE_ADDRESS, BOB_ADDRESS))).not.toThrow();
  });

  it('flags a message whose header names other parties than the topic (spoof filter)', async () => {
    const carol = Keyring.fromBundle(await createPrivateKeyBundle(newWallet()));
    const sent = await encodeMessageV1(carol, bob.publicBundle, utf8('x'));
    expect(() =>
      checkMessageV1Topic(decodeMessageV1(sent.messageBytes), dmTopic(ALICE_ADDRESS, BOB_ADDRESS)),
    ).toThrow(expect.objectContaining({ code: 'topic_mismatch' }));
  });

  it('rejects a tampered header (AAD) and a forged sender prekey', async () => {
    const sent = await encodeMessageV1(alice, bob.publicBundle, utf8('x'), { timestampMs: 1 });
    const message = pb.Message.decode(sent.messageBytes);
    const header = pb.MessageHeaderV1.decode(message.v1!.headerBytes!);
    header.timestamp = toLong(2n);
    message.v1!.headerBytes = pb.MessageHeaderV1.encode(header).finish();
    const tampered = decodeMessageV1(pb.Message.encode(message).finish());
    await expect(decryptMessageV1(bob, tampered)).rejects.toMatchObject({ code: 'decryption_failed' });

    const carol = Keyring.fromBundle(await createPrivateKeyBundle(newWallet()));
    const forgedPeer = { identityKey: bob.publicBundle.identityKey, preKey: carol.publicBundle.preKey };
    await expect(encodeMessageV1(alice, forgedPeer, utf8('x'))).rejects.toMatchObject({
      code: 'invalid_prekey_signature',
    });
  });

  it('computes message ids as hex sha256 of the message bytes (§7.1)', async () => {
    const sent = await encodeMessageV1(alice, bob.publicBundle, new Uint8Array(5000));
    expect(messageId(sent.messageBytes)).toMatch(/^[0-9a-f]{64}$/);
    expect(await messageIdAsync(sent.messageBytes)).toBe(messageId(sent.messageBytes));
  });

  it('rejects malformed and unknown messages', () => {
    expect(() => decodeMessage(new Uint8Array([0x0a, 0x30]))).toThrow(
      expect.objectContaining({ code: 'malformed_protobuf' }),
    );
    expect(() => decodeMessage(new Uint8Array())).toThrow(
      expect.objectContaining({ code: 'unknown_message_version' }),
    );
  });
});

describe('V2 messages (§9)', () => {
  it('round-trips with the sender address, created_ns, sender HMAC and should_push', async () => {
    const { invitation } = await createInvitation(alice, bob.signedBundle);
    const nowMs = 1_700_000_000_000;
    const sent = await encodeMessageV2(alice, invitation, utf8('hello'), { nowMs });
    expect(sent.createdNs).toBe(BigInt(nowMs) * 1_000_000n);
    const got = await decodeMessageV2(sent.messageBytes, invitation);
    expect(new TextDecoder().decode(got.payload)).toBe('hello');
    expect(got.senderAddress).toBe(ALICE_ADDRESS);
    expect(got.createdNs).toBe(sent.createdNs);
    expect(got.shouldPush).toBe(true);
    const key = senderHmacKey(invitation.keyMaterial, ALICE_ADDRESS, hmacPeriod(nowMs));
    expect(toHex(got.senderHmac!)).toBe(toHex(hmacSha256(key, got.headerBytes)));
    // should_push = false is present on the wire as 20 00 (§9.1).
    const quiet = await encodeMessageV2(alice, invitation, utf8('q'), { shouldPush: false });
    expect(toHex(quiet.messageBytes).endsWith('2000')).toBe(true);
    expect((await decodeMessageV2(quiet.messageBytes, invitation)).shouldPush).toBe(false);
  });

  it('matches the sender HMAC known answer (§9.2)', () => {
    const key = senderHmacKey(new Uint8Array(32).fill(1), BOB_ADDRESS, 658);
    expect(toHex(key)).toBe('f849f5c2cca1def2092f184b5720e54d9308b1e729e9de47b8f28d8e51c7a346');
    expect(toHex(hmacSha256(key, utf8('header-bytes')))).toBe(
      '64b444a89884a1acbeb237b80579dd07177001d7f6f8e5b3e6b31771e0b0a4df',
    );
    const periodMs = 30 * 24 * 3600 * 1000;
    const keys = senderHmacKeys(new Uint8Array(32).fill(1), BOB_ADDRESS, 658 * periodMs + 5);
    expect(keys.map((k) => k.period)).toEqual([657, 658, 659]);
    expect(toHex(keys[1]!.key)).toBe(toHex(key));
  });

  it('rejects a header topic that is not the conversation topic', async () => {
    const { invitation } = await createInvitation(alice, bob.signedBundle);
    const other = await createInvitation(alice, bob.signedBundle, {
      context: { conversationId: 'o', metadata: {} },
    });
    const sent = await encodeMessageV2(alice, { ...invitation, topic: other.invitation.topic }, utf8('x'));
    await expect(decodeMessageV2(sent.messageBytes, invitation)).rejects.toMatchObject({
      code: 'topic_mismatch',
    });
  });

  it('rejects a tampered ciphertext, a wrong key and a V1 message', async () => {
    const { invitation } = await createInvitation(alice, bob.signedBundle);
    const sent = await encodeMessageV2(alice, invitation, utf8('x'));
    const message = pb.Message.decode(sent.messageBytes);
    message.v2!.ciphertext!.aes256GcmHkdfSha256!.payload![3]! ^= 0x40;
    await expect(decodeMessageV2(pb.Message.encode(message).finish(), invitation)).rejects.toMatchObject({
      code: 'decryption_failed',
    });
    await expect(
      decodeMessageV2(sent.messageBytes, { ...invitation, keyMaterial: new Uint8Array(32) }),
    ).rejects.toMatchObject({ code: 'decryption_failed' });
    const v1 = await encodeMessageV1(alice, bob.publicBundle, utf8('x'));
    await expect(decodeMessageV2(v1.messageBytes, invitation)).rejects.toMatchObject({
      code: 'unknown_message_version',
    });
  });

  it('rejects signed content whose prekey is not signed by the sender identity, or whose signature is bad', async () => {
    const { invitation } = await createInvitation(alice, bob.signedBundle);
    const carol = Keyring.fromBundle(await createPrivateKeyBundle(newWallet()));
    // A Keyring whose public bundle claims Alice's identity with Carol's prekey.
    const forged = Object.create(carol) as Keyring;
    const bundleBytes = pb.SignedPublicKeyBundle.encode({
      identityKey: pb.SignedPublicKeyBundle.decode(alice.signedBundleBytes).identityKey,
      preKey: pb.SignedPublicKeyBundle.decode(carol.signedBundleBytes).preKey,
    }).finish();
    Object.defineProperty(forged, 'signedBundleBytes', { value: bundleBytes });
    const sent = await encodeMessageV2(forged, invitation, utf8('x'));
    await expect(decodeMessageV2(sent.messageBytes, invitation)).rejects.toMatchObject({
      code: 'invalid_prekey_signature',
    });

    // Alice's real bundle, but the payload signed by Carol's prekey.
    const wrongSigner = Object.create(carol) as Keyring;
    Object.defineProperty(wrongSigner, 'signedBundleBytes', { value: alice.signedBundleBytes });
    const bad = await encodeMessageV2(wrongSigner, invitation, utf8('x'));
    await expect(decodeMessageV2(bad.messageBytes, invitation)).rejects.toMatchObject({
      code: 'invalid_signature',
    });
  });
});
