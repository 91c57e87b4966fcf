// The generic symmetric primitive "Aes256gcmHkdfsha256" (§6): HKDF-SHA256(secret, random 32-byte salt,
// empty info) → AES-256-GCM with a random 12-byte nonce, the 16-byte tag appended to the payload.
import { ecb, gcm } from '@noble/ciphers/aes.js';
import { ghash } from '@noble/ciphers/_polyval.js';
import { randomBytes } from './bytes';
import { ProtocolError } from './errors';
import { xmtp } from './gen/xmtp';
import { hkdfSha256 } from './hash';
import { decodeProto } from './keys';

import pb = xmtp.message_contents;

export interface Ciphertext {
  hkdfSalt: Uint8Array;
  gcmNonce: Uint8Array;
  /** AES-GCM ciphertext ‖ 16-byte tag. */
  payload: Uint8Array;
}

const EMPTY = new Uint8Array(0);
const SALT_LENGTH = 32;
const NONCE_LENGTH = 12;
const TAG_LENGTH = 16;

type Buf = Uint8Array<ArrayBuffer>;

function aesKeyBytes(secret: Uint8Array, salt: Uint8Array): Uint8Array {
  // noble's synchronous HKDF + one AES importKey (about 60 + 150 µs here) costs about what WebCrypto's
  // HKDF importKey + deriveKey does (50 + 170 µs), with one promise fewer.
  return hkdfSha256(secret, salt, EMPTY, 32);
}

function importAesKey(raw: Uint8Array, usage: KeyUsage): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', raw as Buf, 'AES-GCM', false, [usage]);
}

/** Encrypts `plaintext` under `secret` (any length) with optional additional authenticated data. */
export async function encrypt(
  plaintext: Uint8Array,
  secret: Uint8Array,
  aad?: Uint8Array,
): Promise<Ciphertext> {
  const prepared = prepareEncryption(secret);
  return startEncryption(prepared, await importEncryptionKey(prepared), plaintext, aad);
}

/** A random salt and nonce with the AES key derived from them, made before the plaintext is ready. */
export interface PreparedEncryption {
  hkdfSalt: Uint8Array;
  gcmNonce: Uint8Array;
  /** The derived AES key. It stays in this context, like the secret it comes from. */
  keyBytes: Uint8Array;
}

/** Draws the salt and nonce and derives the AES key (it does not depend on the plaintext). */
export function prepareEncryption(secret: Uint8Array): PreparedEncryption {
  const hkdfSalt = randomBytes(SALT_LENGTH);
  return { hkdfSalt, gcmNonce: randomBytes(NONCE_LENGTH), keyBytes: aesKeyBytes(secret, hkdfSalt) };
}

export function importEncryptionKey(prepared: PreparedEncryption): Promise<CryptoKey> {
  return importAesKey(prepared.keyBytes, 'encrypt');
}

// Below this size AES-GCM runs here in JavaScript (noble): a WebCrypto call costs a trip through its thread
// pool and back through the event loop (about 100 µs of waiting in Node here), more than noble's whole
// encryption of a few KiB; above it WebCrypto's native AES wins.
export const SUBTLE_AES_MIN = 4096;

/** AES-GCM on this thread (for small plaintexts: see SUBTLE_AES_MIN). */
export function encryptNow(
  prepared: PreparedEncryption,
  plaintext: Uint8Array,
  aad?: Uint8Array,
): Ciphertext {
  const { hkdfSalt, gcmNonce, keyBytes } = prepared;
  const payload = gcm(keyBytes, gcmNonce, aad && aad.length > 0 ? aad : undefined).encrypt(plaintext);
  return { hkdfSalt, gcmNonce, payload };
}

/**
 * Hands the AES-GCM encryption to WebCrypto at once (the input is copied during this call, and the work runs
 * off the calling thread), so the caller can compute meanwhile.
 */
export function startEncryption(
  prepared: PreparedEncryption,
  key: CryptoKey,
  plaintext: Uint8Array,
  aad?: Uint8Array,
): Promise<Ciphertext> {
  const { hkdfSalt, gcmNonce } = prepared;
  const params: AesGcmParams = { name: 'AES-GCM', iv: gcmNonce as Buf, tagLength: 128 };
  if (aad && aad.length > 0) params.additionalData = aad as Buf;
  return crypto.subtle
    .encrypt(params, key, plaintext as Buf)
    .then((payload) => ({ hkdfSalt, gcmNonce, payload: new Uint8Array(payload) }));
}

const BLOCK = 16;

/**
 * Turns the AES-GCM encryption of a plaintext into that of the same plaintext with `replacement` in place of
 * `original` at byte `offset`, in place, without encrypting again. GCM's counter mode makes each ciphertext
 * byte the plaintext byte XOR a keystream byte that does not depend on the plaintext, so the ciphertext changes
 * by original ⊕ replacement; the tag is GHASH_H(A, C) ⊕ E_K(J0), and GHASH is linear in C, so it changes by
 * the GHASH of that difference at its block positions (a block j of m is weighted by H^(m−j+1): the length
 * block follows the last one). The result is byte for byte the ciphertext of the new plaintext under the same
 * key and nonce, and only it leaves the caller, so no nonce serves two plaintexts. This lets a V2 message be
 * encrypted while its signature, the last bytes of the plaintext, is still being computed (§9.2).
 */
export function patchCiphertext(
  prepared: PreparedEncryption,
  ciphertext: Ciphertext,
  offset: number,
  original: Uint8Array,
  replacement: Uint8Array,
): void {
  const payload = ciphertext.payload;
  const length = payload.length - TAG_LENGTH;
  if (original.length !== replacement.length || offset < 0 || offset + original.length > length) {
    throw new ProtocolError('invalid_ciphertext', 'ciphertext patch out of range');
  }
  const first = Math.floor(offset / BLOCK);
  const blocks = Math.ceil(length / BLOCK) - first;
  // The difference blocks from `first` to the last, then one zero block standing for the length block.
  const delta = new Uint8Array((blocks + 1) * BLOCK);
  const base = offset - first * BLOCK;
  for (let i = 0; i < original.length; i++) {
    const d = original[i]! ^ replacement[i]!;
    delta[base + i] = d;
    payload[offset + i] = payload[offset + i]! ^ d;
  }
  const h = ecb(prepared.keyBytes, { disablePadding: true }).encrypt(new Uint8Array(BLOCK));
  const tagDelta = ghash(delta, h);
  for (let i = 0; i < TAG_LENGTH; i++) payload[length + i] = payload[length + i]! ^ tagDelta[i]!;
}

/**
 * Decrypts; throws `invalid_ciphertext` for bad salt/nonce/payload lengths and `decryption_failed`
 * when the tag does not verify (tampered payload, wrong secret or wrong AAD).
 */
export async function decrypt(
  ciphertext: Ciphertext,
  secret: Uint8Array,
  aad?: Uint8Array,
): Promise<Uint8Array> {
  checkCiphertext(ciphertext);
  const { hkdfSalt, gcmNonce, payload } = ciphertext;
  // Small payloads (invitations, most messages) decrypt here at once: see SUBTLE_AES_MIN.
  if (payload.length < SUBTLE_AES_MIN) return decryptNow(ciphertext, secret, aad);
  const key = await importAesKey(aesKeyBytes(secret, hkdfSalt), 'decrypt');
  const params: AesGcmParams = { name: 'AES-GCM', iv: gcmNonce as Buf, tagLength: 128 };
  if (aad && aad.length > 0) params.additionalData = aad as Buf;
  try {
    return new Uint8Array(await crypto.subtle.decrypt(params, key, payload as Buf));
  } catch (cause) {
    throw new ProtocolError('decryption_failed', 'decryption failed: authentication tag mismatch', { cause });
  }
}

/** `decrypt` on this thread, synchronously (noble's AES-GCM), with the same checks and errors. */
export function decryptNow(ciphertext: Ciphertext, secret: Uint8Array, aad?: Uint8Array): Uint8Array {
  checkCiphertext(ciphertext);
  const { hkdfSalt, gcmNonce, payload } = ciphertext;
  try {
    return gcm(aesKeyBytes(secret, hkdfSalt), gcmNonce, aad && aad.length > 0 ? aad : undefined).decrypt(
      payload,
    );
  } catch (cause) {
    throw new ProtocolError('decryption_failed', 'decryption failed: authentication tag mismatch', { cause });
  }
}

function checkCiphertext({ hkdfSalt, gcmNonce, payload }: Ciphertext): void {
  if (hkdfSalt.length !== SALT_LENGTH) {
    throw new ProtocolError('invalid_ciphertext', `invalid hkdf salt length: ${hkdfSalt.length}`);
  }
  if (gcmNonce.length !== NONCE_LENGTH) {
    throw new ProtocolError('invalid_ciphertext', `invalid gcm nonce length: ${gcmNonce.length}`);
  }
  if (payload.length < TAG_LENGTH) {
    throw new ProtocolError('invalid_ciphertext', `invalid payload length: ${payload.length}`);
  }
}

export function ciphertextFromProto(c: pb.Ciphertext.$Properties | null | undefined): Ciphertext {
  const inner = c?.aes256GcmHkdfSha256;
  if (!inner) throw new ProtocolError('invalid_ciphertext', 'unknown or missing ciphertext type');
  return {
    hkdfSalt: inner.hkdfSalt ?? EMPTY,
    gcmNonce: inner.gcmNonce ?? EMPTY,
    payload: inner.payload ?? EMPTY,
  };
}

export function ciphertextToProto(c: Ciphertext): pb.Ciphertext.$Properties {
  return { aes256GcmHkdfSha256: { hkdfSalt: c.hkdfSalt, gcmNonce: c.gcmNonce, payload: c.payload } };
}

export function encodeCiphertext(c: Ciphertext): Uint8Array {
  return pb.Ciphertext.encode(ciphertextToProto(c)).finish();
}

export function decodeCiphertext(bytes: Uint8Array): Ciphertext {
  return ciphertextFromProto(decodeProto(pb.Ciphertext, bytes, 'Ciphertext'));
}
