// The local cache of conversations and messages in IndexedDB, so the popup opens on data without waiting for
// the network. Indexes: conversations by last activity (the inbox order), consent and unread count; messages by
// [topic, sentAt] (a thread, in time order) and by status (pending/failed sends to retry).
import type { DBSchema, IDBPDatabase, IDBPTransaction } from 'idb';
import { openDatabase } from '@/extension/idb-open';
import { previewOf } from './preview';
import {
  CONTENT_TYPES,
  type Consent,
  type ConversationRecord,
  type MessageRecord,
  type MessageStatus,
  isMuted,
} from './records';

/** Stored form: the record plus its sort key (last message time, else creation time). */
type StoredConversation = ConversationRecord & { activityAt: number };

interface CacheSchema extends DBSchema {
  conversations: {
    key: string;
    value: StoredConversation;
    indexes: { byActivity: number; byConsent: string; byUnread: number; byPinned: number };
  };
  messages: {
    key: string;
    value: MessageRecord;
    indexes: { byTopicSent: [string, number]; byStatus: MessageStatus };
  };
  /** Per topic, when the last catch-up from the network that completed began (ms). */
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
  setConsent(topic: string, consent: Consent): Promise<ConversationRecord | undefined>;
  /** Unread messages of conversations that are neither denied nor muted at `now`. */
  totalUnread(now?: number): Promise<number>;
  clear(): Promise<void>;
  close(): void;
}

const DEFAULT_PAGE = 100;

function stored(record: ConversationRecord): StoredConversation {
  return { ...record, activityAt: record.lastMessage?.sentAt ?? record.createdAt };
}

function plain({ activityAt: _, ...record }: StoredConversation): ConversationRecord {
  return record;
}

/** Read receipts are signals, not messages: never a preview, never unread (docs/protocol.md §10.2). */
function isVisible(message: MessageRecord): boolean {
  return message.contentType !== CONTENT_TYPES.readReceipt;
}

type WriteTx = IDBPTransaction<CacheSchema, ('conversations' | 'messages')[], 'readwrite'>;

async function advanceLastMessage(
  tx: WriteTx,
  message: MessageRecord,
  unreadDelta: number,
  now: number,
): Promise<void> {
  const store = tx.objectStore('conversations');
  const conversation = await store.get(message.topic);
  if (!conversation) return;
  const last = conversation.lastMessage;
  const newer = !last || message.sentAt >= last.sentAt || last.id === message.id;
  const next: ConversationRecord = { ...plain(conversation), unread: conversation.unread + unreadDelta };
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
  await store.put(stored(next));
}

export function createInboxCache(options: {
  indexedDB: IDBFactory;
  dbName?: string;
  now?: () => number;
}): InboxCache {
  const now = options.now ?? Date.now;
  let database: Promise<IDBPDatabase<CacheSchema>> | undefined;
  const db = () =>
    (database ??= openDatabase<CacheSchema>(
      options.indexedDB,
      options.dbName ?? 'xmtp-inbox-cache',
      4,
      (d, oldVersion, transaction) => {
        if (oldVersion < 1) {
          const conversations = d.createObjectStore('conversations', { keyPath: 'topic' });
          conversations.createIndex('byActivity', 'activityAt');
          conversations.createIndex('byConsent', 'consent');
          const messages = d.createObjectStore('messages', { keyPath: 'id' });
          messages.createIndex('byTopicSent', ['topic', 'sentAt']);
          messages.createIndex('byStatus', 'status');
        }
        if (oldVersion < 2) d.createObjectStore('synced');
        // The toolbar badge counts unread messages on every update: only conversations with some.
        if (oldVersion < 3) transaction.objectStore('conversations').createIndex('byUnread', 'unread');
        // Pinned conversations list first, on the first screen too: only records with a pinnedAt are in it.
        if (oldVersion < 4) transaction.objectStore('conversations').createIndex('byPinned', 'pinnedAt');
      },
    ));

  return {
    async putConversations(conversations) {
      const tx = (await db()).transaction('conversations', 'readwrite');
      await Promise.all(
        conversations.map(async (conversation) => {
          const existing = await tx.store.get(conversation.topic);
          // The network knows the conversation and its consent; the unread count, last message and the user's
          // own choices (pinned, muted, archived, draft) are local and stay.
          const merged: ConversationRecord = {
            ...(existing ? plain(existing) : {}),
            ...conversation,
            unread: existing?.unread ?? 0,
          };
          await tx.store.put(stored(merged));
        }),
      );
      await tx.done;
    },

    async getConversation(topic) {
      const found = await (await db()).get('conversations', topic);
      return found && plain(found);
    },

    async listConversations({ consent, limit } = {}) {
      const tx = (await db()).transaction('conversations');
      // The few pinned ones first, oldest pin first (the byPinned index holds only them).
      const pinned = (await tx.store.index('byPinned').getAll()).filter(
        (c) => consent === undefined || c.consent === consent,
      );
      const out: ConversationRecord[] = pinned.slice(0, limit).map(plain);
      if (consent === undefined && limit === undefined) {
        // One getAll is several times faster than a cursor walk for the popup's full list.
        const all = await tx.store.index('byActivity').getAll();
        for (let i = all.length - 1; i >= 0; i--)
          if (all[i]!.pinnedAt === undefined) out.push(plain(all[i]!));
        return out;
      }
      let cursor = await tx.store.index('byActivity').openCursor(null, 'prev');
      while (cursor && (limit === undefined || out.length < limit)) {
        const c = cursor.value;
        if (c.pinnedAt === undefined && (consent === undefined || c.consent === consent)) out.push(plain(c));
        cursor = await cursor.continue();
      }
      return out;
    },

    async addMessages(messages, selfAddress) {
      const self = selfAddress.toLowerCase();
      const tx = (await db()).transaction(['conversations', 'messages'], 'readwrite');
      let added = 0;
      // Sequential on purpose: two messages of one conversation must not race on its record.
      for (const message of messages) {
        const existing = await tx.objectStore('messages').get(message.id);
        await tx.objectStore('messages').put(message);
        const incoming = message.senderAddress.toLowerCase() !== self;
        const unreadDelta = !existing && incoming && isVisible(message) ? 1 : 0;
        if (!existing) added++;
        await advanceLastMessage(tx, message, unreadDelta, now());
      }
      await tx.done;
      return added;
    },

    async replaceMessage(oldId, message) {
      const tx = (await db()).transaction(['conversations', 'messages'], 'readwrite');
      if (oldId !== message.id) await tx.objectStore('messages').delete(oldId);
      await tx.objectStore('messages').put(message);
      await advanceLastMessage(tx, message, 0, now());
      await tx.done;
    },

    async getMessage(id) {
      return (await db()).get('messages', id);
    },

    async listMessages(topic, { before, limit = DEFAULT_PAGE } = {}) {
      const upper = before === undefined ? [topic, Infinity] : [topic, before];
      const range = IDBKeyRange.bound([topic, -Infinity], upper, false, before !== undefined);
      const out: MessageRecord[] = [];
      let cursor = await (
        await db()
      )
        .transaction('messages')
        .store.index('byTopicSent')
        .openCursor(range, 'prev');
      while (cursor && out.length < limit) {
        out.push(cursor.value);
        cursor = await cursor.continue();
      }
      return out.reverse();
    },

    async syncedUntil(topic) {
      return (await db()).get('synced', topic);
    },

    async setSyncedUntil(topic, at) {
      await (await db()).put('synced', at, topic);
    },

    async listByStatus(status) {
      return (await db()).getAllFromIndex('messages', 'byStatus', status);
    },

    async allMessages() {
      return (await db()).getAll('messages');
    },

    async markRead(topic) {
      const tx = (await db()).transaction('conversations', 'readwrite');
      const conversation = await tx.store.get(topic);
      if (conversation && conversation.unread !== 0) await tx.store.put({ ...conversation, unread: 0 });
      await tx.done;
    },

    async markAllRead() {
      const tx = (await db()).transaction('conversations', 'readwrite');
      const unread = await tx.store.index('byUnread').getAll(IDBKeyRange.lowerBound(1));
      await Promise.all(unread.map((c) => tx.store.put({ ...c, unread: 0 })));
      await tx.done;
      return unread.map((c) => c.topic);
    },

    async updateConversation(topic, change) {
      const tx = (await db()).transaction('conversations', 'readwrite');
      const found = await tx.store.get(topic);
      const changed = found && change(plain(found));
      if (changed) await tx.store.put(stored({ ...changed, topic }));
      await tx.done;
      return changed ?? (found && plain(found));
    },

    async setConsent(topic, consent) {
      const tx = (await db()).transaction('conversations', 'readwrite');
      const conversation = await tx.store.get(topic);
      if (conversation) await tx.store.put({ ...conversation, consent });
      await tx.done;
      return conversation && plain({ ...conversation, consent });
    },

    async totalUnread(at = now()) {
      // Reads only the conversations with unread messages (the badge asks on every update; a walk over
      // thousands of conversations took tens of milliseconds each time).
      const unread = await (
        await db()
      ).getAllFromIndex('conversations', 'byUnread', IDBKeyRange.lowerBound(1));
      let total = 0;
      for (const conversation of unread) {
        if (conversation.consent !== 'denied' && !isMuted(conversation, at)) total += conversation.unread;
      }
      return total;
    },

    async clear() {
      const tx = (await db()).transaction(['conversations', 'messages', 'synced'], 'readwrite');
      await Promise.all([
        tx.objectStore('conversations').clear(),
        tx.objectStore('messages').clear(),
        tx.objectStore('synced').clear(),
        tx.done,
      ]);
    },

    close() {
      void database?.then((d) => d.close());
      database = undefined;
    },
  };
}
