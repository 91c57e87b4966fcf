// The vault's at-rest format. Versioned so a later format (another KDF, more iterations) can read this one.
import { ExtensionError } from '@/extension/errors';
import { fromBase64 } from '@/protocol/bytes';
import { MIN_PBKDF2_ITERATIONS, NONCE_BYTES } from './crypto';

export interface VaultRecordV1 {
  version: 1;
  /** Random per record; bound into the AES-GCM additional data and into the session key entry. */
  id: string;
  kdf: { name: 'PBKDF2'; hash: 'SHA-256'; iterations: number; salt: string };
  cipher: { name: 'AES-GCM'; nonce: string };
  /** AES-256-GCM ciphertext with its 16-byte tag, base64. */
  ciphertext: string;
  createdAt: number;
  updatedAt: number;
}

export type VaultRecord = VaultRecordV1;

/** Additional data for AES-GCM: ties the ciphertext to this format version and record. */
export function recordAad(record: Pick<VaultRecord, 'version' | 'id'>): Uint8Array {
  return new TextEncoder().encode(`xmtp-inbox/vault/v${record.version}/${record.id}`);
}

/** Checks a record read from IndexedDB before trusting any field of it. */
export function parseRecord(value: unknown): VaultRecord {
  const record = value as Partial<VaultRecordV1> | undefined;
  if (!record || typeof record !== 'object')
    throw new ExtensionError('vault_corrupt', 'vault record is missing');
  if (record.version !== 1) {
    throw new ExtensionError('vault_version', `unsupported vault record version: ${String(record.version)}`);
  }
  const { kdf, cipher } = record;
  const valid =
    typeof record.id === 'string' &&
    kdf?.name === 'PBKDF2' &&
    kdf.hash === 'SHA-256' &&
    Number.isInteger(kdf.iterations) &&
    kdf.iterations >= MIN_PBKDF2_ITERATIONS &&
    typeof kdf.salt === 'string' &&
    cipher?.name === 'AES-GCM' &&
    typeof cipher.nonce === 'string' &&
    fromBase64(cipher.nonce).length === NONCE_BYTES &&
    typeof record.ciphertext === 'string';
  if (!valid) throw new ExtensionError('vault_corrupt', 'vault record has invalid fields');
  return record as VaultRecordV1;
}
