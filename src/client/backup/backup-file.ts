// The encrypted backup file (issue #18 item 1; docs/backup-format.md): one identity's key bundle and inbox state,
// moved between the extension and the CLI in either direction. A JSON text file: a plain header saying how to
// derive the key, and the payload as AES-256-GCM ciphertext under PBKDF2-SHA256 of the password, with the header
// bound as AAD so a changed iteration count or nonce fails like a changed byte.
import { ClientError } from '@/client/errors';
import { toChecksumAddress } from '@/protocol/address';
import { decodePrivateKeyBundle } from '@/protocol/bundles';
import { fromBase64, fromUtf8, toBase64, utf8 } from '@/protocol/bytes';
import { bundleWalletAddress } from '@/protocol/identity';

export const BACKUP_FORMAT = 'xmtp-inbox-backup';
export const BACKUP_VERSION = 1;
/** PBKDF2-SHA256 cost of new files (OWASP 2023 asks at least 600,000). */
export const BACKUP_ITERATIONS = 1_000_000;
const MIN_ITERATIONS = 600_000;
/** A file's iteration count is the writer's choice: bounded, so a crafted file cannot make import hang. */
const MAX_ITERATIONS = 10_000_000;

/** What a backup holds, version 1 (JSON inside the ciphertext). */
export interface BackupPayload {
  /** The account's wallet address (EIP-55). */
  address: string;
  /** The encoded PrivateKeyBundle (docs/protocol.md §4), base64. */
  keyBundle: string;
  /** When the file was made (ms since the epoch). */
  createdAt: number;
  /** Which program wrote it, e.g. `xmtp-inbox-extension/0.1.0`. */
  app: string;
  /** The XMTP nodes the account used. */
  nodes: string[];
  /** Per conversation: the peer, consent and the user's own state (pins, mutes, archive, unread, draft). */
  conversations: BackupConversation[];
  /** The cached messages, when the user chose to include them. */
  messages?: BackupMessage[];
}

export interface BackupConversation {
  topic: string;
  peerAddress: string;
  conversationId?: string;
  createdAt: number;
  consent: 'allowed' | 'denied' | 'unknown';
  unread: number;
  pinnedAt?: number;
  pinSetAt?: number;
  mutedUntil?: number;
  mutedSetAt?: number;
  archivedAt?: number;
  archiveSetAt?: number;
  draft?: { text: string; updatedAt: number };
  readSetAt?: number;
  readUpTo?: number;
}

export interface BackupMessage {
  id: string;
  topic: string;
  senderAddress: string;
  sentAt: number;
  contentType: string;
  content: unknown;
  fallback?: string;
}

interface BackupHeader {
  format: typeof BACKUP_FORMAT;
  version: number;
  kdf: { name: 'PBKDF2-SHA256'; iterations: number; salt: string };
  cipher: { name: 'AES-256-GCM'; nonce: string };
}

const fail = (code: string, message: string) => new ClientError(code, message);

async function keyFrom(password: string, salt: Uint8Array, iterations: number): Promise<CryptoKey> {
  const base = await crypto.subtle.importKey('raw', utf8(password) as BufferSource, 'PBKDF2', false, [
    'deriveKey',
  ]);
  return crypto.subtle.deriveKey(
    { name: 'PBKDF2', hash: 'SHA-256', salt: salt as BufferSource, iterations },
    base,
    { name: 'AES-GCM', length: 256 },
    false,
    ['encrypt', 'decrypt'],
  );
}

const headerAad = (header: BackupHeader) =>
  utf8(JSON.stringify([header.format, header.version, header.kdf, header.cipher]));

/** Encrypts `payload` under `password` into the text of a backup file. */
export async function writeBackup(
  payload: BackupPayload,
  password: string,
  iterations = BACKUP_ITERATIONS,
): Promise<string> {
  if (!password) throw fail('backup_password', 'a backup needs a password');
  const salt = crypto.getRandomValues(new Uint8Array(16));
  const nonce = crypto.getRandomValues(new Uint8Array(12));
  const header: BackupHeader = {
    format: BACKUP_FORMAT,
    version: BACKUP_VERSION,
    kdf: { name: 'PBKDF2-SHA256', iterations, salt: toBase64(salt) },
    cipher: { name: 'AES-256-GCM', nonce: toBase64(nonce) },
  };
  const ciphertext = await crypto.subtle.encrypt(
    { name: 'AES-GCM', iv: nonce as BufferSource, additionalData: headerAad(header) as BufferSource },
    await keyFrom(password, salt, iterations),
    utf8(JSON.stringify(payload)) as BufferSource,
  );
  return `${JSON.stringify({ ...header, ciphertext: toBase64(new Uint8Array(ciphertext)) }, null, 1)}\n`;
}

/**
 * Reads a backup file. Every failure is a ClientError whose code says which: `backup_not_a_backup` (not JSON,
 * or not this format), `backup_newer_version`, `backup_corrupt` (a field missing or malformed: truncated),
 * `backup_wrong_password` (the password, or a changed byte: GCM cannot tell them apart), `invalid_backup` (the
 * key bundle is not the named account's). The payload's address comes back in EIP-55 form.
 */
export async function readBackup(text: string, password: string): Promise<BackupPayload> {
  let file: Record<string, unknown>;
  try {
    file = JSON.parse(text) as Record<string, unknown>;
  } catch {
    throw fail(
      text.trimStart().startsWith('{') ? 'backup_corrupt' : 'backup_not_a_backup',
      text.trimStart().startsWith('{')
        ? 'the backup file is cut short or damaged (it is not complete JSON)'
        : 'this is not an XMTP Inbox backup file',
    );
  }
  if (!file || typeof file !== 'object' || file.format !== BACKUP_FORMAT)
    throw fail('backup_not_a_backup', 'this is not an XMTP Inbox backup file');
  if (typeof file.version !== 'number' || !Number.isInteger(file.version) || file.version < 1)
    throw fail('backup_corrupt', 'the backup file has no valid version');
  if (file.version > BACKUP_VERSION)
    throw fail(
      'backup_newer_version',
      `this backup was made by a newer version of XMTP Inbox (format ${file.version}; this one reads ${BACKUP_VERSION}): update first`,
    );
  const kdf = file.kdf as BackupHeader['kdf'] | undefined;
  const cipher = file.cipher as BackupHeader['cipher'] | undefined;
  let salt: Uint8Array, nonce: Uint8Array, ciphertext: Uint8Array;
  try {
    if (kdf?.name !== 'PBKDF2-SHA256' || cipher?.name !== 'AES-256-GCM')
      throw new Error('unknown algorithms');
    if (
      !Number.isInteger(kdf.iterations) ||
      kdf.iterations < MIN_ITERATIONS ||
      kdf.iterations > MAX_ITERATIONS
    )
      throw new Error('iterations out of range');
    salt = fromBase64(kdf.salt);
    nonce = fromBase64(cipher.nonce);
    ciphertext = fromBase64(file.ciphertext as string);
    if (salt.length !== 16 || nonce.length !== 12 || ciphertext.length < 17) throw new Error('lengths');
  } catch {
    throw fail(
      'backup_corrupt',
      'the backup file is damaged (its key parameters or ciphertext are malformed)',
    );
  }
  const header: BackupHeader = { format: BACKUP_FORMAT, version: file.version, kdf, cipher };
  let plain: ArrayBuffer;
  try {
    plain = await crypto.subtle.decrypt(
      { name: 'AES-GCM', iv: nonce as BufferSource, additionalData: headerAad(header) as BufferSource },
      await keyFrom(password, salt, kdf.iterations),
      ciphertext as BufferSource,
    );
  } catch {
    throw fail(
      'backup_wrong_password',
      'the password does not open this backup (or the file was changed): check the password and try again',
    );
  }
  const payload = JSON.parse(fromUtf8(new Uint8Array(plain))) as BackupPayload;
  if (
    typeof payload.address !== 'string' ||
    typeof payload.keyBundle !== 'string' ||
    !Array.isArray(payload.conversations)
  )
    throw fail('backup_corrupt', 'the backup opens but does not hold an identity');
  // The key bundle must be the account's: both readers (extension, CLI) rely on this check.
  let owner: string;
  try {
    owner = toChecksumAddress(
      bundleWalletAddress(decodePrivateKeyBundle(fromBase64(payload.keyBundle)).bundle),
    );
  } catch {
    throw fail('backup_corrupt', 'the backup opens but its key bundle is malformed');
  }
  if (owner.toLowerCase() !== payload.address.toLowerCase())
    throw fail('invalid_backup', `the backup's key belongs to ${owner}, not ${payload.address}`);
  return { ...payload, address: owner };
}

/** A file name for a new backup: the address and the day, e.g. `xmtp-inbox-0xAb58…-2026-12-06.xmtpbackup`. */
export function backupFileName(address: string, at = new Date()): string {
  return `xmtp-inbox-${address}-${at.toISOString().slice(0, 10)}.xmtpbackup`;
}
