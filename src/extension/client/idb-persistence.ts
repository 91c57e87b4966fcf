// The client's Persistence (docs/client-api.md §2: key → bytes) in IndexedDB, so conversation lists and sync state
// survive service worker restarts; the client prefixes keys with the account address.
//
// Those values include every V2 conversation's invitation key material (docs/protocol.md §8.1), so they are kept
// only as AES-256-GCM ciphertext under a key the vault derives while unlocked (issue #5: keys are never
// written unencrypted). While the vault is locked the persistence cannot read or write at all.
import type { DBSchema, IDBPDatabase } from 'idb';
import type { Persistence } from '@/client';
import { ExtensionError } from '@/extension/errors';
import { openDatabase } from '@/extension/idb-open';
import type { Vault } from '@/extension/vault/vault';
import { utf8 } from '@/protocol/bytes';

/** A value at rest: a fresh 12-byte nonce and the AES-GCM ciphertext with its tag. */
interface SealedValue {
  nonce: Uint8Array;
  sealed: Uint8Array;
}

interface PersistenceSchema extends DBSchema {
  kv: { key: string; value: SealedValue };
}

/**
 * The encryption key: `null` while there is no identity yet (onboarding creates the client before the vault,
 * and then reads find nothing); throws (`vault_locked`) while the vault is locked.
 */
export type PersistenceKey = () => Promise<CryptoKey | null>;

export interface ClearablePersistence extends Persistence {
  /** Drops everything (sign out); works while locked. */
  clear(): Promise<void>;
}

export interface IdbPersistenceOptions {
  key: PersistenceKey;
  dbName?: string;
}

/** The key provider over the vault (purpose `client-cache`). */
export function vaultPersistenceKey(vault: Pick<Vault, 'exists' | 'storageKey'>): PersistenceKey {
  return async () => ((await vault.exists()) ? vault.storageKey('client-cache') : null);
}

/** Binds a ciphertext to its key name, so records cannot be swapped between keys. */
const aad = (key: string) => utf8(`xmtp-inbox/client-kv/v1/${key}`);

export function createIdbPersistence(
  indexedDB: IDBFactory,
  options: IdbPersistenceOptions,
): ClearablePersistence {
  let database: Promise<IDBPDatabase<PersistenceSchema>> | undefined;
  const db = () =>
    (database ??= openDatabase<PersistenceSchema>(
      indexedDB,
      options.dbName ?? 'xmtp-inbox-client',
      2,
      (d, oldVersion, transaction) => {
        if (oldVersion < 1) d.createObjectStore('kv');
        // Version 1 kept plaintext values: drop them (a cache, rebuilt from the network on the next list).
        else if (oldVersion < 2) void transaction.objectStore('kv').clear();
      },
    ));

  async function requireKey(): Promise<CryptoKey> {
    const key = await options.key();
    if (!key) throw new ExtensionError('vault_locked', 'no identity yet: nothing may be stored');
    return key;
  }

  return {
    async get(name) {
      const key = await options.key();
      const value = await (await db()).get('kv', name);
      if (!key || value === undefined) return undefined;
      try {
        const opened = await crypto.subtle.decrypt(
          { name: 'AES-GCM', iv: value.nonce as BufferSource, additionalData: aad(name) as BufferSource },
          key,
          value.sealed as BufferSource,
        );
        return new Uint8Array(opened);
      } catch {
        // Written under another identity's key, or tampered with: as good as absent (the cache rebuilds).
        return undefined;
      }
    },
    async set(name, value) {
      const key = await requireKey();
      const nonce = crypto.getRandomValues(new Uint8Array(12));
      const sealed = await crypto.subtle.encrypt(
        { name: 'AES-GCM', iv: nonce as BufferSource, additionalData: aad(name) as BufferSource },
        key,
        value as BufferSource,
      );
      await (await db()).put('kv', { nonce, sealed: new Uint8Array(sealed) }, name);
    },
    async delete(name) {
      await (await db()).delete('kv', name);
    },
    async clear() {
      await (await db()).clear('kv');
    },
  };
}
