// Password-based encryption for the vault on WebCrypto: PBKDF2-SHA256 → AES-256-GCM. The floor follows OWASP's
// 2023 recommendation for PBKDF2-HMAC-SHA256 (600,000): records made before issue #21 used it and still open.
// New records, and old ones as they unlock, use PBKDF2_ITERATIONS: 2.5× the floor, still well under a second
// to unlock (docs/extension.md "Vault" has the measurement). PBKDF2 because WebCrypto has it natively; a WASM scrypt or
// Argon2id would be stronger against GPUs but slower per guess on our side too, and is a new dependency.
import { ExtensionError } from '@/extension/errors';

export const MIN_PBKDF2_ITERATIONS = 600_000;
export const PBKDF2_ITERATIONS = 1_500_000;
export const SALT_BYTES = 16;
export const NONCE_BYTES = 12;

const encoder = new TextEncoder();

/** Derives the vault's AES-256-GCM key. Extractable, because the unlocked key is kept in session storage. */
export async function deriveVaultKey(
  password: string,
  salt: Uint8Array,
  iterations: number,
): Promise<CryptoKey> {
  if (!Number.isInteger(iterations) || iterations < MIN_PBKDF2_ITERATIONS) {
    throw new ExtensionError(
      'weak_kdf',
      `PBKDF2 iterations must be at least ${MIN_PBKDF2_ITERATIONS}: ${iterations}`,
    );
  }
  const base = await crypto.subtle.importKey('raw', encoder.encode(password), 'PBKDF2', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    { name: 'PBKDF2', hash: 'SHA-256', salt: salt as BufferSource, iterations },
    base,
    { name: 'AES-GCM', length: 256 },
    true,
    ['encrypt', 'decrypt'],
  );
}

export async function seal(key: CryptoKey, nonce: Uint8Array, plaintext: Uint8Array, aad: Uint8Array) {
  const sealed = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: nonce as BufferSource, additionalData: aad as BufferSource },
    key,
    plaintext as BufferSource,
  );
  return new Uint8Array(sealed);
}

/** Opens AES-GCM; a failed tag check (wrong key, tampered record) is `null`, not an exception. */
export async function open(key: CryptoKey, nonce: Uint8Array, ciphertext: Uint8Array, aad: Uint8Array) {
  try {
    const opened = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: nonce as BufferSource, additionalData: aad as BufferSource },
      key,
      ciphertext as BufferSource,
    );
    return new Uint8Array(opened);
  } catch {
    return null;
  }
}

export async function exportRawKey(key: CryptoKey): Promise<Uint8Array> {
  return new Uint8Array(await crypto.subtle.exportKey('raw', key));
}

export function importRawKey(raw: Uint8Array): Promise<CryptoKey> {
  return crypto.subtle.importKey('raw', raw as BufferSource, { name: 'AES-GCM', length: 256 }, true, [
    'encrypt',
    'decrypt',
  ]);
}

/**
 * A non-extractable AES-256-GCM key for other records kept at rest (e.g. the client's conversation cache with
 * its V2 invitation key material), derived by HKDF-SHA256 from the vault's secret. One key per `purpose`; the
 * same across password changes, since the secret (the key bundle) does not change.
 */
export async function deriveStorageKey(
  secret: Uint8Array,
  purpose: string,
  kind: StorageKeyKind = 'encrypt',
): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey('raw', secret as BufferSource, 'HKDF', false, ['deriveKey']);
  return crypto.subtle.deriveKey(
    {
      name: 'HKDF',
      hash: 'SHA-256',
      salt: encoder.encode('xmtp-inbox/vault/storage-key') as BufferSource,
      // The index key of a purpose is a different key from its encryption key.
      info: encoder.encode(kind === 'encrypt' ? purpose : `${purpose}/index`) as BufferSource,
    },
    base,
    kind === 'encrypt' ? { name: 'AES-GCM', length: 256 } : { name: 'HMAC', hash: 'SHA-256', length: 256 },
    false,
    kind === 'encrypt' ? ['encrypt', 'decrypt'] : ['sign'],
  );
}

/**
 * `encrypt`: AES-256-GCM for records. `index`: HMAC-SHA256, for lookup keys that must not show what they name
 * (a topic holds wallet addresses) yet must be the same every time.
 */
export type StorageKeyKind = 'encrypt' | 'index';
