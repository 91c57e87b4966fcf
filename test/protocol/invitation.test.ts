import { describe, expect, it } from 'vitest';
import { decodePrivateKeyBundle } from '@/protocol/bundles';
import { fromHex, toHex } from '@/protocol/bytes';
import { threeDhSecret } from '@/protocol/dh';
import { xmtp } from '@/protocol/gen/xmtp';
import { createPrivateKeyBundle } from '@/protocol/identity';
import {
  createInvitation,
  deriveConversationKeys,
  invitationTopicSecret,
  openInvitation,
} from '@/protocol/invitation';
import { Keyring } from '@/protocol/keyring';
import { fromLong, toLong } from '@/protocol/long';
import { ALICE_ADDRESS, ALICE_BUNDLE, BOB_ADDRESS, BOB_BUNDLE } from './fixtures';
import { newWallet } from './helpers';

const alice = Keyring.fromBundle(decodePrivateKeyBundle(fromHex(ALICE_BUNDLE)).bundle);
const bob = Keyring.fromBundle(decodePrivateKeyBundle(fromHex(BOB_BUNDLE)).bundle);
const TOPIC = '/xmtp/0/m-4b52be1e8567d72d0bc407debe2d3c7fca2ae93a47e58c3f9b5c5068aff80ec5/proto';
const KEY_MATERIAL = 'be4731377f3db7bd6c29c7b03444bc9991b52028c6b0c0eb5ffefb337f6b2c4b';

describe('deterministic invitation topic (§8.5, §14.1)', () => {
  it('reads the known bundles and their wallets', () => {
    expect(alice.address).toBe(ALICE_ADDRESS);
    expect(bob.address).toBe(BOB_ADDRESS);
    expect(alice.identityKey.timestampMs).toBe(1688709155137n);
  });

  it('gives the known topic and key material whoever invites', async () => {
    const fromAlice = await createInvitation(alice, bob.signedBundle, {
      context: { conversationId: 'test', metadata: {} },
    });
    const fromBob = await createInvitation(bob, alice.signedBundle, {
      context: { conversationId: 'test', metadata: {} },
    });
    expect(fromAlice.invitation.topic).toBe(TOPIC);
    expect(fromBob.invitation.topic).toBe(TOPIC);
    expect(toHex(fromAlice.invitation.keyMaterial)).toBe(KEY_MATERIAL);
    expect(toHex(fromBob.invitation.keyMaterial)).toBe(KEY_MATERIAL);
    const secret = invitationTopicSecret(alice, bob.signedBundle, BOB_ADDRESS);
    expect(deriveConversationKeys(secret, ALICE_ADDRESS, BOB_ADDRESS, 'test').topic).toBe(TOPIC);
  });

  it('computes equal 3DH secrets in the sender and recipient roles (§7.2)', () => {
    const senderSide = threeDhSecret({
      identitySecretKey: alice.identityKey.secretKey,
      preKeySecretKey: alice.currentPreKey.secretKey,
      peerIdentityKey: bob.identityKey.publicKey.publicKey,
      peerPreKey: bob.currentPreKey.publicKey.publicKey,
      isRecipient: false,
    });
    const recipientSide = threeDhSecret({
      identitySecretKey: bob.identityKey.secretKey,
      preKeySecretKey: bob.currentPreKey.secretKey,
      peerIdentityKey: alice.identityKey.publicKey.publicKey,
      peerPreKey: alice.currentPreKey.publicKey.publicKey,
      isRecipient: true,
    });
    expect(senderSide.length).toBe(195);
    expect(toHex(senderSide)).toBe(toHex(recipientSide));
  });

  it('gives a different topic for a different conversation id or none', async () => {
    const none = await createInvitation(alice, bob.signedBundle);
    const other = await createInvitation(alice, bob.signedBundle, {
      context: { conversationId: 'x', metadata: {} },
    });
    expect(none.invitation.topic).not.toBe(TOPIC);
    expect(other.invitation.topic).not.toBe(none.invitation.topic);
  });
});

describe('sealed invitations (§8.2, §8.3)', () => {
  it('opens as recipient and as sender, with roles and peer addresses', async () => {
    const created = await createInvitation(alice, bob.signedBundle, {
      context: { conversationId: 'c', metadata: { a: 'b' } },
    });
    const asBob = await openInvitation(bob, created.sealed, { envelopeTimestampNs: created.createdNs });
    expect(asBob.weAreSender).toBe(false);
    expect(asBob.peerAddress).toBe(ALICE_ADDRESS);
    expect(asBob.invitation).toEqual(created.invitation);
    const asAlice = await openInvitation(alice, created.sealed);
    expect(asAlice.weAreSender).toBe(true);
    expect(asAlice.peerAddress).toBe(BOB_ADDRESS);
    expect(asAlice.invitation.topic).toBe(created.invitation.topic);
  });

  it('rejects an envelope timestamp that differs from the header', async () => {
    const created = await createInvitation(alice, bob.signedBundle);
    await expect(
      openInvitation(bob, created.sealed, { envelopeTimestampNs: created.createdNs + 1n }),
    ).rejects.toMatchObject({ code: 'timestamp_mismatch' });
  });

  it('rejects a tampered header (AAD) and a third party', async () => {
    const created = await createInvitation(alice, bob.signedBundle);
    const sealed = xmtp.message_contents.SealedInvitation.decode(created.sealed);
    const header = xmtp.message_contents.SealedInvitationHeaderV1.decode(sealed.v1!.headerBytes!);
    header.createdNs = toLong(fromLong(header.createdNs) + 1n);
    sealed.v1!.headerBytes = xmtp.message_contents.SealedInvitationHeaderV1.encode(header).finish();
    const tampered = xmtp.message_contents.SealedInvitation.encode(sealed).finish();
    await expect(openInvitation(bob, tampered)).rejects.toMatchObject({ code: 'decryption_failed' });
    const carol = Keyring.fromBundle(await createPrivateKeyBundle(newWallet()));
    await expect(openInvitation(carol, created.sealed)).rejects.toMatchObject({ code: 'prekey_not_found' });
    await expect(openInvitation(bob, new Uint8Array([0x0a, 0x09, 0x01]))).rejects.toMatchObject({
      code: 'malformed_protobuf',
    });
  });

  it('refuses to invite a bundle whose prekey is not signed by its identity key', async () => {
    const carol = Keyring.fromBundle(await createPrivateKeyBundle(newWallet()));
    const forged = { identityKey: bob.signedBundle.identityKey, preKey: carol.signedBundle.preKey };
    await expect(createInvitation(alice, forged)).rejects.toMatchObject({ code: 'invalid_prekey_signature' });
  });
});
