// Hand-written encoding of the envelope `Message` (§7.1) for the hot paths: the ciphertext payload is
// copied once into the final buffer instead of through protobufjs's writer. Field order and bytes are
// those of protobufjs and ts-proto (field-number order, `should_push` present even when false).
import type { Ciphertext } from './cipher';
import { fieldLength, writeField, writeFieldHeader, writeVarint } from './message';

function aesLength(c: Ciphertext): number {
  return fieldLength(c.hkdfSalt.length) + fieldLength(c.gcmNonce.length) + fieldLength(c.payload.length);
}

/** Length of an encoded `Ciphertext{aes256_gcm_hkdf_sha256}`. */
export function ciphertextLength(c: Ciphertext): number {
  return fieldLength(aesLength(c));
}

export function writeCiphertext(out: Uint8Array, offset: number, c: Ciphertext): number {
  offset = writeFieldHeader(out, offset, 1, aesLength(c));
  offset = writeField(out, offset, 1, c.hkdfSalt);
  offset = writeField(out, offset, 2, c.gcmNonce);
  return writeField(out, offset, 3, c.payload);
}

/** `Message{v1: MessageV1{header_bytes, ciphertext}}`. */
export function encodeMessageV1Frame(headerBytes: Uint8Array, ciphertext: Ciphertext): Uint8Array {
  const ctLen = ciphertextLength(ciphertext);
  const inner = fieldLength(headerBytes.length) + fieldLength(ctLen);
  const out = new Uint8Array(fieldLength(inner));
  let o = writeFieldHeader(out, 0, 1, inner);
  o = writeField(out, o, 1, headerBytes);
  o = writeFieldHeader(out, o, 2, ctLen);
  writeCiphertext(out, o, ciphertext);
  return out;
}

/** `Message{v2: MessageV2{header_bytes, ciphertext, sender_hmac, should_push}}`. */
export function encodeMessageV2Frame(
  headerBytes: Uint8Array,
  ciphertext: Ciphertext,
  senderHmac: Uint8Array,
  shouldPush: boolean,
): Uint8Array {
  const ctLen = ciphertextLength(ciphertext);
  const inner = fieldLength(headerBytes.length) + fieldLength(ctLen) + fieldLength(senderHmac.length) + 2;
  const out = new Uint8Array(fieldLength(inner));
  let o = writeFieldHeader(out, 0, 2, inner);
  o = writeField(out, o, 1, headerBytes);
  o = writeFieldHeader(out, o, 2, ctLen);
  o = writeCiphertext(out, o, ciphertext);
  o = writeField(out, o, 3, senderHmac);
  out[o++] = (4 << 3) | 0;
  writeVarint(out, o, shouldPush ? 1 : 0);
  return out;
}
