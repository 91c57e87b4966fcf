import 'fake-indexeddb/auto';
import { IDBFactory } from 'fake-indexeddb';
import { wrap, type IDBPDatabase } from 'idb';
import { describe, expect, it } from 'vitest';
import { createInboxCache, type InboxCache } from '@/extension/cache/cache';
import { sealMessage } from '@/extension/cache/cache-store';
import { CONTENT_TYPES, type MessageRecord } from '@/extension/cache/records';
import { vaultCacheKeys } from '@/extension/cache/sealing';
import { SAVE_AFTER, withSearchIndex } from '@/extension/search/indexed-cache';
import { createMessageIndex } from '@/extension/search/message-index';
import { createVault } from '@/extension/vault/vault';
import { createMemoryArea } from '../../helpers/memory-area';
import { until } from '../../helpers/until';

// The search index's sealed snapshot (src/extension/search/indexed-cache.ts): an unlock opens it instead of
// every message, it is reconciled with what the cache holds, rebuilt when unusable, and never in the clear.
const ME = '0x1111111111111111111111111111111111111111';
const PEER = '0x2222222222222222222222222222222222222222';
const PASSWORD = 'correct horse battery';

const text = (id: string, topic: string, sentAt: number, body: string): MessageRecord => ({
  id,
  topic,
  senderAddress: PEER,
  sentAt,
  contentType: CONTENT_TYPES.text,
  content: body,
  status: 'sent',
});

const ids = ({ groups }: { groups: { hits: { id: string }[] }[] }) =>
  groups.flatMap((g) => g.hits.map((h) => h.id)).sort();

async function account() {
  const indexedDB = new IDBFactory();
  const vault = createVault({ indexedDB, session: createMemoryArea() });
  await vault.create('a key bundle (base64)', PASSWORD);
  const cache = createInboxCache({ indexedDB, keys: vaultCacheKeys(vault) });
  await cache.putConversations([
    { topic: '/a', peerAddress: PEER, createdAt: 1, consent: 'allowed' },
    { topic: '/b', peerAddress: PEER, createdAt: 2, consent: 'allowed' },
  ]);
  const history = Array.from({ length: 300 }, (_, i) =>
    text(`h${i}`, i % 2 ? '/a' : '/b', 1_000 + i, `note ${i}`),
  );
  history[7] = text('h7', '/b', 1_007, 'the lighthouse keeper’s Café');
  await cache.addMessages(history, ME);
  factories.set(cache, indexedDB);
  return { indexedDB, vault, cache };
}

/** A worker's view of the cache: a fresh index, as after a restart or an unlock. */
const worker = (cache: InboxCache, saveDelayMs = 10_000) =>
  withSearchIndex(cache, createMessageIndex(), { saveDelayMs });

/** The cache's database as it is at rest. */
function openRaw(indexedDB: IDBFactory): Promise<IDBPDatabase> {
  const request = indexedDB.open('xmtp-inbox-cache');
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(wrap(request.result));
    request.onerror = () => reject(request.error);
  });
}

const factories = new WeakMap<InboxCache, IDBFactory>();
const indexedDBOf = (cache: InboxCache) => factories.get(cache)!;

async function rawStore(indexedDB: IDBFactory, store: string): Promise<string> {
  const db = await openRaw(indexedDB);
  const values = await db.getAll(store);
  db.close();
  return JSON.stringify(values, (_, v: unknown) => (v instanceof Uint8Array ? String.fromCharCode(...v) : v));
}

describe('the search index snapshot', () => {
  it('is used by the next build, survives lock and unlock, and holds no text in the clear', async () => {
    const { indexedDB, vault, cache } = await account();
    const first = worker(cache);
    expect(ids(await first.search('lighthouse'))).toEqual(['h7']);
    expect(first.lastBuild).toEqual({ from: 'messages', reconciled: 300 });
    await first.persist();

    const raw = await rawStore(indexedDB, 'sealedSearch');
    expect(raw.length).toBeGreaterThan(1_000); // it is there…
    for (const secret of ['lighthouse', 'keeper', 'Café', 'cafe', 'note 12', PEER])
      expect(raw.includes(secret), `in the clear: ${secret}`).toBe(false); // …and sealed

    // Lock drops the index; while locked nothing can be searched; unlock builds from the snapshot.
    first.reset();
    await vault.lock();
    await expect(first.search('lighthouse')).rejects.toMatchObject({ code: 'vault_locked' });
    await vault.unlock(PASSWORD);
    expect(ids(await first.search('cafe light'))).toEqual(['h7']);
    expect(first.lastBuild).toEqual({ from: 'snapshot', reconciled: 0 });

    const restarted = worker(cache);
    expect(ids(await restarted.search('LIGHTHOUSE'))).toEqual(['h7']);
    expect(restarted.lastBuild).toEqual({ from: 'snapshot', reconciled: 0 });
  });

  it('puts nothing back into memory when the vault locks while it is being read', async () => {
    const { cache } = await account();
    const first = worker(cache);
    await first.search('');
    await first.persist();
    for (const fromSnapshot of [true, false]) {
      if (!fromSnapshot) await cache.setSearchSnapshot(undefined);
      const index = createMessageIndex();
      const searchable = withSearchIndex(cache, index);
      const searching = searchable.search('lighthouse');
      searchable.reset(); // locked before the snapshot (or the messages) came back
      await searching;
      expect(index.size, fromSnapshot ? 'from the snapshot' : 'from the messages').toBe(0);
      expect(searchable.lastBuild).toBeUndefined();
    }
  });

  it('is reconciled with what arrived or was replaced since it was written', async () => {
    const { cache } = await account();
    const first = worker(cache);
    await first.search('');
    await first.persist();
    first.reset(); // locked: the worker's index is gone, the cache keeps changing (a catch-up, a send)
    await cache.addMessages([text('new1', '/a', 9_000, 'zeppelin over the harbour')], ME);
    await cache.replaceMessage('h7', text('net-7', '/b', 1_007, 'the lighthouse keeper’s Café'));

    const next = worker(cache);
    expect(ids(await next.search('zeppelin'))).toEqual(['new1']);
    expect(ids(await next.search('lighthouse'))).toEqual(['net-7']); // not h7, which the cache no longer has
    expect(next.lastBuild).toEqual({ from: 'snapshot', reconciled: 3 });
  });

  it('is rebuilt from the messages when it does not open or is not a snapshot, and written anew', async () => {
    const { cache } = await account();
    const errors: unknown[] = [];
    const first = withSearchIndex(cache, createMessageIndex(), { onError: (e) => errors.push(e) });
    await first.search('');
    await first.persist();

    // Sealed, but not an index: an older or damaged one.
    await cache.setSearchSnapshot({ version: 99, docs: 'nonsense' });
    first.reset();
    expect(ids(await first.search('lighthouse'))).toEqual(['h7']);
    expect(first.lastBuild).toEqual({ from: 'messages', reconciled: 300 });
    expect(String(errors.at(-1))).toMatch(/not a search index snapshot/);
    await first.persist();
    first.reset();
    expect(ids(await first.search('lighthouse'))).toEqual(['h7']);
    expect(first.lastBuild).toEqual({ from: 'snapshot', reconciled: 0 });

    // Sealed under another account's key (a swapped or damaged database): does not open (cache_corrupt).
    const elsewhere = new IDBFactory();
    const otherVault = createVault({ indexedDB: elsewhere, session: createMemoryArea() });
    await otherVault.create('another key bundle', PASSWORD);
    const other = createInboxCache({ indexedDB: elsewhere, keys: vaultCacheKeys(otherVault) });
    await other.addMessages([text('x', '/a', 1, 'secret of another account')], ME);
    const foreign = worker(other);
    await foreign.search('');
    await foreign.persist();
    const sealed = await (await openRaw(elsewhere)).get('sealedSearch', 'index');
    const here = await openRaw(indexedDBOf(cache));
    await here.put('sealedSearch', sealed, 'index');
    here.close();
    first.reset();
    expect(ids(await first.search('secret'))).toEqual([]);
    expect(ids(await first.search('lighthouse'))).toEqual(['h7']);
    expect(first.lastBuild?.from).toBe('messages');
    expect(errors.at(-1)).toMatchObject({ code: 'cache_corrupt' });
  });

  it('is written by itself once enough has changed, and deleted when the cache is cleared', async () => {
    const { indexedDB, cache } = await account();
    const live = worker(cache, 0);
    await live.search(''); // built from the messages: worth a snapshot
    await until(async () => (await cache.searchSnapshot()) !== undefined, 'the first snapshot', 10_000);
    const before = await rawStore(indexedDB, 'sealedSearch');
    await live.cache.addMessages(
      Array.from({ length: SAVE_AFTER }, (_, i) =>
        text(`burst${i}`, '/a', 20_000 + i, `burst ${i} albatross`),
      ),
      ME,
    );
    await until(
      async () => (await rawStore(indexedDB, 'sealedSearch')) !== before,
      'a newer snapshot',
      10_000,
    );
    const restarted = worker(cache);
    expect((await restarted.search('albatross', { limit: 1_000 })).groups[0]!.hits).toHaveLength(SAVE_AFTER);
    expect(restarted.lastBuild).toEqual({ from: 'snapshot', reconciled: 0 });

    await live.cache.clear();
    expect(await cache.searchSnapshot()).toBeUndefined();
    expect(await live.search('albatross')).toEqual({ groups: [], truncated: false });
  });

  it('comes with version 6 of the cache database, which keeps what version 5 stored', async () => {
    const indexedDB = new IDBFactory();
    const keys = vaultCacheKeys(
      await (async () => {
        const v = createVault({ indexedDB, session: createMemoryArea() });
        await v.create('a key bundle (base64)', PASSWORD);
        return v;
      })(),
    );
    // The version-5 layout, with one sealed message in it.
    const request = indexedDB.open('xmtp-inbox-cache', 5);
    request.onupgradeneeded = () => {
      const d = request.result;
      const conversations = d.createObjectStore('sealedConversations', { keyPath: 't' });
      conversations.createIndex('byActivity', 'activityAt');
      conversations.createIndex('byUnread', 'unread');
      conversations.createIndex('byPinned', 'pinnedAt');
      const messages = d.createObjectStore('sealedMessages', { keyPath: 'id' });
      messages.createIndex('byTopicSent', ['t', 'sentAt']);
      messages.createIndex('byStatus', 'status');
      d.createObjectStore('sealedSynced');
    };
    const v5 = wrap(
      await new Promise<IDBDatabase>((resolve) => (request.onsuccess = () => resolve(request.result))),
    );
    await v5.put(
      'sealedMessages',
      await sealMessage(await keys(), text('old', '/a', 5, 'kept from version five')),
    );
    v5.close();

    const cache = createInboxCache({ indexedDB, keys });
    const searchable = worker(cache);
    expect(ids(await searchable.search('version five'))).toEqual(['old']);
    await searchable.persist();
    expect(await cache.searchSnapshot()).toBeDefined();
  });
});
