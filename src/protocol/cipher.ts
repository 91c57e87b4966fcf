// The generic symmetric primitive "Aes256gcmHkdfsha256" (§6): HKDF-SHA256(secret, random 32-byte salt,
// empty info) → AES-256-GCM with a random 12-byte nonce, the 16-byte tag appended to the payload.
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

async function aesKey(secret: Uint8Array, salt: Uint8Array, usage: KeyUsage): Promise<CryptoKey> {
  // noble's synchronous HKDF + one AES importKey (about 60 + 150 µs here) costs about what WebCrypto's
  // HKDF importKey + deriveKey does (50 + 170 µs), with one promise fewer.
  const raw = hkdfSha256(secret, salt, EMPTY, 32);
  return crypto.subtle.importKey('raw', raw as Buf, 'AES-GCM', false, [usage]);
}

/** Encrypts `plaintext` under `secret` (any length) with optional additional authenticated data. */
export async function encrypt(
  plaintext: Uint8Array,
  secret: Uint8Array,
  aad?: Uint8Array,
): Promise<Ciphertext> {
  return encryptPrepared(prepareEncryption(secret), plaintext, aad);
}

/** A random salt and nonce with the AES key derived from them, made before the plaintext is ready. */
export interface PreparedEncryption {
  hkdfSalt: Uint8Array;
  gcmNonce: Uint8Array;
  key: Promise<CryptoKey>;
}

/**
 * Starts the key derivation of an encryption (it depends only on the secret and a fresh salt), so a
 * caller can overlap it with other work such as hashing and signing the plaintext (§9.2).
 */
export function prepareEncryption(secret: Uint8Array): PreparedEncryption {
  const hkdfSalt = randomBytes(SALT_LENGTH);
  return { hkdfSalt, gcmNonce: randomBytes(NONCE_LENGTH), key: aesKey(secret, hkdfSalt, 'encrypt') };
}

export async function encryptPrepared(
  prepared: PreparedEncryption,
  plaintext: Uint8Array,
  aad?: Uint8Array,
): Promise<Ciphertext> {
  const { hkdfSalt, gcmNonce } = prepared;
  const params: AesGcmParams = { name: 'AES-GCM', iv: gcmNonce as Buf, tagLength: 128 };
  if (aad && aad.length > 0) params.additionalData = aad as Buf;
  const payload = new Uint8Array(await crypto.subtle.encrypt(params, await prepared.key, plaintext as Buf));
  return { hkdfSalt, gcmNonce, payload };
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
  const { hkdfSalt, gcmNonce, payload } = ciphertext;
  if (hkdfSalt.length !== SALT_LENGTH) {
    throw new ProtocolError('invalid_ciphertext', `invalid hkdf salt length: ${hkdfSalt.length}`);
  }
  if (gcmNonce.length !== NONCE_LENGTH) {
    throw new ProtocolError('invalid_ciphertext', `invalid gcm nonce length: ${gcmNonce.length}`);
  }
  if (payload.length < TAG_LENGTH) {
    throw new ProtocolError('invalid_ciphertext', `invalid payload length: ${payload.length}`);
  }
  const key = await aesKey(secret, hkdfSalt, 'decrypt');
  const params: AesGcmParams = { name: 'AES-GCM', iv: gcmNonce as Buf, tagLength: 128 };
  if (aad && aad.length > 0) params.additionalData = aad as Buf;
  try {
    return new Uint8Array(await crypto.subtle.decrypt(params, key, payload as Buf));
  } catch (cause) {
    throw new ProtocolError('decryption_failed', 'decryption failed: authentication tag mismatch', { cause });
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
