// The vault keeps one opaque secret (the client's encoded private key bundle, base64) encrypted at rest in
// IndexedDB under a password-derived key. While unlocked, the AES key itself sits in session storage
// (browser.storage.session: memory only, trusted contexts only), so a restarted service worker stays unlocked
// without asking for the password again, and nothing unlocked ever reaches the disk.
import type { DBSchema, IDBPDatabase } from 'idb';
import { ExtensionError } from '@/extension/errors';
import { openDatabase } from '@/extension/idb-open';
import type { KeyValueArea } from '@/extension/storage-area';
import { fromBase64, toBase64 } from '@/protocol/bytes';
import {
  deriveStorageKey,
  exportRawKey,
  importRawKey,
  MIN_PBKDF2_ITERATIONS,
  PBKDF2_ITERATIONS,
  type StorageKeyKind,
} from './crypto';
import { parseRecord, type VaultRecord } from './record';
import { openRecord, openRecordWithPassword, sealRecord } from './record-crypto';

export interface VaultOptions {
  indexedDB: IDBFactory;
  /** Where the unlocked key lives: browser.storage.session in the extension. */
  session: KeyValueArea;
  now?: () => number;
  /**
   * PBKDF2 iterations for new records, and for older records with fewer, re-encrypted as they unlock. Default
   * PBKDF2_ITERATIONS; never below 600,000.
   */
  iterations?: number;
  dbName?: string;
}

export interface Vault {
  exists(): Promise<boolean>;
  /** Stores `secret` under `password` and leaves the vault unlocked. Fails if a vault exists. */
  create(secret: string, password: string): Promise<void>;
  /** Throws `wrong_password` when the password does not open the vault. */
  unlock(password: string): Promise<void>;
  /** Forgets the unlocked key. */
  lock(): Promise<void>;
  isUnlocked(): Promise<boolean>;
  /** The secret; throws `vault_locked` while locked. */
  readSecret(): Promise<string>;
  /**
   * An AES-256-GCM key (non-extractable) for encrypting other local records at rest, derived from the secret
   * for `purpose`: the same for the same identity, whatever the password. Throws `vault_locked` while locked.
   */
  storageKey(purpose: string, kind?: StorageKeyKind): Promise<CryptoKey>;
  /** Re-encrypts under a new password (new salt, nonce and record id); stays unlocked. */
  changePassword(oldPassword: string, newPassword: string): Promise<void>;
  /** Deletes the record and the unlocked key (sign out). */
  wipe(): Promise<void>;
  /** Records activity for the idle auto-lock. */
  touch(): Promise<void>;
  /** Locks when the last activity is older than `idleMs`; returns whether it locked. */
  lockIfIdle(idleMs: number): Promise<boolean>;
}

interface VaultSchema extends DBSchema {
  vault: { key: string; value: VaultRecord };
}

const RECORD_KEY = 'main';
const SESSION_KEY = 'vault.unlocked';
const ACTIVITY_KEY = 'vault.lastActiveAt';
const MIN_PASSWORD_LENGTH = 8;

/** What session storage holds while unlocked: the raw AES key and the id of the record it opens. */
interface UnlockedEntry {
  recordId: string;
  key: string;
  unlockedAt: number;
}

/** Throws `weak_password` for passwords the vault refuses; onboarding checks before asking the wallet. */
export function validatePassword(password: string): void {
  if (typeof password !== 'string' || password.length < MIN_PASSWORD_LENGTH) {
    throw new ExtensionError(
      'weak_password',
      `password must have at least ${MIN_PASSWORD_LENGTH} characters`,
    );
  }
}

export function createVault(options: VaultOptions): Vault {
  const now = options.now ?? Date.now;
  const iterations = options.iterations ?? PBKDF2_ITERATIONS;
  if (iterations < MIN_PBKDF2_ITERATIONS) {
    throw new ExtensionError(
      'weak_kdf',
      `PBKDF2 iterations must be at least ${MIN_PBKDF2_ITERATIONS}: ${iterations}`,
    );
  }
  const session = options.session;
  /** Derived storage keys of the unlocked record (record id → purpose → key); only handed out while unlocked. */
  const storageKeys = new Map<string, Map<string, Promise<CryptoKey>>>();
  let database: Promise<IDBPDatabase<VaultSchema>> | undefined;
  const db = () =>
    (database ??= openDatabase<VaultSchema>(
      options.indexedDB,
      options.dbName ?? 'xmtp-inbox-vault',
      1,
      (d) => {
        d.createObjectStore('vault');
      },
    ));

  async function readRecord(): Promise<VaultRecord | undefined> {
    const value = await (await db()).get('vault', RECORD_KEY);
    return value === undefined ? undefined : parseRecord(value);
  }

  async function requireRecord(): Promise<VaultRecord> {
    const record = await readRecord();
    if (!record) throw new ExtensionError('vault_empty', 'no vault: create an identity first');
    return record;
  }

  async function unlockedEntry(): Promise<UnlockedEntry | undefined> {
    const entry = (await session.get(SESSION_KEY))[SESSION_KEY] as UnlockedEntry | undefined;
    return entry && typeof entry.key === 'string' ? entry : undefined;
  }

  // The record id last found unlocked (its session entry present and naming the stored record), so the lock
  // check that every cache read and popup request makes costs no storage round trip (two per check, thousands
  // in a first catch-up). Only this vault writes its entry and record (one vault per account in the worker; a
  // restarted worker starts with none known), and each of its changes forgets the id before and after it; a
  // check that began before a change does not keep what it read (the generation moved on).
  let knownUnlocked: string | undefined;
  let generation = 0;
  const forget = () => {
    knownUnlocked = undefined;
    generation++;
  };
  async function changing<T>(change: () => Promise<T>): Promise<T> {
    forget();
    try {
      return await change();
    } finally {
      forget();
    }
  }

  /** The unlocked record's id, or undefined while locked. */
  async function unlockedRecordId(): Promise<string | undefined> {
    if (knownUnlocked !== undefined) return knownUnlocked;
    const asked = generation;
    const [entry, record] = await Promise.all([unlockedEntry(), readRecord()]);
    if (!entry || !record || record.id !== entry.recordId) return undefined;
    if (asked === generation) knownUnlocked = record.id;
    return record.id;
  }

  async function remember(recordId: string, key: CryptoKey) {
    const entry: UnlockedEntry = { recordId, key: toBase64(await exportRawKey(key)), unlockedAt: now() };
    await session.set({ [SESSION_KEY]: entry });
  }

  /** Stores a newly sealed record and leaves the vault unlocked with its key. */
  async function keep(record: VaultRecord, key: CryptoKey) {
    await (await db()).put('vault', record, RECORD_KEY);
    await remember(record.id, key);
  }

  /** Forgets the unlocked key and the last activity: locked, the record left as it is. */
  async function dropUnlocked() {
    storageKeys.clear();
    await session.remove([SESSION_KEY, ACTIVITY_KEY]);
  }

  const encrypt = (secret: string, password: string, createdAt: number) =>
    sealRecord(secret, password, { iterations, createdAt, updatedAt: now() });

  const vault: Vault = {
    async exists() {
      return (await readRecord()) !== undefined;
    },

    create: (secret, password) =>
      changing(async () => {
        validatePassword(password);
        if (typeof secret !== 'string' || !secret)
          throw new ExtensionError('invalid_secret', 'vault secret is empty');
        if (await readRecord())
          throw new ExtensionError('vault_exists', 'a vault already exists: sign out first');
        await keep(...(await encrypt(secret, password, now())));
      }),

    unlock: (password) =>
      changing(async () => {
        const record = await requireRecord();
        const [secret, key] = await openRecordWithPassword(record, password);
        if (record.kdf.iterations >= iterations) return remember(record.id, key);
        // A record from a cheaper KDF setting: written again under today's (new salt, nonce and id), now that
        // the password is at hand. The secret, and so every storage key derived from it, stays the same.
        await keep(...(await encrypt(secret, password, record.createdAt)));
      }),

    lock: () => changing(dropUnlocked),

    async isUnlocked() {
      return (await unlockedRecordId()) !== undefined;
    },

    async readSecret() {
      const entry = await unlockedEntry();
      const record = await readRecord();
      if (!entry || !record || record.id !== entry.recordId) {
        throw new ExtensionError('vault_locked', 'the vault is locked: unlock it with your password');
      }
      const secret = await openRecord(record, await importRawKey(fromBase64(entry.key)));
      if (secret === null)
        throw new ExtensionError('vault_corrupt', 'the unlocked key does not open the vault');
      return secret;
    },

    async storageKey(purpose, kind = 'encrypt') {
      const recordId = await unlockedRecordId();
      if (recordId === undefined) {
        throw new ExtensionError('vault_locked', 'the vault is locked: unlock it with your password');
      }
      const keys = storageKeys.get(recordId) ?? new Map<string, Promise<CryptoKey>>();
      storageKeys.set(recordId, keys);
      const name = `${kind}:${purpose}`;
      let key = keys.get(name);
      if (!key) {
        key = vault
          .readSecret()
          .then((secret) => deriveStorageKey(new TextEncoder().encode(secret), purpose, kind));
        key.catch(() => keys.delete(name));
        keys.set(name, key);
      }
      return key;
    },

    changePassword: (oldPassword, newPassword) =>
      changing(async () => {
        validatePassword(newPassword);
        const record = await requireRecord();
        const [secret] = await openRecordWithPassword(record, oldPassword);
        await keep(...(await encrypt(secret, newPassword, record.createdAt)));
      }),

    wipe: () =>
      changing(async () => {
        await dropUnlocked();
        await (await db()).delete('vault', RECORD_KEY);
      }),

    async touch() {
      // A separate key: a touch racing with lock() must never write the unlocked key back.
      await session.set({ [ACTIVITY_KEY]: now() });
    },

    async lockIfIdle(idleMs) {
      const entry = await unlockedEntry();
      if (!entry || idleMs <= 0) return false;
      const touched = (await session.get(ACTIVITY_KEY))[ACTIVITY_KEY];
      const lastActiveAt = Math.max(entry.unlockedAt, typeof touched === 'number' ? touched : 0);
      if (now() - lastActiveAt < idleMs) return false;
      await vault.lock();
      return true;
    },
  };
  return vault;
}
