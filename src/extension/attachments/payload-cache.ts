// Downloaded remote-attachment payloads, kept as they came: still encrypted under the sender's secret (which
// only the sealed message record holds), so the cache is encrypted at rest without a key of its own. Keyed by
// digest, bounded in total size, least recently used first out.
import type { DBSchema, IDBPDatabase } from 'idb';
import { openDatabase } from '@/extension/idb-open';

interface PayloadSchema extends DBSchema {
  payloads: { key: string; value: { digest: string; payload: Uint8Array; usedAt: number } };
}

export interface PayloadCache {
  get(digest: string): Promise<Uint8Array | undefined>;
  put(digest: string, payload: Uint8Array): Promise<void>;
  clear(): Promise<void>;
}

export const DEFAULT_PAYLOAD_CACHE_BYTES = 256 * 1024 * 1024;

export function createPayloadCache(
  factory: IDBFactory,
  { maxBytes = DEFAULT_PAYLOAD_CACHE_BYTES, name = 'xmtp-inbox-attachments', now = Date.now } = {},
): PayloadCache {
  let opened: Promise<IDBPDatabase<PayloadSchema>> | undefined;
  const db = () =>
    (opened ??= openDatabase<PayloadSchema>(factory, name, 1, (database) => {
      database.createObjectStore('payloads', { keyPath: 'digest' });
    }));

  async function evict(database: IDBPDatabase<PayloadSchema>) {
    const all = await database.getAll('payloads');
    let total = all.reduce((sum, entry) => sum + entry.payload.length, 0);
    for (const entry of all.sort((a, b) => a.usedAt - b.usedAt)) {
      if (total <= maxBytes) break;
      await database.delete('payloads', entry.digest);
      total -= entry.payload.length;
    }
  }

  return {
    async get(digest) {
      const database = await db();
      const entry = await database.get('payloads', digest);
      if (!entry) return undefined;
      await database.put('payloads', { ...entry, usedAt: now() });
      return entry.payload;
    },
    async put(digest, payload) {
      if (payload.length > maxBytes) return;
      const database = await db();
      await database.put('payloads', { digest, payload, usedAt: now() });
      await evict(database);
    },
    async clear() {
      await (await db()).clear('payloads');
    },
  };
}
