// V1 messages (§7): a header naming both bundles, the payload encrypted under the 3DH secret with the
// header bytes as AAD. Used on `dm-` topics (and the intro topics on first contact).
import { encodePublicKeyBundle, publicKeyBundleFromProto, type PublicKeyBundle } from './bundles';
import { ciphertextFromProto, decrypt, encrypt, type Ciphertext } from './cipher';
import { threeDhSecret } from './dh';
import { ProtocolError } from './errors';
import { encodeMessageV1Frame } from './frame';
import { xmtp } from './gen/xmtp';
import type { Keyring } from './keyring';
import { decodeProto, legacyKeyBytesToSign, legacyKeyWalletAddress, verifyKeySignature } from './keys';
import { fromLong } from './long';
import { decodeMessage, fieldLength, varintLength, writeField, writeVarint } from './message';
import { dmTopic } from './topics';

import pb = xmtp.message_contents;

export interface EncodedMessageV1 {
  /** The envelope `message`: encoded `Message{v1}`. */
  messageBytes: Uint8Array;
  headerBytes: Uint8Array;
  timestampMs: bigint;
  /** Envelope timestamp_ns = header timestamp × 10⁶ (§7.3). */
  timestampNs: bigint;
}

function encodeHeaderV1(
  senderBytes: Uint8Array,
  recipientBytes: Uint8Array,
  timestampMs: bigint,
): Uint8Array {
  const ts = Number(timestampMs);
  // proto3 omits a zero timestamp.
  const tsLen = ts > 0 ? 1 + varintLength(ts) : 0;
  const out = new Uint8Array(fieldLength(senderBytes.length) + fieldLength(recipientBytes.length) + tsLen);
  let o = writeField(out, 0, 1, senderBytes);
  o = writeField(out, o, 2, recipientBytes);
  if (ts > 0) {
    out[o++] = 3 << 3;
    writeVarint(out, o, ts);
  }
  return out;
}

function checkPeerPreKey(peer: PublicKeyBundle): void {
  if (
    !verifyKeySignature(peer.identityKey.publicKey, legacyKeyBytesToSign(peer.preKey), peer.preKey.signature)
  ) {
    throw new ProtocolError('invalid_prekey_signature', 'peer preKey signature invalid');
  }
}

/**
 * Encrypts `payload` (an encoded EncodedContent) from `keyring` to `recipient` (§7.3): sender-role 3DH
 * with our current prekey, AAD = header bytes.
 */
export async function encodeMessageV1(
  keyring: Keyring,
  recipient: PublicKeyBundle,
  payload: Uint8Array,
  options: { timestampMs?: number | bigint } = {},
): Promise<EncodedMessageV1> {
  checkPeerPreKey(recipient);
  const timestampMs = BigInt(options.timestampMs ?? Date.now());
  const headerBytes = encodeHeaderV1(
    keyring.publicBundleBytes,
    encodePublicKeyBundle(recipient),
    timestampMs,
  );
  const secret = threeDhSecret({
    identitySecretKey: keyring.identityKey.secretKey,
    preKeySecretKey: keyring.currentPreKey.secretKey,
    peerIdentityKey: recipient.identityKey.publicKey,
    peerPreKey: recipient.preKey.publicKey,
    isRecipient: false,
  });
  const ciphertext = await encrypt(payload, secret, headerBytes);
  return {
    messageBytes: encodeMessageV1Frame(headerBytes, ciphertext),
    headerBytes,
    timestampMs,
    timestampNs: timestampMs * 1_000_000n,
  };
}

export interface DecodedMessageV1 {
  headerBytes: Uint8Array;
  sender: PublicKeyBundle;
  recipient: PublicKeyBundle;
  timestampMs: bigint;
  ciphertext: Ciphertext;
  /** Wallets recovered from the identity keys' signatures (§7.4). */
  senderAddress: string;
  recipientAddress: string;
}

/**
 * Reads a V1 message (an envelope's `Message` bytes or an already decoded MessageV1) without
 * decrypting it: header, both bundles, both wallet addresses. Throws `malformed_protobuf`,
 * `unknown_message_version`, `invalid_key_bundle`, `invalid_message`.
 */
export function decodeMessageV1(message: Uint8Array | pb.MessageV1.$Properties): DecodedMessageV1 {
  let v1: pb.MessageV1.$Properties;
  if (message instanceof Uint8Array) {
    const decoded = decodeMessage(message);
    if (!decoded.v1) throw new ProtocolError('unknown_message_version', 'expected a V1 message');
    v1 = decoded.v1;
  } else {
    v1 = message;
  }
  const headerBytes = v1.headerBytes;
  if (!headerBytes?.length) throw new ProtocolError('invalid_message', 'message has no header');
  const header = decodeProto(pb.MessageHeaderV1, headerBytes, 'MessageHeaderV1');
  const sender = publicKeyBundleFromProto(header.sender);
  const recipient = publicKeyBundleFromProto(header.recipient);
  return {
    headerBytes,
    sender,
    recipient,
    timestampMs: fromLong(header.timestamp),
    ciphertext: ciphertextFromProto(v1.ciphertext),
    senderAddress: legacyKeyWalletAddress(sender.identityKey),
    recipientAddress: legacyKeyWalletAddress(recipient.identityKey),
  };
}

/**
 * The spoof filter of §7.4: the dm topic of (sender, recipient) must be the topic the envelope came
 * on (its dmE twin counts as the same conversation). Throws `topic_mismatch`.
 */
export function checkMessageV1Topic(message: DecodedMessageV1, topic: string): void {
  const expected = dmTopic(message.senderAddress, message.recipientAddress);
  const ephemeral = dmTopic(message.senderAddress, message.recipientAddress, true);
  if (topic !== expected && topic !== ephemeral) {
    throw new ProtocolError(
      'topic_mismatch',
      `V1 message between ${message.senderAddress} and ${message.recipientAddress} arrived on ${topic}`,
    );
  }
}

/**
 * Decrypts a V1 message with our keys (§7.4): when the header's sender is us we are the sender
 * (peer = recipient), otherwise the recipient. Throws `invalid_prekey_signature`, `decryption_failed`.
 */
export async function decryptMessageV1(keyring: Keyring, message: DecodedMessageV1): Promise<Uint8Array> {
  const weAreSender = keyring.isOwnIdentity(message.sender.identityKey.publicKey);
  const peer = weAreSender ? message.recipient : message.sender;
  const mine = weAreSender ? message.sender : message.recipient;
  checkPeerPreKey(peer);
  // xmtp-js always uses its current prekey; an older prekey named in the header also works here.
  const preKey = keyring.findPreKey(mine.preKey.publicKey) ?? keyring.currentPreKey;
  const secret = threeDhSecret({
    identitySecretKey: keyring.identityKey.secretKey,
    preKeySecretKey: preKey.secretKey,
    peerIdentityKey: peer.identityKey.publicKey,
    peerPreKey: peer.preKey.publicKey,
    isRecipient: !weAreSender,
  });
  return decrypt(message.ciphertext, secret, message.headerBytes);
}
