// V2 messages (§9): header {created_ns, topic}, SignedContent signed by the sender's prekey over
// sha256(header ‖ payload), encrypted under the invitation's key material with the header as AAD,
// plus the sender HMAC push servers use.
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { signedPublicKeyBundleFromProto, type SignedPublicKeyBundle } from './bundles';
import { toHex, utf8, withScratch } from './bytes';
import {
  SUBTLE_AES_MIN,
  ciphertextFromProto,
  decrypt,
  encryptNow,
  importEncryptionKey,
  patchCiphertext,
  prepareEncryption,
  startEncryption,
} from './cipher';
import { ProtocolError } from './errors';
import { encodeMessageV2Frame } from './frame';
import { xmtp } from './gen/xmtp';
import { SUBTLE_SHA256_MIN, hkdfSha256, hmacSha256 } from './hash';
import type { Keyring } from './keyring';
import { decodeProto, signatureFromProto, signedKeyWalletAddress, verifyKeySignature } from './keys';
import { fromLong, toLong } from './long';
import { decodeMessage, fieldLength, writeField, writeFieldHeader } from './message';
import { BoundedMemo } from './memo';
import { signDigest, verifierFor } from './signature';

import pb = xmtp.message_contents;

/** What both members of a V2 conversation share, from the invitation (§8). */
export interface V2ConversationKeys {
  topic: string;
  /** 32 bytes. */
  keyMaterial: Uint8Array;
}

const PERIOD_MS = 30 * 24 * 60 * 60 * 1000;

/** The 30-day period number of a time: floor(ms / 1000 / 60 / 60 / 24 / 30) (§9.2). */
export function hmacPeriod(nowMs: number): number {
  return Math.floor(nowMs / PERIOD_MS);
}

const hmacKeyMemo = new BoundedMemo<Uint8Array>(1024);

/** K = HKDF-SHA256(key_material, empty salt, info "<period>-<address>") (§9.2). */
export function senderHmacKey(keyMaterial: Uint8Array, address: string, period: number): Uint8Array {
  const info = `${period}-${address}`;
  return hmacKeyMemo.get(`${toHex(keyMaterial)}|${info}`, () =>
    hkdfSha256(keyMaterial, new Uint8Array(0), utf8(info), 32),
  );
}

/** Keys for periods P−1, P and P+1, as `getV2ConversationHmacKeys` hands them to push servers. */
export function senderHmacKeys(
  keyMaterial: Uint8Array,
  address: string,
  nowMs: number,
): { period: number; key: Uint8Array }[] {
  const p = hmacPeriod(nowMs);
  return [p - 1, p, p + 1].map((period) => ({ period, key: senderHmacKey(keyMaterial, address, period) }));
}

/** HMAC-SHA256(K, header_bytes). */
export function senderHmac(key: Uint8Array, headerBytes: Uint8Array): Uint8Array {
  return hmacSha256(key, headerBytes);
}

async function digestHeaderAndPayload(headerBytes: Uint8Array, payload: Uint8Array): Promise<Uint8Array> {
  if (payload.length < SUBTLE_SHA256_MIN) {
    return nobleSha256.create().update(headerBytes).update(payload).digest();
  }
  // WebCrypto copies the input during the call: header ‖ payload is put together in the scratch buffer.
  return withScratch(headerBytes.length + payload.length, (buffer) => {
    buffer.set(headerBytes);
    buffer.set(payload, headerBytes.length);
    return digestOf(buffer);
  });
}

async function digestOf(bytes: Uint8Array): Promise<Uint8Array> {
  if (bytes.length < SUBTLE_SHA256_MIN) return nobleSha256(bytes);
  return new Uint8Array(await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>));
}

// SignedContent field 3 with both members of its ecdsa_compact always present, so the plaintext's length is
// known before the signature: Signature{1 ecdsa_compact{1 bytes (64), 2 recovery}}. A recovery id of 0 is
// written out (proto3 writers omit it; every decoder, ours and xmtp-js's included, reads it as 0).
const SIGNATURE_BYTES_LENGTH = 64 + 2; // r ‖ s, then the recovery field's tag and one-byte varint
const SIGNATURE_FIELD_LENGTH = fieldLength(fieldLength(SIGNATURE_BYTES_LENGTH + 2));

/** The signature bytes the plaintext holds until the real ones are known: zero r ‖ s, recovery id 0. */
const PLACEHOLDER = signatureField({ bytes: new Uint8Array(64), recovery: 0 });

/**
 * Writes field 3 holding PLACEHOLDER at `offset`; returns where PLACEHOLDER (r ‖ s, then the recovery field)
 * begins.
 */
function writeSignatureField(out: Uint8Array, offset: number): number {
  let o = writeFieldHeader(out, offset, 3, fieldLength(SIGNATURE_BYTES_LENGTH + 2));
  o = writeFieldHeader(out, o, 1, SIGNATURE_BYTES_LENGTH + 2);
  o = writeFieldHeader(out, o, 1, 64);
  out.set(PLACEHOLDER, o);
  return o;
}

/** r ‖ s, the recovery field's tag, the recovery id: what follows the offset `writeSignatureField` returns. */
function signatureField(sig: { bytes: Uint8Array; recovery: number }): Uint8Array {
  const out = new Uint8Array(SIGNATURE_BYTES_LENGTH);
  out.set(sig.bytes);
  out[64] = 2 << 3;
  out[65] = sig.recovery;
  return out;
}

export function encodeHeaderV2(createdNs: bigint, topic: string): Uint8Array {
  return pb.MessageHeaderV2.encode({ createdNs: toLong(createdNs), topic }).finish();
}

export interface EncodedMessageV2 {
  /** The envelope `message`: encoded `Message{v2}`. */
  messageBytes: Uint8Array;
  headerBytes: Uint8Array;
  /** Also the envelope timestamp_ns (§9.2 step 8). */
  createdNs: bigint;
  senderHmac: Uint8Array;
}

/**
 * Encrypts `payload` (an encoded EncodedContent) for a V2 conversation (§9.2). `shouldPush` comes from
 * the content codec (text: true). The header topic is always the conversation topic, even when the
 * envelope goes to the mE twin.
 */
export async function encodeMessageV2(
  keyring: Keyring,
  conversation: V2ConversationKeys,
  payload: Uint8Array,
  options: { createdNs?: bigint; nowMs?: number; shouldPush?: boolean } = {},
): Promise<EncodedMessageV2> {
  const nowMs = options.nowMs ?? Date.now();
  const createdNs = options.createdNs ?? BigInt(Math.floor(nowMs)) * 1_000_000n;
  const headerBytes = encodeHeaderV2(createdNs, conversation.topic);
  const prepared = prepareEncryption(conversation.keyMaterial);
  const sender = keyring.signedBundleBytes;
  // One buffer serves both the digest input (header ‖ payload) and the SignedContent that follows the
  // payload, so a large payload is copied once: the digest input is taken (copied by WebCrypto, or hashed by
  // noble) before the header's tail is overwritten with SignedContent's first field prefix.
  // SignedContent = {1 payload, 2 sender (pre-encoded), 3 Signature{1 ecdsa_compact{1 bytes, 2 recovery}}}.
  const prefixLength = fieldLength(payload.length) - payload.length;
  const start = Math.max(headerBytes.length, prefixLength);
  const length = start + payload.length + fieldLength(sender.length) + SIGNATURE_FIELD_LENGTH;
  const assemble = (buffer: Uint8Array) => {
    buffer.set(headerBytes, start - headerBytes.length);
    buffer.set(payload, start);
    const digest = digestOf(buffer.subarray(start - headerBytes.length, start + payload.length));
    writeFieldHeader(buffer, start - prefixLength, 1, payload.length);
    const signatureAt = writeSignatureField(buffer, writeField(buffer, start + payload.length, 2, sender));
    return { digest, signatureAt, signed: buffer.subarray(start - prefixLength, length) };
  };
  const secretKey = keyring.currentPreKey.secretKey;
  let ciphertext;
  if (length - (start - prefixLength) < SUBTLE_AES_MIN) {
    const buffer = new Uint8Array(length);
    const { digest, signatureAt, signed } = assemble(buffer);
    buffer.set(signatureField(signDigest(secretKey, await digest)), signatureAt);
    ciphertext = encryptNow(prepared, signed, headerBytes);
  } else {
    // The plaintext is encrypted with PLACEHOLDER for a signature (WebCrypto, off this thread) while the digest
    // is computed and signed here, then the ciphertext is patched to hold the real signature: the same bytes as
    // encrypting the signed plaintext afterwards, in about the time of the longer of the two, not their sum.
    // WebCrypto copies its inputs during the call, so the plaintext is assembled in the shared scratch buffer
    // (no large allocation, hence less garbage collection, per message).
    const key = await importEncryptionKey(prepared);
    const { digest, encrypted, patchAt } = withScratch(length, (buffer) => {
      const assembled = assemble(buffer);
      return {
        digest: assembled.digest,
        encrypted: startEncryption(prepared, key, assembled.signed, headerBytes),
        patchAt: assembled.signatureAt - (start - prefixLength),
      };
    });
    const signature = signatureField(signDigest(secretKey, await digest));
    ciphertext = await encrypted;
    patchCiphertext(prepared, ciphertext, patchAt, PLACEHOLDER, signature);
  }
  const hmac = senderHmac(
    senderHmacKey(conversation.keyMaterial, keyring.address, hmacPeriod(nowMs)),
    headerBytes,
  );
  return {
    messageBytes: encodeMessageV2Frame(headerBytes, ciphertext, hmac, options.shouldPush ?? true),
    headerBytes,
    createdNs,
    senderHmac: hmac,
  };
}

export interface DecodedMessageV2 {
  /** The encoded EncodedContent. */
  payload: Uint8Array;
  /** Wallet of the sender's identity key (§9.3 step 5; not checked against the invitation). */
  senderAddress: string;
  sender: SignedPublicKeyBundle;
  createdNs: bigint;
  headerBytes: Uint8Array;
  senderHmac?: Uint8Array;
  shouldPush?: boolean;
}

/**
 * Decrypts and verifies a V2 message (§9.3). Throws `unknown_message_version`, `topic_mismatch`,
 * `decryption_failed`, `invalid_signed_content`, `invalid_prekey_signature`, `invalid_signature`.
 */
export async function decodeMessageV2(
  message: Uint8Array | pb.MessageV2.$Properties,
  conversation: V2ConversationKeys,
): Promise<DecodedMessageV2> {
  let v2: pb.MessageV2.$Properties;
  if (message instanceof Uint8Array) {
    const decoded = decodeMessage(message);
    if (!decoded.v2) throw new ProtocolError('unknown_message_version', 'unknown message version');
    v2 = decoded.v2;
  } else {
    v2 = message;
  }
  const headerBytes = v2.headerBytes;
  if (!headerBytes?.length) throw new ProtocolError('invalid_message', 'message has no header');
  const header = decodeProto(pb.MessageHeaderV2, headerBytes, 'MessageHeaderV2');
  if (header.topic !== conversation.topic) {
    throw new ProtocolError('topic_mismatch', `topic mismatch: header says ${JSON.stringify(header.topic)}`);
  }
  const plaintext = await decrypt(ciphertextFromProto(v2.ciphertext), conversation.keyMaterial, headerBytes);
  const signed = decodeProto(pb.SignedContent, plaintext, 'SignedContent');
  if (!signed.sender?.identityKey || !signed.sender.preKey || !signed.signature) {
    throw new ProtocolError('invalid_signed_content', 'signed content lacks its sender keys or signature');
  }
  const sender = signedPublicKeyBundleFromProto(signed.sender);
  if (!verifyKeySignature(sender.identityKey.publicKey, sender.preKey.keyBytes, sender.preKey.signature)) {
    throw new ProtocolError('invalid_prekey_signature', 'sender preKey is not signed by its identity key');
  }
  const signature = signatureFromProto(signed.signature);
  const payload = signed.payload ?? new Uint8Array(0);
  // A large payload is hashed by WebCrypto off this thread; the verification (one libsecp256k1 call) waits for it.
  const digest = digestHeaderAndPayload(headerBytes, payload);
  const verify = signature.kind === 'ecdsa_compact' && verifierFor(sender.preKey.publicKey, signature.bytes);
  const digestBytes = await digest;
  if (!verify || !verify(digestBytes)) {
    throw new ProtocolError('invalid_signature', 'message signature does not verify with the sender prekey');
  }
  const out: DecodedMessageV2 = {
    payload,
    senderAddress: signedKeyWalletAddress(sender.identityKey),
    sender,
    createdNs: fromLong(header.createdNs),
    headerBytes,
  };
  if (v2.senderHmac) out.senderHmac = v2.senderHmac;
  if (v2.shouldPush !== undefined && v2.shouldPush !== null) out.shouldPush = v2.shouldPush;
  return out;
}
