// The popup inbox keeps its list current from updates that name the conversations that changed: it fetches
// those few and merges them in, instead of asking the worker for the whole list (thousands of records cloned
// over the runtime port) on every incoming message.
import type { ConversationRecord } from '@/extension/cache/records';

/**
 * The cache's inbox order: pinned first, in the order pinned; then last activity (last message, else
 * creation), newest first; ties by topic, descending.
 */
function before(a: ConversationRecord, b: ConversationRecord): boolean {
  if (a.pinnedAt !== undefined || b.pinnedAt !== undefined) {
    if (b.pinnedAt === undefined) return true;
    if (a.pinnedAt === undefined) return false;
    if (a.pinnedAt !== b.pinnedAt) return a.pinnedAt < b.pinnedAt;
  }
  const at = a.lastMessage?.sentAt ?? a.createdAt;
  const bt = b.lastMessage?.sentAt ?? b.createdAt;
  return at !== bt ? at > bt : a.topic > b.topic;
}

/**
 * `list` with `changed` put in place: each replaces the record of its topic (or is added) at its position in
 * the inbox order. `gone` topics (no longer in the cache) are removed.
 */
export function mergeConversations(
  list: readonly ConversationRecord[],
  changed: readonly ConversationRecord[],
  gone: readonly string[] = [],
): ConversationRecord[] {
  const replaced = new Set([...changed.map((c) => c.topic), ...gone]);
  const out = list.filter((c) => !replaced.has(c.topic));
  for (const conversation of changed) {
    // Binary search for the first record that does not come before it.
    let lo = 0;
    let hi = out.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (before(out[mid]!, conversation)) lo = mid + 1;
      else hi = mid;
    }
    out.splice(lo, 0, conversation);
  }
  return out;
}
