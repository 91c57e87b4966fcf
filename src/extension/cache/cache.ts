// The local cache of conversations and messages in IndexedDB, so the popup opens on data without waiting for
// the network. Indexes: conversations by last activity (the inbox order), consent and unread count; messages by
// [topic, sentAt] (a thread, in time order) and by status (pending/failed sends to retry).
import type { IDBPDatabase } from 'idb';
import {
  CONVERSATION_STORES,
  LEGACY_STORES,
  openCacheDatabase,
  eachStoredMessage,
  openConversations,
  openMessages,
  readSearchSnapshot,
  readStoredMessages,
  writeSearchSnapshot,
  sealConversation,
  sealLegacyStores,
  sealMessage,
  readConversation,
  storedConversationList,
  writeConversations,
  storedMessagePage,
  type CacheSchema,
} from './cache-store';
import { createConversationMemory, type ConversationMemory } from './conversation-memory';
import { createPriorityReads } from './priority-reads';
import {
  allOf,
  countViews,
  pageOf,
  viewOf,
  type ConversationCounts,
  type ConversationPage,
  type ConversationPageQuery,
  type ConversationView,
} from './conversation-pages';
import { previewOf } from './preview';
import { topicKey, type CacheKeys } from './sealing';
import {
  CONTENT_TYPES,
  type Consent,
  type ConversationRecord,
  type MessageRecord,
  type MessageStatus,
  isMuted,
  markedRead,
} from './records';

export interface InboxCache {
  /** Inserts or updates conversations; keeps the cached unread count and last message. */
  putConversations(conversations: Omit<ConversationRecord, 'unread' | 'lastMessage'>[]): Promise<void>;
  getConversation(topic: string): Promise<ConversationRecord | undefined>;
  /** Pinned first (in the order pinned), then most recent activity first. */
  listConversations(options?: { consent?: Consent; limit?: number }): Promise<ConversationRecord[]>;
  /** One page of one view of the popup's list (conversation-pages.ts); `query` is checked by the caller. */
  conversationPage(query: ConversationPageQuery): Promise<ConversationPage>;
  /** How many conversations each view holds, narrowed by the search box (the popup's counts). */
  conversationCounts(query?: string): Promise<ConversationCounts>;
  /** Every conversation of a view, narrowed by the search box (what "all requests" covers). */
  conversationsIn(view: ConversationView, query?: string): Promise<ConversationRecord[]>;
  /**
   * Inserts or updates messages and moves each conversation's last message forward. A message seen for the first
   * time from someone other than `selfAddress` counts as unread. Returns how many were new.
   */
  addMessages(messages: MessageRecord[], selfAddress: string): Promise<number>;
  /** Replaces a message (e.g. a pending one by its sent copy, which has the network's id). */
  replaceMessage(oldId: string, message: MessageRecord): Promise<void>;
  getMessage(id: string): Promise<MessageRecord | undefined>;
  /** Oldest first; `before` pages back from a sentAt (exclusive). */
  listMessages(topic: string, options?: { before?: number; limit?: number }): Promise<MessageRecord[]>;
  /**
   * Where a conversation's next catch-up starts: when the last completed one began. Not the newest message,
   * which the live stream may have moved past messages that are still missing (sent while the worker slept).
   */
  syncedUntil(topic: string): Promise<number | undefined>;
  /** The same for many conversations, in one transaction (a catch-up's batch), in their order. */
  syncedUntilMany(topics: readonly string[]): Promise<(number | undefined)[]>;
  /** Sets it for one conversation, or for many in one transaction (a catch-up's batch). */
  setSyncedUntil(topic: string | readonly string[], at: number): Promise<void>;
  listByStatus(status: MessageStatus): Promise<MessageRecord[]>;
  /** Every cached message, in no particular order. */
  allMessages(): Promise<MessageRecord[]>;
  /** Every cached message a page at a time (building the search index without holding all of them twice). */
  eachMessage(visit: (messages: MessageRecord[]) => void): Promise<void>;
  /** The ids of every cached message (plaintext at rest, no record opened): what the search index checks. */
  messageIds(): Promise<string[]>;
  /** The cached messages among these ids. */
  messagesById(ids: string[]): Promise<MessageRecord[]>;
  /** The search index's snapshot, sealed like every record (src/extension/search/indexed-cache.ts). */
  searchSnapshot(): Promise<unknown>;
  setSearchSnapshot(snapshot: unknown): Promise<void>;
  markRead(topic: string): Promise<void>;
  /** Clears every unread count; returns the topics that had some. */
  markAllRead(): Promise<string[]>;
  /**
   * Reads a conversation, applies `change` and stores what it returns, in one transaction (so two changes of
   * one record cannot lose each other). `change` returning undefined leaves the record alone. Returns the
   * stored record, or undefined when the topic is unknown.
   */
  updateConversation(
    topic: string,
    change: (conversation: ConversationRecord) => ConversationRecord | undefined,
  ): Promise<ConversationRecord | undefined>;
  /** updateConversation for many at once (a restore): read together, written in one transaction. */
  updateConversations(
    topics: string[],
    change: (conversation: ConversationRecord) => ConversationRecord | undefined,
  ): Promise<void>;
  setConsent(topic: string, consent: Consent): Promise<ConversationRecord | undefined>;
  /** Unread messages of conversations that are neither denied nor muted at `now`. */
  totalUnread(now?: number): Promise<number>;
  /**
   * Drops the opened conversations held in memory (the account locked, or its session closed): the next read
   * opens the sealed records again, with the keys of the next unlock.
   */
  forgetOpened(): void;
  clear(): Promise<void>;
  close(): void;
}

const DEFAULT_PAGE = 100;

/** Conversations opened at once by the full load, between which the worker answers whatever else is waiting. */
const LOAD_CHUNK = 500;

/** Lets the worker's other tasks run (a popup's request, a stream event) before going on with a long load. */
const yieldToTasks = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

/** Rows read beyond a first screen's, before the full load, for the archived ones left out of it. */
const FIRST_SCREEN_SPARE = 20;

/** More conversations than this read in one write: load them all at once instead of one get each. */
const READ_ONE_BY_ONE = 100;

/** Read receipts are signals, not messages: never a preview, never unread (docs/protocol.md §10.2). */
function isVisible(message: MessageRecord): boolean {
  return message.contentType !== CONTENT_TYPES.readReceipt;
}

/**
 * A conversation as the network lists it, over what the cache has: the network knows the conversation and its
 * consent; the unread count, last message and the user's own choices (pinned, muted, archived, draft) are local
 * and stay. Undefined when nothing changes: every catch-up lists every conversation, and one that did not change
 * is not sealed and written again.
 */
function mergeListed(
  existing: ConversationRecord | undefined,
  listed: Parameters<InboxCache['putConversations']>[0][number],
): ConversationRecord | undefined {
  const next = { ...(existing ?? {}), ...listed, unread: existing?.unread ?? 0 } as ConversationRecord;
  return existing && JSON.stringify(existing) === JSON.stringify(next) ? undefined : next;
}

/** A message applied to its conversation: unread count, last message, and back from Archived when it is news. */
function advanceLastMessage(
  conversation: ConversationRecord,
  message: MessageRecord,
  unreadDelta: number,
  now: number,
): ConversationRecord {
  const last = conversation.lastMessage;
  const newer = !last || message.sentAt >= last.sentAt || last.id === message.id;
  const next: ConversationRecord = { ...conversation, unread: conversation.unread + unreadDelta };
  // A new message from the peer brings an archived conversation back to the inbox, unless it is muted too.
  if (unreadDelta > 0 && next.archivedAt !== undefined && !isMuted(next, now)) {
    delete next.archivedAt;
    next.archiveSetAt = now;
  }
  if (newer && isVisible(message)) {
    next.lastMessage = {
      id: message.id,
      senderAddress: message.senderAddress,
      sentAt: message.sentAt,
      preview: previewOf(message),
    };
  }
  return next;
}

export interface InboxCacheOptions {
  indexedDB: IDBFactory;
  /** The account's cache keys; throws (vault_locked) while locked, which every read and write then does. */
  keys: () => Promise<CacheKeys>;
  dbName?: string;
  now?: () => number;
}

export function createInboxCache(options: InboxCacheOptions): InboxCache {
  const now = options.now ?? Date.now;
  let database: Promise<IDBPDatabase<CacheSchema>> | undefined;
  const db = () => (database ??= openCacheDatabase(options.indexedDB, options.dbName ?? 'xmtp-inbox-cache'));

  // Writes read, change and write a record across several transactions (WebCrypto cannot run inside one: the
  // transaction would commit while it waits), so they run one at a time. Only the worker opens this database.
  let writing: Promise<unknown> = Promise.resolve();
  function serial<T>(work: () => Promise<T>): Promise<T> {
    const run = writing.then(work, work);
    writing = run.catch(() => undefined);
    return run;
  }

  let migration: Promise<void> | undefined;
  /** Seals what versions 1–4 left in plaintext, once per worker, on the first use while unlocked. */
  function migrate(keys: CacheKeys): Promise<void> {
    migration ??= db()
      .then((d) => sealLegacyStores(d, keys))
      .catch((error: unknown) => {
        migration = undefined;
        throw error;
      });
    return migration;
  }

  /**
   * The opened conversations of the account key they were opened with (conversation-memory.ts), and the full
   * load filling it. Every conversation write goes through here after IndexedDB has it, so while the same key
   * is in use, memory and store agree; another key (a new unlock) or forgetOpened starts empty.
   */
  let opened: { seal: CryptoKey; conversations: ConversationMemory; loading?: Promise<void> } | undefined;
  /** The search index's reads come before the full load's next chunk (priority-reads.ts). */
  const indexReads = createPriorityReads();

  function memoryOf(keys: CacheKeys) {
    if (opened?.seal !== keys.seal) opened = { seal: keys.seal, conversations: createConversationMemory() };
    return opened;
  }

  /** Every stored conversation opened into memory, a chunk at a time (once per unlock; joins a load running). */
  function loadAll(keys: CacheKeys): Promise<ConversationMemory> {
    const held = memoryOf(keys);
    held.loading ??= (async () => {
      const stored = await (await db()).getAll('sealedConversations');
      for (let i = 0; i < stored.length; i += LOAD_CHUNK) {
        const chunk = await openConversations(keys, stored.slice(i, i + LOAD_CHUNK));
        if (opened !== held) return; // forgotten or cleared meanwhile: what was read belongs to no one now
        held.conversations.read(chunk);
        if (i + LOAD_CHUNK < stored.length) {
          await yieldToTasks();
          await indexReads.idle();
        }
      }
      held.conversations.markComplete();
    })().catch((error: unknown) => {
      held.loading = undefined;
      throw error;
    });
    return held.loading.then(() => held.conversations);
  }

  /** The conversations of these topics (undefined where not cached): from memory, else from IndexedDB. */
  async function readMany(keys: CacheKeys, topics: readonly string[]) {
    const held = memoryOf(keys);
    if (!held.conversations.complete && topics.length > READ_ONE_BY_ONE) await loadAll(keys);
    const memory = held.conversations;
    if (memory.complete) return topics.map((topic) => memory.get(topic));
    const d = await db();
    const found = await Promise.all(
      topics.map(async (topic) => memory.get(topic) ?? (await readConversation(d, keys, topic))),
    );
    if (opened === held) memory.read(found.filter((c) => c !== undefined));
    return found;
  }

  /**
   * The popup's first screen right after a restart or unlock: the newest `limit` of `consent`, opened from
   * IndexedDB without waiting for the full load, which starts now for what comes next.
   */
  async function firstScreen(keys: CacheKeys, query: { consent?: Consent | undefined; limit: number }) {
    const held = memoryOf(keys);
    void loadAll(keys).catch(() => undefined);
    const stored = await storedConversationList(await db(), query);
    const first = await openConversations(keys, stored);
    if (opened === held) held.conversations.read(first);
    return { first, stored };
  }

  async function read(keys: CacheKeys, topic: string) {
    return (await readMany(keys, [topic]))[0];
  }

  /** Seals and stores conversations, then holds them as written. */
  async function write(keys: CacheKeys, records: ConversationRecord[]): Promise<void> {
    await writeConversations(await db(), keys, records);
    memoryOf(keys).conversations.written(records);
  }

  /** The account's keys, once the plaintext of older versions is sealed. */
  async function unlocked(): Promise<CacheKeys> {
    let keys: CacheKeys;
    try {
      keys = await options.keys();
    } catch (error) {
      opened = undefined; // locked: nothing opened stays in memory
      throw error;
    }
    await migrate(keys);
    return keys;
  }

  async function change(
    topic: string,
    update: (conversation: ConversationRecord) => ConversationRecord | undefined,
  ): Promise<ConversationRecord | undefined> {
    return serial(async () => {
      const keys = await unlocked();
      const found = await read(keys, topic);
      const changed = found && update(found);
      if (changed) await write(keys, [{ ...changed, topic }]);
      return changed ?? found;
    });
  }

  async function syncedUntilMany(topics: readonly string[]): Promise<(number | undefined)[]> {
    const keys = await unlocked();
    const names = await Promise.all(topics.map((t) => topicKey(keys.index, t)));
    const tx = (await db()).transaction('sealedSynced');
    const [found] = await Promise.all([Promise.all(names.map((name) => tx.store.get(name))), tx.done]);
    return found;
  }

  return {
    putConversations(conversations) {
      return serial(async () => {
        const keys = await unlocked();
        const found = await readMany(
          keys,
          conversations.map((c) => c.topic),
        );
        const merged = conversations.map((c, i) => mergeListed(found[i], c));
        await write(
          keys,
          merged.filter((c) => c !== undefined),
        );
      });
    },

    async getConversation(topic) {
      return read(await unlocked(), topic);
    },

    async listConversations({ consent, limit } = {}) {
      const keys = await unlocked();
      const held = memoryOf(keys);
      if (held.conversations.complete) return held.conversations.list({ consent, limit });
      if (limit === undefined) return (await loadAll(keys)).list({ consent });
      return (await firstScreen(keys, { consent, limit })).first;
    },

    async conversationPage(query) {
      const keys = await unlocked();
      const held = memoryOf(keys);
      const isFirstScreen = query.view === 'inbox' && !query.query && !query.after && !query.unread;
      if (!held.conversations.complete && isFirstScreen) {
        // Archived ones are left out after opening: a few more are read for them.
        const wanted = query.limit + FIRST_SCREEN_SPARE;
        const { first, stored } = await firstScreen(keys, { consent: 'allowed', limit: wanted });
        const rows = first.filter((c) => viewOf(c) === 'inbox').slice(0, query.limit);
        if (rows.length === query.limit || stored.length < wanted)
          return { conversations: rows, more: rows.length === query.limit };
      }
      return pageOf((await loadAll(keys)).ordered(), query);
    },

    async conversationCounts(query) {
      return countViews((await loadAll(await unlocked())).ordered(), query);
    },

    async conversationsIn(view, query) {
      return allOf((await loadAll(await unlocked())).ordered(), view, query).map((c) => ({ ...c }));
    },

    addMessages(messages, selfAddress) {
      return serial(async () => {
        const keys = await unlocked();
        if (messages.length === 0) return 0; // a catch-up of a quiet conversation finds nothing
        const self = selfAddress.toLowerCase();
        const d = await db();
        // Which ids are new, and each touched conversation, read at once (one transaction, in parallel).
        const lookup = d.transaction('sealedMessages');
        const existing = await Promise.all(messages.map((m) => lookup.store.getKey(m.id)));
        const topics = [...new Set(messages.map((m) => m.topic))];
        const found = await readMany(keys, topics);
        const touched = new Map(topics.map((topic, i) => [topic, found[i]]));
        const seen = new Set<string>();
        let added = 0;
        // In order: two messages of one conversation apply to it one after the other.
        messages.forEach((message, i) => {
          const isNew = existing[i] === undefined && !seen.has(message.id);
          seen.add(message.id);
          const incoming = message.senderAddress.toLowerCase() !== self;
          const unreadDelta = isNew && incoming && isVisible(message) ? 1 : 0;
          if (isNew) added++;
          const conversation = touched.get(message.topic);
          if (conversation)
            touched.set(message.topic, advanceLastMessage(conversation, message, unreadDelta, now()));
        });
        const changed = [...touched.values()].filter((c) => c !== undefined);
        const sealedMessages = await Promise.all(messages.map((m) => sealMessage(keys, m)));
        const sealedConversations = await Promise.all(changed.map((c) => sealConversation(keys, c)));
        const tx = d.transaction(['sealedConversations', 'sealedMessages'], 'readwrite');
        await Promise.all([
          ...sealedMessages.map((m) => tx.objectStore('sealedMessages').put(m)),
          ...sealedConversations.map((c) => tx.objectStore('sealedConversations').put(c)),
          tx.done,
        ]);
        memoryOf(keys).conversations.written(changed);
        return added;
      });
    },

    replaceMessage(oldId, message) {
      return serial(async () => {
        const keys = await unlocked();
        const conversation = await read(keys, message.topic);
        const advanced = conversation && advanceLastMessage(conversation, message, 0, now());
        const [sealedMessage, sealedConversation] = await Promise.all([
          sealMessage(keys, message),
          advanced && sealConversation(keys, advanced),
        ]);
        const tx = (await db()).transaction(['sealedConversations', 'sealedMessages'], 'readwrite');
        await Promise.all([
          oldId !== message.id ? tx.objectStore('sealedMessages').delete(oldId) : undefined,
          tx.objectStore('sealedMessages').put(sealedMessage),
          sealedConversation ? tx.objectStore('sealedConversations').put(sealedConversation) : undefined,
          tx.done,
        ]);
        if (advanced) memoryOf(keys).conversations.written([advanced]);
      });
    },

    async getMessage(id) {
      const keys = await unlocked();
      const found = await (await db()).get('sealedMessages', id);
      return found && (await openMessages(keys, [found]))[0];
    },

    async listMessages(topic, { before, limit = DEFAULT_PAGE } = {}) {
      const keys = await unlocked();
      const t = await topicKey(keys.index, topic);
      return openMessages(keys, await storedMessagePage(await db(), t, { before, limit }));
    },

    async syncedUntil(topic) {
      return (await syncedUntilMany([topic]))[0];
    },

    syncedUntilMany,

    setSyncedUntil(topic, at) {
      return serial(async () => {
        const keys = await unlocked();
        const topics = typeof topic === 'string' ? [topic] : topic;
        const names = await Promise.all(topics.map((t) => topicKey(keys.index, t)));
        const tx = (await db()).transaction('sealedSynced', 'readwrite');
        await Promise.all([...names.map((name) => tx.store.put(at, name)), tx.done]);
      });
    },

    async listByStatus(status) {
      const keys = await unlocked();
      return openMessages(keys, await (await db()).getAllFromIndex('sealedMessages', 'byStatus', status));
    },

    async allMessages() {
      const out: MessageRecord[] = [];
      await eachStoredMessage(await db(), await unlocked(), (page) => out.push(...page));
      return out;
    },
    eachMessage: async (visit) => eachStoredMessage(await db(), await unlocked(), visit),
    messageIds: () =>
      indexReads.first((async () => ((await unlocked()) && (await db())).getAllKeys('sealedMessages'))()),
    messagesById: (ids) =>
      indexReads.first((async () => readStoredMessages(await db(), await unlocked(), ids))()),
    searchSnapshot: () => indexReads.first((async () => readSearchSnapshot(await db(), await unlocked()))()),
    setSearchSnapshot: (snapshot) =>
      serial(async () => writeSearchSnapshot(await db(), await unlocked(), snapshot)),

    async markRead(topic) {
      await change(topic, (c) => markedRead(c, now()));
    },

    markAllRead() {
      return serial(async () => {
        const keys = await unlocked();
        const unread = (await loadAll(keys)).unread();
        const at = now();
        await write(
          keys,
          unread.map((c) => markedRead(c, at) ?? c),
        );
        return unread.map((c) => c.topic);
      });
    },

    updateConversation(topic, update) {
      return change(topic, update);
    },

    updateConversations(topics, update) {
      return serial(async () => {
        const keys = await unlocked();
        const found = await readMany(keys, topics);
        const changed = found.flatMap((c) => {
          const next = c && update(c);
          return next ? [{ ...next, topic: c.topic }] : [];
        });
        await write(keys, changed);
      });
    },

    setConsent(topic, consent) {
      return change(topic, (c) => ({ ...c, consent }));
    },

    async totalUnread(at = now()) {
      // The badge asks on every update: counted over the opened conversations in memory (loaded once per
      // unlock), not by opening every unread one again each time.
      return (await loadAll(await unlocked())).totalUnread(at);
    },

    forgetOpened() {
      opened = undefined;
    },

    clear() {
      // Needs no key: signing out works while locked.
      return serial(async () => {
        opened = undefined;
        const d = await db();
        const legacy = LEGACY_STORES.filter((name) => d.objectStoreNames.contains(name));
        const tx = d.transaction([...CONVERSATION_STORES, ...legacy], 'readwrite');
        await Promise.all([
          ...CONVERSATION_STORES.map((name) => tx.objectStore(name).clear()),
          ...legacy.map((name) => tx.objectStore(name).clear()),
          tx.done,
        ]);
      });
    },

    close() {
      void database?.then((d) => d.close());
      database = undefined;
      migration = undefined;
      opened = undefined;
    },
  };
}
