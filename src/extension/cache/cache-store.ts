// The cache's records at rest (src/extension/cache/cache.ts reads and writes them): the IndexedDB schema, each
// record sealed whole under the account's key beside the few plaintext fields its indexes need, and the one-time
// sealing of what versions 1–4 kept in plaintext.
import type { DBSchema, IDBPDatabase } from 'idb';
import { openDatabase } from '@/extension/idb-open';
import type { Consent, ConversationRecord, MessageRecord, MessageStatus } from './records';
import { openJson, sealJson, topicKey, type CacheKeys, type Sealed } from './sealing';

/**
 * A conversation at rest: the record sealed whole, beside the few plaintext fields its indexes need (its topic's
 * HMAC, the sort time, consent, unread count, pin time). Never the peer, the preview, a draft or the topic.
 */
export interface StoredConversation {
  t: string;
  activityAt: number;
  consent: Consent;
  unread: number;
  pinnedAt?: number;
  box: Sealed;
}

/** A message at rest: sealed whole, beside its id, its topic's HMAC, its time and its status. */
export interface StoredMessage {
  id: string;
  t: string;
  sentAt: number;
  status: MessageStatus;
  box: Sealed;
}

export interface CacheSchema extends DBSchema {
  sealedConversations: {
    key: string;
    value: StoredConversation;
    indexes: { byActivity: number; byUnread: number; byPinned: number };
  };
  sealedMessages: {
    key: string;
    value: StoredMessage;
    indexes: { byTopicSent: [string, number]; byStatus: MessageStatus };
  };
  /** Per topic HMAC, when the last catch-up from the network that completed began (ms). */
  sealedSynced: { key: string; value: number };
  /** The search index's snapshot (src/extension/search), sealed whole, under the key `index` (version 6). */
  sealedSearch: { key: string; value: Sealed };
  // Versions 1–4 kept plaintext records here; they are sealed into the stores above and cleared (migrate()).
  conversations: { key: string; value: ConversationRecord & { activityAt: number } };
  messages: { key: string; value: MessageRecord };
  synced: { key: string; value: number };
}

export const CONVERSATION_STORES = [
  'sealedConversations',
  'sealedMessages',
  'sealedSynced',
  'sealedSearch',
] as const;
export const LEGACY_STORES = ['conversations', 'messages', 'synced'] as const;

/**
 * The cache's database (version 5: sealed stores; 1–4 held plaintext ones, sealed by sealLegacyStores; 6 adds the
 * search snapshot's store, nothing else changes).
 */
export const openCacheDatabase = (indexedDB: IDBFactory, name: string) =>
  openDatabase<CacheSchema>(indexedDB, name, 6, (d, oldVersion) => {
    if (oldVersion < 5) {
      // Versions 1–4 held plaintext stores (conversations, messages, synced), left for migrate() to seal.
      const conversations = d.createObjectStore('sealedConversations', { keyPath: 't' });
      conversations.createIndex('byActivity', 'activityAt');
      conversations.createIndex('byUnread', 'unread');
      conversations.createIndex('byPinned', 'pinnedAt');
      const messages = d.createObjectStore('sealedMessages', { keyPath: 'id' });
      messages.createIndex('byTopicSent', ['t', 'sentAt']);
      messages.createIndex('byStatus', 'status');
      d.createObjectStore('sealedSynced');
    }
    d.createObjectStore('sealedSearch');
  });

export async function sealConversation(
  keys: CacheKeys,
  record: ConversationRecord,
): Promise<StoredConversation> {
  const t = await topicKey(keys.index, record.topic);
  const stored: StoredConversation = {
    t,
    activityAt: record.lastMessage?.sentAt ?? record.createdAt,
    consent: record.consent,
    unread: record.unread,
    box: await sealJson(keys.seal, record, `conversation/${t}`),
  };
  if (record.pinnedAt !== undefined) stored.pinnedAt = record.pinnedAt;
  return stored;
}

export const openConversation = (keys: CacheKeys, stored: StoredConversation) =>
  openJson<ConversationRecord>(keys.seal, stored.box, `conversation/${stored.t}`);
export const openConversations = (keys: CacheKeys, stored: StoredConversation[]) =>
  Promise.all(stored.map((c) => openConversation(keys, c)));

export async function sealMessage(keys: CacheKeys, message: MessageRecord): Promise<StoredMessage> {
  return {
    id: message.id,
    t: await topicKey(keys.index, message.topic),
    sentAt: message.sentAt,
    status: message.status,
    box: await sealJson(keys.seal, message, `message/${message.id}`),
  };
}

export const openMessages = (keys: CacheKeys, stored: StoredMessage[]) =>
  Promise.all(stored.map((m) => openJson<MessageRecord>(keys.seal, m.box, `message/${m.id}`)));

/**
 * Reads many messages a page at a time: one getAll per page, and each page opened in parallel while the next
 * one is read. Opening 100,000 records in one Promise.all queued them all at once and was slower (more memory,
 * no overlap of reading and opening).
 */
async function openPaged(
  keys: CacheKeys,
  pages: (() => Promise<StoredMessage[]>)[],
  visit: (messages: MessageRecord[]) => void,
): Promise<void> {
  let reading = pages[0]?.();
  for (let p = 0; reading; p++) {
    const stored = await reading;
    reading = pages[p + 1]?.();
    visit(await openMessages(keys, stored));
  }
}

const PAGE = 1_000;

/** Every cached message, `visit`ed a page at a time, in id order. */
export async function eachStoredMessage(
  d: IDBPDatabase<CacheSchema>,
  keys: CacheKeys,
  visit: (messages: MessageRecord[]) => void,
): Promise<void> {
  const ids = await d.getAllKeys('sealedMessages');
  const pages = [];
  for (let i = 0; i < ids.length; i += PAGE) {
    const range = IDBKeyRange.bound(ids[i]!, ids[Math.min(ids.length, i + PAGE) - 1]!);
    pages.push(() => d.getAll('sealedMessages', range));
  }
  await openPaged(keys, pages, visit);
}

/** The messages of these ids that are cached, opened, a page at a time. */
export async function readStoredMessages(
  d: IDBPDatabase<CacheSchema>,
  keys: CacheKeys,
  ids: string[],
): Promise<MessageRecord[]> {
  const pages = [];
  for (let i = 0; i < ids.length; i += PAGE) {
    const slice = ids.slice(i, i + PAGE);
    pages.push(async () => {
      const tx = d.transaction('sealedMessages');
      const found = await Promise.all(slice.map((id) => tx.store.get(id)));
      return found.filter((m) => m !== undefined);
    });
  }
  const out: MessageRecord[] = [];
  await openPaged(keys, pages, (messages) => out.push(...messages));
  return out;
}

const SNAPSHOT_KEY = 'index';

/** The search snapshot, opened; undefined when none is stored. Throws cache_corrupt when it does not open. */
export async function readSearchSnapshot(d: IDBPDatabase<CacheSchema>, keys: CacheKeys): Promise<unknown> {
  const sealed = await d.get('sealedSearch', SNAPSHOT_KEY);
  return sealed && openJson<unknown>(keys.seal, sealed, 'search/snapshot');
}

/** Seals and stores the search snapshot (undefined: deletes it). */
export async function writeSearchSnapshot(
  d: IDBPDatabase<CacheSchema>,
  keys: CacheKeys,
  snapshot: unknown,
): Promise<void> {
  if (snapshot === undefined) return d.delete('sealedSearch', SNAPSHOT_KEY);
  await d.put('sealedSearch', await sealJson(keys.seal, snapshot, 'search/snapshot'), SNAPSHOT_KEY);
}

/**
 * Seals what versions 1–4 left in plaintext (pins, mutes, drafts are local and must survive), then clears the
 * plaintext stores, in one transaction.
 */
export async function sealLegacyStores(d: IDBPDatabase<CacheSchema>, keys: CacheKeys): Promise<void> {
  if (!d.objectStoreNames.contains('conversations')) return;
  if (!d.objectStoreNames.contains('conversations')) return;
  const [conversations, messages, synced] = await Promise.all([
    d.getAll('conversations'),
    d.getAll('messages'),
    (async () => {
      const tx = d.transaction('synced');
      const out: [string, number][] = [];
      for (let c = await tx.store.openCursor(); c; c = await c.continue()) out.push([String(c.key), c.value]);
      return out;
    })(),
  ]);
  if (conversations.length + messages.length + synced.length === 0) return;
  const sealedConversations = await Promise.all(
    conversations.map(({ activityAt: _, ...record }) => sealConversation(keys, record)),
  );
  const sealedMessages = await Promise.all(messages.map((m) => sealMessage(keys, m)));
  const sealedSynced = await Promise.all(
    synced.map(async ([topic, at]) => [await topicKey(keys.index, topic), at] as const),
  );
  const tx = d.transaction([...CONVERSATION_STORES, ...LEGACY_STORES], 'readwrite');
  await Promise.all([
    ...sealedConversations.map((c) => tx.objectStore('sealedConversations').put(c)),
    ...sealedMessages.map((m) => tx.objectStore('sealedMessages').put(m)),
    ...sealedSynced.map(([t, at]) => tx.objectStore('sealedSynced').put(at, t)),
    ...LEGACY_STORES.map((name) => tx.objectStore(name).clear()),
    tx.done,
  ]);
}

/** Pinned first (oldest pin first), then by latest activity; optionally one consent only, at most `limit`. */
export async function storedConversationList(
  d: IDBPDatabase<CacheSchema>,
  { consent, limit }: { consent?: Consent | undefined; limit?: number | undefined },
): Promise<StoredConversation[]> {
  const tx = d.transaction('sealedConversations');
  // The few pinned ones first (the byPinned index holds only them).
  const pinned = (await tx.store.index('byPinned').getAll())
    .filter((c) => consent === undefined || c.consent === consent)
    .slice(0, limit);
  const rest: StoredConversation[] = [];
  if (consent === undefined && limit === undefined) {
    // One getAll is several times faster than a cursor walk for the popup's full list.
    const all = await tx.store.index('byActivity').getAll();
    for (let i = all.length - 1; i >= 0; i--) if (all[i]!.pinnedAt === undefined) rest.push(all[i]!);
  } else {
    let cursor = await tx.store.index('byActivity').openCursor(null, 'prev');
    while (cursor && (limit === undefined || pinned.length + rest.length < limit)) {
      const c = cursor.value;
      if (c.pinnedAt === undefined && (consent === undefined || c.consent === consent)) rest.push(c);
      cursor = await cursor.continue();
    }
  }
  return [...pinned, ...rest];
}

/** The newest `limit` messages of topic HMAC `t` before `before` (exclusive; all when undefined), oldest first. */
export async function storedMessagePage(
  d: IDBPDatabase<CacheSchema>,
  t: string,
  { before, limit }: { before?: number | undefined; limit: number },
): Promise<StoredMessage[]> {
  const upper = before === undefined ? [t, Infinity] : [t, before];
  const range = IDBKeyRange.bound([t, -Infinity], upper, false, before !== undefined);
  const out: StoredMessage[] = [];
  let cursor = await d.transaction('sealedMessages').store.index('byTopicSent').openCursor(range, 'prev');
  while (cursor && out.length < limit) {
    out.push(cursor.value);
    cursor = await cursor.continue();
  }
  return out.reverse();
}

/**
 * The conversation of `topic`, opened from IndexedDB; undefined when not cached. The cache reads through its
 * memory first (conversation-memory.ts): this is for what it does not hold yet.
 */
export async function readConversation(
  d: IDBPDatabase<CacheSchema>,
  keys: CacheKeys,
  topic: string,
): Promise<ConversationRecord | undefined> {
  const found = await d.get('sealedConversations', await topicKey(keys.index, topic));
  return found && openConversation(keys, found);
}

/** Seals and stores conversations in one transaction. */
export async function writeConversations(
  d: IDBPDatabase<CacheSchema>,
  keys: CacheKeys,
  records: ConversationRecord[],
): Promise<void> {
  if (records.length === 0) return;
  const sealed = await Promise.all(records.map((r) => sealConversation(keys, r)));
  const tx = d.transaction('sealedConversations', 'readwrite');
  await Promise.all([...sealed.map((c) => tx.store.put(c)), tx.done]);
}
