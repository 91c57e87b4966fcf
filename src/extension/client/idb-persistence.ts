// The client's Persistence (CLIENT-API.md: key → bytes) in IndexedDB, so conversation lists and sync state
// survive service worker restarts; the client prefixes keys with the account address.
import type { DBSchema, IDBPDatabase } from 'idb';
import type { Persistence } from '@/client';
import { openDatabase } from '@/extension/idb-open';

interface PersistenceSchema extends DBSchema {
  kv: { key: string; value: Uint8Array };
}

export interface ClearablePersistence extends Persistence {
  /** Drops everything (sign out). */
  clear(): Promise<void>;
}

export function createIdbPersistence(
  indexedDB: IDBFactory,
  dbName = 'xmtp-inbox-client',
): ClearablePersistence {
  let database: Promise<IDBPDatabase<PersistenceSchema>> | undefined;
  const db = () =>
    (database ??= openDatabase<PersistenceSchema>(indexedDB, dbName, 1, (d) => {
      d.createObjectStore('kv');
    }));
  return {
    async get(key) {
      const value = await (await db()).get('kv', key);
      return value === undefined ? undefined : new Uint8Array(value);
    },
    async set(key, value) {
      await (await db()).put('kv', value.slice(), key);
    },
    async delete(key) {
      await (await db()).delete('kv', key);
    },
    async clear() {
      await (await db()).clear('kv');
    },
  };
}
