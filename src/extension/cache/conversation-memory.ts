// The unlocked account's conversations, opened, held in the worker's memory by the cache instance
// (src/extension/cache/cache.ts). With 10,000 conversations, opening every sealed record again for each list,
// badge count and catch-up was most of the worker's busy time (docs/benchmarks.md, "At issue #17's scale"); held
// here they are opened once per unlock. Nothing here is written anywhere: the cache drops it at lock, at close
// and when the account's key changes, and the sealed records in IndexedDB stay the truth it is loaded from.
import { isMuted, type Consent, type ConversationRecord } from './records';

export interface ConversationMemory {
  /** Whether every stored conversation is here (the full load finished); before, some may be missing. */
  readonly complete: boolean;
  /** A copy of the record of `topic`, if held. */
  get(topic: string): ConversationRecord | undefined;
  /** What was just written (the newest state of each): replaces what is held. */
  written(records: readonly ConversationRecord[]): void;
  /**
   * Records just read from IndexedDB: kept only for topics not held yet, since a write that landed while they
   * were being read (and opened) put a newer state here first.
   */
  read(records: readonly ConversationRecord[]): void;
  /** The full load put every stored conversation here. */
  markComplete(): void;
  /** Every record held, in the inbox order: the records themselves, for reading only (pages copy theirs). */
  ordered(): readonly ConversationRecord[];
  /** Pinned first (in the order pinned), then most recent activity first; copies. */
  list(options: { consent?: Consent | undefined; limit?: number | undefined }): ConversationRecord[];
  /** Unread messages of conversations that are neither denied nor muted at `at`. */
  totalUnread(at: number): number;
  /** Copies of the conversations with unread messages. */
  unread(): ConversationRecord[];
}

const activityOf = (c: ConversationRecord) => c.lastMessage?.sentAt ?? c.createdAt;

/** The inbox order (as src/ui/conversation-list.ts merges into it): pins by pin time, then activity, then topic. */
export function inboxOrder(a: ConversationRecord, b: ConversationRecord): number {
  if (a.pinnedAt !== undefined || b.pinnedAt !== undefined) {
    if (b.pinnedAt === undefined) return -1;
    if (a.pinnedAt === undefined) return 1;
    if (a.pinnedAt !== b.pinnedAt) return a.pinnedAt - b.pinnedAt;
  }
  const byActivity = activityOf(b) - activityOf(a);
  if (byActivity !== 0) return byActivity;
  return a.topic < b.topic ? 1 : a.topic > b.topic ? -1 : 0;
}

export function createConversationMemory(): ConversationMemory {
  const byTopic = new Map<string, ConversationRecord>();
  let complete = false;
  /** byTopic's records in inbox order; rebuilt on the first list after a change. */
  let ordered: ConversationRecord[] | undefined;

  return {
    get complete() {
      return complete;
    },
    get(topic) {
      const found = byTopic.get(topic);
      // Records are changed by copying; a copy keeps a caller's slip out of what is held.
      return found && { ...found };
    },
    written(records) {
      if (records.length === 0) return;
      for (const record of records) byTopic.set(record.topic, { ...record });
      ordered = undefined;
    },
    read(records) {
      for (const record of records) {
        if (byTopic.has(record.topic)) continue;
        byTopic.set(record.topic, { ...record });
        ordered = undefined;
      }
    },
    markComplete() {
      complete = true;
    },
    ordered() {
      return (ordered ??= [...byTopic.values()].sort(inboxOrder));
    },
    list({ consent, limit }) {
      const out: ConversationRecord[] = [];
      for (const c of this.ordered()) {
        if (limit !== undefined && out.length >= limit) break;
        if (consent === undefined || c.consent === consent) out.push({ ...c });
      }
      return out;
    },
    totalUnread(at) {
      let total = 0;
      for (const c of byTopic.values())
        if (c.unread > 0 && c.consent !== 'denied' && !isMuted(c, at)) total += c.unread;
      return total;
    },
    unread() {
      return [...byTopic.values()].filter((c) => c.unread > 0).map((c) => ({ ...c }));
    },
  };
}
