// V2 invitations (§8): deterministic conversation topic and key material from an address-ordered 3DH,
// sealed to the peer under a role-ordered 3DH with the header as AAD.
import {
  signedPublicKeyBundleFromProto,
  signedPublicKeyBundleToProto,
  verifySignedPublicKeyBundle,
  type SignedPublicKeyBundle,
} from './bundles';
import { toHex, utf8 } from './bytes';
import { ciphertextFromProto, ciphertextToProto, decrypt, encrypt } from './cipher';
import { sharedPoint } from './ecdh';
import { ProtocolError } from './errors';
import { xmtp } from './gen/xmtp';
import { hkdfSha256, hmacSha256 } from './hash';
import type { Keyring } from './keyring';
import { decodeProto, signedKeyWalletAddress, verifyKeySignature, type LegacyPrivateKey } from './keys';
import { fromLong, toLong } from './long';
import { conversationTopic } from './topics';

import pb = xmtp.message_contents;

export interface InvitationContext {
  conversationId: string;
  metadata: Record<string, string>;
}

export interface ConsentProof {
  /** Hex of the wallet signature (§11). */
  signature: string;
  timestampMs: bigint;
  payloadVersion: number;
}

/** `InvitationV1`: the conversation topic and its 32-byte key material. */
export interface Invitation {
  topic: string;
  keyMaterial: Uint8Array;
  context?: InvitationContext;
  consentProof?: ConsentProof;
}

const INVITATION_SALT = utf8('__XMTP__INVITATION__SALT__XMTP__');

export function encodeInvitation(inv: Invitation): Uint8Array {
  const msg: pb.InvitationV1.$Properties = {
    topic: inv.topic,
    aes256GcmHkdfSha256: { keyMaterial: inv.keyMaterial },
  };
  if (inv.context)
    msg.context = { conversationId: inv.context.conversationId, metadata: inv.context.metadata };
  if (inv.consentProof) {
    msg.consentProof = {
      signature: inv.consentProof.signature,
      timestamp: toLong(inv.consentProof.timestampMs),
      payloadVersion: inv.consentProof.payloadVersion,
    };
  }
  return pb.InvitationV1.encode(msg).finish();
}

/** Throws `invalid_invitation` when the topic or a 32-byte key material is missing. */
export function decodeInvitation(bytes: Uint8Array): Invitation {
  const msg = decodeProto(pb.InvitationV1, bytes, 'InvitationV1');
  const keyMaterial = msg.aes256GcmHkdfSha256?.keyMaterial;
  if (!msg.topic) throw new ProtocolError('invalid_invitation', 'invitation has no topic');
  if (!keyMaterial || keyMaterial.length !== 32) {
    throw new ProtocolError(
      'invalid_invitation',
      `invalid invitation key material length: ${keyMaterial?.length ?? 0}`,
    );
  }
  const inv: Invitation = { topic: msg.topic, keyMaterial };
  if (msg.context) {
    inv.context = {
      conversationId: msg.context.conversationId ?? '',
      metadata: { ...(msg.context.metadata ?? {}) },
    };
  }
  if (msg.consentProof) {
    inv.consentProof = {
      signature: msg.consentProof.signature ?? '',
      timestampMs: fromLong(msg.consentProof.timestamp),
      payloadVersion: msg.consentProof.payloadVersion ?? 0,
    };
  }
  return inv;
}

/**
 * The three ECDH points between our identity/prekey and the peer's, computed once. Both 3DH orders
 * of §7.2 are permutations of them: sender = (I·P', P·I', P·P'), recipient = (P·I', I·P', P·P').
 */
function dhTriple(identity: LegacyPrivateKey, preKey: LegacyPrivateKey, peer: SignedPublicKeyBundle) {
  return {
    idToPre: sharedPoint(identity.secretKey, peer.preKey.publicKey),
    preToId: sharedPoint(preKey.secretKey, peer.identityKey.publicKey),
    preToPre: sharedPoint(preKey.secretKey, peer.preKey.publicKey),
  };
}

function secretOf(t: ReturnType<typeof dhTriple>, isRecipient: boolean): Uint8Array {
  const out = new Uint8Array(195);
  out.set(isRecipient ? t.preToId : t.idToPre, 0);
  out.set(isRecipient ? t.idToPre : t.preToId, 65);
  out.set(t.preToPre, 130);
  return out;
}

function checkPeer(peer: SignedPublicKeyBundle): void {
  if (!verifyKeySignature(peer.identityKey.publicKey, peer.preKey.keyBytes, peer.preKey.signature)) {
    throw new ProtocolError('invalid_prekey_signature', 'peer preKey signature invalid');
  }
}

/**
 * Topic and key material of the conversation between `me` and `peer` for a conversation id (§8.2):
 * topic id = hex(HMAC(secret, conversationId ‖ a "," b)); key_material = HKDF(secret,
 * "__XMTP__INVITATION__SALT__XMTP__", "0|a|b"), with a, b the two addresses in JS sort order and the
 * 3DH role chosen by address order, so both sides derive the same values.
 */
export function deriveConversationKeys(
  secret: Uint8Array,
  myAddress: string,
  peerAddress: string,
  conversationId = '',
): { topic: string; keyMaterial: Uint8Array } {
  const [a, b] = [myAddress, peerAddress].sort();
  const topic = conversationTopic(toHex(hmacSha256(secret, utf8(`${conversationId}${a},${b}`))));
  const keyMaterial = hkdfSha256(secret, INVITATION_SALT, utf8(`0|${a}|${b}`), 32);
  return { topic, keyMaterial };
}

/** The address-ordered 3DH secret of §8.2 step 1 (isRecipient = me < them). */
export function invitationTopicSecret(
  keyring: Keyring,
  peer: SignedPublicKeyBundle,
  peerAddress: string,
): Uint8Array {
  checkPeer(peer);
  return secretOf(dhTriple(keyring.identityKey, keyring.currentPreKey, peer), keyring.address < peerAddress);
}

export interface CreatedInvitation {
  invitation: Invitation;
  peerAddress: string;
  /** Encoded `SealedInvitation`, to publish on the peer's then our invite topic. */
  sealed: Uint8Array;
  headerBytes: Uint8Array;
  /** Envelope timestamp_ns of both envelopes (must equal the header's, §8.2 step 7). */
  createdNs: bigint;
}

/**
 * Creates and seals an invitation to `peer` (§8.2): verifies the peer bundle, derives the deterministic
 * topic and key material, seals with our current prekey as the sender. One set of ECDHs serves both the
 * topic derivation and the sealing.
 */
export async function createInvitation(
  keyring: Keyring,
  peer: SignedPublicKeyBundle,
  options: {
    context?: InvitationContext;
    consentProof?: ConsentProof;
    createdNs?: bigint;
    nowMs?: number;
  } = {},
): Promise<CreatedInvitation> {
  const peerAddress = verifySignedPublicKeyBundle(peer);
  const dh = dhTriple(keyring.identityKey, keyring.currentPreKey, peer);
  const { topic, keyMaterial } = deriveConversationKeys(
    secretOf(dh, keyring.address < peerAddress),
    keyring.address,
    peerAddress,
    options.context?.conversationId ?? '',
  );
  const invitation: Invitation = { topic, keyMaterial };
  if (options.context) invitation.context = options.context;
  if (options.consentProof) invitation.consentProof = options.consentProof;
  const createdNs = options.createdNs ?? BigInt(Math.floor(options.nowMs ?? Date.now())) * 1_000_000n;
  const { sealed, headerBytes } = await sealWithSecret(
    keyring,
    peer,
    invitation,
    createdNs,
    secretOf(dh, false),
  );
  return { invitation, peerAddress, sealed, headerBytes, createdNs };
}

async function sealWithSecret(
  keyring: Keyring,
  peer: SignedPublicKeyBundle,
  invitation: Invitation,
  createdNs: bigint,
  secret: Uint8Array,
): Promise<{ sealed: Uint8Array; headerBytes: Uint8Array }> {
  const headerBytes = pb.SealedInvitationHeaderV1.encode({
    sender: signedPublicKeyBundleToProto(keyring.signedBundle),
    recipient: signedPublicKeyBundleToProto(peer),
    createdNs: toLong(createdNs),
  }).finish();
  const ciphertext = await encrypt(encodeInvitation(invitation), secret, headerBytes);
  const sealed = pb.SealedInvitation.encode({
    v1: { headerBytes, ciphertext: ciphertextToProto(ciphertext) },
  }).finish();
  return { sealed, headerBytes };
}

export interface OpenedInvitation {
  invitation: Invitation;
  createdNs: bigint;
  /** The other side's wallet: the recipient when we sent it, the sender otherwise (§8.3). */
  peerAddress: string;
  /** True when we are the header's sender (our own copy on our invite topic). */
  weAreSender: boolean;
  sender: SignedPublicKeyBundle;
  recipient: SignedPublicKeyBundle;
}

/**
 * Opens a sealed invitation from an invite topic (§8.3). With `envelopeTimestampNs`, it must equal the
 * header's created_ns (`timestamp_mismatch`). Throws `malformed_protobuf`, `invalid_key_bundle`,
 * `prekey_not_found`, `invalid_prekey_signature`, `decryption_failed`, `invalid_invitation`.
 */
export async function openInvitation(
  keyring: Keyring,
  sealedBytes: Uint8Array,
  options: { envelopeTimestampNs?: bigint } = {},
): Promise<OpenedInvitation> {
  const sealed = decodeProto(pb.SealedInvitation, sealedBytes, 'SealedInvitation');
  const v1 = sealed.v1;
  if (!v1?.headerBytes?.length)
    throw new ProtocolError('invalid_invitation', 'sealed invitation has no header');
  const header = decodeProto(pb.SealedInvitationHeaderV1, v1.headerBytes, 'SealedInvitationHeaderV1');
  const createdNs = fromLong(header.createdNs);
  if (options.envelopeTimestampNs !== undefined && options.envelopeTimestampNs !== createdNs) {
    throw new ProtocolError(
      'timestamp_mismatch',
      `envelope and header timestamp mismatch: ${options.envelopeTimestampNs} != ${createdNs}`,
    );
  }
  const sender = signedPublicKeyBundleFromProto(header.sender);
  const recipient = signedPublicKeyBundleFromProto(header.recipient);
  const weAreSender = keyring.isOwnIdentity(sender.identityKey.publicKey);
  const peer = weAreSender ? recipient : sender;
  const mine = weAreSender ? sender : recipient;
  const preKey = keyring.findPreKey(mine.preKey.publicKey);
  if (!preKey) throw new ProtocolError('prekey_not_found', 'no prekey of ours matches the invitation header');
  checkPeer(peer);
  const t = dhTriple(keyring.identityKey, preKey, peer);
  const plaintext = await decrypt(
    ciphertextFromProto(v1.ciphertext),
    secretOf(t, !weAreSender),
    v1.headerBytes,
  );
  return {
    invitation: decodeInvitation(plaintext),
    createdNs,
    peerAddress: signedKeyWalletAddress(peer.identityKey),
    weAreSender,
    sender,
    recipient,
  };
}
