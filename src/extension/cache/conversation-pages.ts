// The popup's conversation list a page at a time (issue #17 at 10,000 conversations): one view (the inbox, the
// archived ones or the message requests), optionally narrowed by the search box, from a cursor on. The worker
// answers it from the opened conversations it holds, so the popup never receives, filters or keeps the whole
// list.
import { ExtensionError } from '@/extension/errors';
import { inboxOrder } from './conversation-memory';
import { MAX_PAGE, type ConversationCursor, type ConversationRecord } from './records';

export type ConversationView = 'inbox' | 'archived' | 'requests';

export interface ConversationPageQuery {
  view: ConversationView;
  /** The search box: rows whose peer address or last message contains it, any case. */
  query?: string;
  /** Only rows with unread messages (whether the inbox has any, for "mark all read"). */
  unread?: boolean;
  after?: ConversationCursor;
  limit: number;
}

export interface ConversationPage {
  conversations: ConversationRecord[];
  /** Whether rows follow the last one. */
  more: boolean;
}

const MAX_QUERY = 200;
const VIEWS: readonly ConversationView[] = ['inbox', 'archived', 'requests'];

/** A page request comes from the popup: every field checked, with a clear error. */
export function checkPageQuery(input: unknown): ConversationPageQuery {
  const q = (input ?? {}) as Partial<Record<keyof ConversationPageQuery, unknown>>;
  if (!VIEWS.includes(q.view as ConversationView))
    throw new ExtensionError('invalid_view', `view must be one of ${VIEWS.join(', ')}: ${String(q.view)}`);
  if (!Number.isInteger(q.limit) || (q.limit as number) < 1 || (q.limit as number) > MAX_PAGE)
    throw new ExtensionError(
      'invalid_limit',
      `limit must be an integer from 1 to ${MAX_PAGE}: ${String(q.limit)}`,
    );
  const query = checkQuery(q.query);
  if (q.unread !== undefined && typeof q.unread !== 'boolean')
    throw new ExtensionError('invalid_unread', 'unread must be true or false');
  const after = q.after as Partial<ConversationCursor> | undefined;
  if (
    after !== undefined &&
    (typeof after !== 'object' ||
      after === null ||
      typeof after.topic !== 'string' ||
      !Number.isFinite(after.at) ||
      (after.pinnedAt !== undefined && !Number.isFinite(after.pinnedAt)))
  )
    throw new ExtensionError('invalid_cursor', 'after must name a row: { topic, at, pinnedAt? }');
  return {
    view: q.view as ConversationView,
    limit: q.limit as number,
    ...(query ? { query } : {}),
    ...(q.unread ? { unread: true } : {}),
    ...(after ? { after: after as ConversationCursor } : {}),
  };
}

/** Which view a conversation shows in; denied ones in none. */
export function viewOf(c: ConversationRecord): ConversationView | undefined {
  if (c.consent === 'denied') return undefined;
  if (c.archivedAt !== undefined) return 'archived';
  return c.consent === 'allowed' ? 'inbox' : 'requests';
}

/** The search box's match: the peer's address or the last message, any case. */
export function matchesQuery(c: ConversationRecord, query: string | undefined): boolean {
  if (!query) return true;
  const q = query.toLowerCase();
  return (
    c.peerAddress.toLowerCase().includes(q) || (c.lastMessage?.preview.toLowerCase().includes(q) ?? false)
  );
}

/** A stand-in record that sorts where the cursor's row sorted. */
function atCursor(cursor: ConversationCursor): ConversationRecord {
  return {
    topic: cursor.topic,
    peerAddress: '',
    createdAt: cursor.at,
    unread: 0,
    consent: 'unknown',
    ...(cursor.pinnedAt !== undefined ? { pinnedAt: cursor.pinnedAt } : {}),
  };
}

/** How many conversations each view holds (matching the search box), and how many of them are unread. */
export interface ConversationCounts {
  inbox: number;
  archived: number;
  requests: number;
  /** Inbox and request rows with unread messages ("mark all read" has something to do). */
  unread: number;
}

/** The counts of every view over every conversation, narrowed by the search box. */
export function countViews(all: Iterable<ConversationRecord>, query?: string): ConversationCounts {
  const counts: ConversationCounts = { inbox: 0, archived: 0, requests: 0, unread: 0 };
  for (const c of all) {
    const view = viewOf(c);
    if (!view || !matchesQuery(c, query)) continue;
    counts[view] += 1;
    if (view !== 'archived' && c.unread > 0) counts.unread += 1;
  }
  return counts;
}

/** Every conversation of a view (matching the search box), in the inbox order: what a bulk action covers. */
export function allOf(
  ordered: readonly ConversationRecord[],
  view: ConversationView,
  query?: string,
): ConversationRecord[] {
  return ordered.filter((c) => viewOf(c) === view && matchesQuery(c, query));
}

/** The search box's text from the popup, checked: at most MAX_QUERY characters. */
export function checkQuery(query: unknown): string | undefined {
  if (query === undefined || query === '') return undefined;
  if (typeof query !== 'string' || query.length > MAX_QUERY)
    throw new ExtensionError('invalid_query', `the search must be text of at most ${MAX_QUERY} characters`);
  return query;
}

/** The page of `query` over every conversation, `ordered` in the inbox order; copies of the rows. */
export function pageOf(
  ordered: readonly ConversationRecord[],
  query: ConversationPageQuery,
): ConversationPage {
  const start = query.after && atCursor(query.after);
  const conversations: ConversationRecord[] = [];
  for (const c of ordered) {
    if (viewOf(c) !== query.view || (query.unread && c.unread === 0) || !matchesQuery(c, query.query))
      continue;
    if (start && inboxOrder(c, start) <= 0) continue;
    if (conversations.length === query.limit) return { conversations, more: true };
    conversations.push({ ...c });
  }
  return { conversations, more: false };
}
