// Sealing and opening one vault record (the format in record.ts): a fresh salt, nonce and record id each time it
// is written, the password through PBKDF2, the secret through AES-256-GCM bound to the record's version and id.
import { ExtensionError } from '@/extension/errors';
import { fromBase64, toBase64 } from '@/protocol/bytes';
import { deriveVaultKey, NONCE_BYTES, open, SALT_BYTES, seal } from './crypto';
import { recordAad, type VaultRecord } from './record';

/** A new record holding `secret` under `password`, and the AES key that opens it (kept while unlocked). */
export async function sealRecord(
  secret: string,
  password: string,
  { iterations, createdAt, updatedAt }: { iterations: number; createdAt: number; updatedAt: number },
): Promise<[VaultRecord, CryptoKey]> {
  const salt = crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const nonce = crypto.getRandomValues(new Uint8Array(NONCE_BYTES));
  const id = toBase64(crypto.getRandomValues(new Uint8Array(16)));
  const key = await deriveVaultKey(password, salt, iterations);
  const header = { version: 1 as const, id };
  const ciphertext = await seal(key, nonce, new TextEncoder().encode(secret), recordAad(header));
  const record: VaultRecord = {
    ...header,
    kdf: { name: 'PBKDF2', hash: 'SHA-256', iterations, salt: toBase64(salt) },
    cipher: { name: 'AES-GCM', nonce: toBase64(nonce) },
    ciphertext: toBase64(ciphertext),
    createdAt,
    updatedAt,
  };
  return [record, key];
}

/** The secret, or null when `key` does not open the record (or it was tampered with). */
export async function openRecord(record: VaultRecord, key: CryptoKey): Promise<string | null> {
  const opened = await open(
    key,
    fromBase64(record.cipher.nonce),
    fromBase64(record.ciphertext),
    recordAad(record),
  );
  return opened && new TextDecoder().decode(opened);
}

/** The secret and the record's key; throws `wrong_password` when the password does not open it. */
export async function openRecordWithPassword(
  record: VaultRecord,
  password: string,
): Promise<[string, CryptoKey]> {
  const key = await deriveVaultKey(password, fromBase64(record.kdf.salt), record.kdf.iterations);
  const secret = await openRecord(record, key);
  if (secret === null) throw new ExtensionError('wrong_password', 'wrong password: the vault did not open');
  return [secret, key];
}
