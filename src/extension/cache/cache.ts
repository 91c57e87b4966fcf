// The local cache of conversations and messages in IndexedDB, so the popup opens on data without waiting for
// the network. Indexes: conversations by last activity (the inbox order), consent and unread count; messages by
// [topic, sentAt] (a thread, in time order) and by status (pending/failed sends to retry).
import type { DBSchema, IDBPDatabase } from 'idb';
import { openDatabase } from '@/extension/idb-open';
import { previewOf } from './preview';
import { openJson, sealJson, topicKey, type CacheKeys, type Sealed } from './sealing';
import {
  CONTENT_TYPES,
  type Consent,
  type ConversationRecord,
  type MessageRecord,
  type MessageStatus,
  isMuted,
  markedRead,
} from './records';

/**
 * A conversation at rest: the record sealed whole, beside the few plaintext fields its indexes need (its topic's
 * HMAC, the sort time, consent, unread count, pin time). Never the peer, the preview, a draft or the topic.
 */
interface StoredConversation {
  t: string;
  activityAt: number;
  consent: Consent;
  unread: number;
  pinnedAt?: number;
  box: Sealed;
}

/** A message at rest: sealed whole, beside its id, its topic's HMAC, its time and its status. */
interface StoredMessage {
  id: string;
  t: string;
  sentAt: number;
  status: MessageStatus;
  box: Sealed;
}

interface CacheSchema extends DBSchema {
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
  // Versions 1–4 kept plaintext records here; they are sealed into the stores above and cleared (migrate()).
  conversations: { key: string; value: ConversationRecord & { activityAt: number } };
  messages: { key: string; value: MessageRecord };
  synced: { key: string; value: number };
}

export interface InboxCache {
  /** Inserts or updates conversations; keeps the cached unread count and last message. */
  putConversations(conversations: Omit<ConversationRecord, 'unread' | 'lastMessage'>[]): Promise<void>;
  getConversation(topic: string): Promise<ConversationRecord | undefined>;
  /** Pinned first (in the order pinned), then most recent activity first. */
  listConversations(options?: { consent?: Consent; limit?: number }): Promise<ConversationRecord[]>;
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
  setSyncedUntil(topic: string, at: number): Promise<void>;
  listByStatus(status: MessageStatus): Promise<MessageRecord[]>;
  /** Every cached message, in no particular order (one read, for building the search index). */
  allMessages(): Promise<MessageRecord[]>;
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
  clear(): Promise<void>;
  close(): void;
}

const DEFAULT_PAGE = 100;

const CONVERSATION_STORES = ['sealedConversations', 'sealedMessages', 'sealedSynced'] as const;
const LEGACY_STORES = ['conversations', 'messages', 'synced'] as const;

/** Read receipts are signals, not messages: never a preview, never unread (docs/protocol.md §10.2). */
function isVisible(message: MessageRecord): boolean {
  return message.contentType !== CONTENT_TYPES.readReceipt;
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
  const db = () =>
    (database ??= openDatabase<CacheSchema>(
      options.indexedDB,
      options.dbName ?? 'xmtp-inbox-cache',
      5,
      (d) => {
        // Versions 1–4 held plaintext stores (conversations, messages, synced), left for migrate() to seal.
        const conversations = d.createObjectStore('sealedConversations', { keyPath: 't' });
        conversations.createIndex('byActivity', 'activityAt');
        conversations.createIndex('byUnread', 'unread');
        conversations.createIndex('byPinned', 'pinnedAt');
        const messages = d.createObjectStore('sealedMessages', { keyPath: 'id' });
        messages.createIndex('byTopicSent', ['t', 'sentAt']);
        messages.createIndex('byStatus', 'status');
        d.createObjectStore('sealedSynced');
      },
    ));

  // Writes read, change and write a record across several transactions (WebCrypto cannot run inside one: the
  // transaction would commit while it waits), so they run one at a time. Only the worker opens this database.
  let writing: Promise<unknown> = Promise.resolve();
  function serial<T>(work: () => Promise<T>): Promise<T> {
    const run = writing.then(work, work);
    writing = run.catch(() => undefined);
    return run;
  }

  async function sealConversation(keys: CacheKeys, record: ConversationRecord): Promise<StoredConversation> {
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

  const openConversation = (keys: CacheKeys, stored: StoredConversation) =>
    openJson<ConversationRecord>(keys.seal, stored.box, `conversation/${stored.t}`);
  const openConversations = (keys: CacheKeys, stored: StoredConversation[]) =>
    Promise.all(stored.map((c) => openConversation(keys, c)));

  async function sealMessage(keys: CacheKeys, message: MessageRecord): Promise<StoredMessage> {
    return {
      id: message.id,
      t: await topicKey(keys.index, message.topic),
      sentAt: message.sentAt,
      status: message.status,
      box: await sealJson(keys.seal, message, `message/${message.id}`),
    };
  }

  const openMessages = (keys: CacheKeys, stored: StoredMessage[]) =>
    Promise.all(stored.map((m) => openJson<MessageRecord>(keys.seal, m.box, `message/${m.id}`)));

  async function readConversation(keys: CacheKeys, topic: string): Promise<ConversationRecord | undefined> {
    const found = await (await db()).get('sealedConversations', await topicKey(keys.index, topic));
    return found && openConversation(keys, found);
  }

  async function writeConversations(keys: CacheKeys, records: ConversationRecord[]): Promise<void> {
    if (records.length === 0) return;
    const sealed = await Promise.all(records.map((r) => sealConversation(keys, r)));
    const tx = (await db()).transaction('sealedConversations', 'readwrite');
    await Promise.all([...sealed.map((c) => tx.store.put(c)), tx.done]);
  }

  let migration: Promise<void> | undefined;
  /**
   * Seals what versions 1–4 left in plaintext (pins, mutes, drafts are local and must survive), then clears the
   * plaintext stores. Runs once per worker, on the first use while unlocked.
   */
  function migrate(keys: CacheKeys): Promise<void> {
    migration ??= (async () => {
      const d = await db();
      if (!d.objectStoreNames.contains('conversations')) return;
      const [conversations, messages, synced] = await Promise.all([
        d.getAll('conversations'),
        d.getAll('messages'),
        (async () => {
          const tx = d.transaction('synced');
          const out: [string, number][] = [];
          for (let c = await tx.store.openCursor(); c; c = await c.continue())
            out.push([String(c.key), c.value]);
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
    })().catch((error: unknown) => {
      migration = undefined;
      throw error;
    });
    return migration;
  }

  /** The account's keys, once the plaintext of older versions is sealed. */
  async function unlocked(): Promise<CacheKeys> {
    const keys = await options.keys();
    await migrate(keys);
    return keys;
  }

  async function change(
    topic: string,
    update: (conversation: ConversationRecord) => ConversationRecord | undefined,
  ): Promise<ConversationRecord | undefined> {
    return serial(async () => {
      const keys = await unlocked();
      const found = await readConversation(keys, topic);
      const changed = found && update(found);
      if (changed) await writeConversations(keys, [{ ...changed, topic }]);
      return changed ?? found;
    });
  }

  return {
    putConversations(conversations) {
      return serial(async () => {
        const keys = await unlocked();
        const merged = await Promise.all(
          conversations.map(async (conversation) => {
            const existing = await readConversation(keys, conversation.topic);
            // The network knows the conversation and its consent; the unread count, last message and the user's
            // own choices (pinned, muted, archived, draft) are local and stay.
            return {
              ...(existing ?? {}),
              ...conversation,
              unread: existing?.unread ?? 0,
            } as ConversationRecord;
          }),
        );
        await writeConversations(keys, merged);
      });
    },

    async getConversation(topic) {
      return readConversation(await unlocked(), topic);
    },

    async listConversations({ consent, limit } = {}) {
      const keys = await unlocked();
      const tx = (await db()).transaction('sealedConversations');
      // The few pinned ones first, oldest pin first (the byPinned index holds only them).
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
      return openConversations(keys, [...pinned, ...rest]);
    },

    addMessages(messages, selfAddress) {
      return serial(async () => {
        const keys = await unlocked();
        const self = selfAddress.toLowerCase();
        const d = await db();
        // Which ids are new, and each touched conversation, read at once (one transaction, in parallel).
        const lookup = d.transaction('sealedMessages');
        const existing = await Promise.all(messages.map((m) => lookup.store.getKey(m.id)));
        const topics = [...new Set(messages.map((m) => m.topic))];
        const found = await Promise.all(topics.map((topic) => readConversation(keys, topic)));
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
        const sealedMessages = await Promise.all(messages.map((m) => sealMessage(keys, m)));
        const sealedConversations = await Promise.all(
          [...touched.values()].filter((c) => c !== undefined).map((c) => sealConversation(keys, c)),
        );
        const tx = d.transaction(['sealedConversations', 'sealedMessages'], 'readwrite');
        await Promise.all([
          ...sealedMessages.map((m) => tx.objectStore('sealedMessages').put(m)),
          ...sealedConversations.map((c) => tx.objectStore('sealedConversations').put(c)),
          tx.done,
        ]);
        return added;
      });
    },

    replaceMessage(oldId, message) {
      return serial(async () => {
        const keys = await unlocked();
        const conversation = await readConversation(keys, message.topic);
        const [sealedMessage, sealedConversation] = await Promise.all([
          sealMessage(keys, message),
          conversation && sealConversation(keys, advanceLastMessage(conversation, message, 0, now())),
        ]);
        const tx = (await db()).transaction(['sealedConversations', 'sealedMessages'], 'readwrite');
        await Promise.all([
          oldId !== message.id ? tx.objectStore('sealedMessages').delete(oldId) : undefined,
          tx.objectStore('sealedMessages').put(sealedMessage),
          sealedConversation ? tx.objectStore('sealedConversations').put(sealedConversation) : undefined,
          tx.done,
        ]);
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
      const upper = before === undefined ? [t, Infinity] : [t, before];
      const range = IDBKeyRange.bound([t, -Infinity], upper, false, before !== undefined);
      const out: StoredMessage[] = [];
      let cursor = await (
        await db()
      )
        .transaction('sealedMessages')
        .store.index('byTopicSent')
        .openCursor(range, 'prev');
      while (cursor && out.length < limit) {
        out.push(cursor.value);
        cursor = await cursor.continue();
      }
      return openMessages(keys, out.reverse());
    },

    async syncedUntil(topic) {
      const keys = await unlocked();
      return (await db()).get('sealedSynced', await topicKey(keys.index, topic));
    },

    setSyncedUntil(topic, at) {
      return serial(async () => {
        const keys = await unlocked();
        await (await db()).put('sealedSynced', at, await topicKey(keys.index, topic));
      });
    },

    async listByStatus(status) {
      const keys = await unlocked();
      return openMessages(keys, await (await db()).getAllFromIndex('sealedMessages', 'byStatus', status));
    },

    async allMessages() {
      const keys = await unlocked();
      return openMessages(keys, await (await db()).getAll('sealedMessages'));
    },

    async markRead(topic) {
      await change(topic, (c) => markedRead(c, now()));
    },

    markAllRead() {
      return serial(async () => {
        const keys = await unlocked();
        const unread = await openConversations(
          keys,
          await (await db()).getAllFromIndex('sealedConversations', 'byUnread', IDBKeyRange.lowerBound(1)),
        );
        const at = now();
        await writeConversations(
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
        const found = await Promise.all(topics.map((topic) => readConversation(keys, topic)));
        const changed = found.flatMap((c) => {
          const next = c && update(c);
          return next ? [{ ...next, topic: c.topic }] : [];
        });
        await writeConversations(keys, changed);
      });
    },

    setConsent(topic, consent) {
      return change(topic, (c) => ({ ...c, consent }));
    },

    async totalUnread(at = now()) {
      // Reads only the conversations with unread messages (the badge asks on every update; a walk over
      // thousands of conversations took tens of milliseconds each time). Consent is a plaintext index field;
      // only those left are opened, for their mute.
      const keys = await unlocked();
      const unread = (
        await (await db()).getAllFromIndex('sealedConversations', 'byUnread', IDBKeyRange.lowerBound(1))
      ).filter((c) => c.consent !== 'denied');
      let total = 0;
      for (const conversation of await openConversations(keys, unread))
        if (!isMuted(conversation, at)) total += conversation.unread;
      return total;
    },

    clear() {
      // Needs no key: signing out works while locked.
      return serial(async () => {
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
    },
  };
}
