// The popup's conversation list, a page at a time from the worker (which holds the opened conversations): the
// prefetched first screen at once, further pages as the list is scrolled to its end, the search box and the
// Requests fold answered by the worker too, so the popup never receives, filters or keeps all 10,000. Updates
// reload the rows shown (one request, as many rows as are loaded). Marks the render times the e2e measures.
import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { ConversationCounts, ConversationView } from '@/extension/cache/conversation-pages';
import { MAX_PAGE, cursorOf, type ConversationRecord } from '@/extension/cache/records';
import { mergeConversations } from '@/ui/conversation-list';
import { errorText, type ShownError } from '@/ui/format';
import { FIRST_PAGE, takeArrivedConversations, takePrefetchedConversations } from '@/ui/prefetch';
import { call, subscribeUpdates } from '@/ui/rpc';

export const LIST_RECEIVED = 'xmtp-inbox:list-received';
export const LIST_RENDERED = 'xmtp-inbox:list-rendered';
/** The list after the first screen is complete: its rows, the requests, the archived count, unread or not. */
export const FULL_LIST_RENDERED = 'xmtp-inbox:full-list-rendered';

/** Sets a performance mark the first time only (a list renders many times; the measure wants the first). */
const markOnce = (name: string) => {
  if (!performance.getEntriesByName(name).length) performance.mark(name);
};

/** Rows asked for at a time as the list scrolls (and as the Requests fold shows more). */
const PAGE = 50;

/** What the list shows besides its rows. */
export interface ListSummary {
  /** The first page of message requests (matching the search); the fold pages the rest. */
  requests: ConversationRecord[];
  /** How many conversations each view holds (matching the search), and how many are unread. */
  counts: ConversationCounts;
}

const EMPTY_SUMMARY: ListSummary = {
  requests: [],
  counts: { inbox: 0, archived: 0, requests: 0, unread: 0 },
};

const page = (view: ConversationView, query: string, limit: number, after?: ConversationRecord) =>
  call('conversations.list', {
    view,
    limit,
    ...(query ? { query } : {}),
    ...(after ? { after: cursorOf(after) } : {}),
  });

/**
 * The first `count` rows of a view, one request of at most MAX_PAGE at a time (a list scrolled past 500
 * rows reloads whole); `more`: rows follow the last.
 */
async function rowsUpTo(view: ConversationView, query: string, count: number) {
  const rows: ConversationRecord[] = [];
  for (;;) {
    const wanted = Math.min(count - rows.length, MAX_PAGE - 1);
    // One more row than wanted tells whether rows follow.
    const next = await page(view, query, wanted + 1, rows[rows.length - 1]);
    rows.push(...next.slice(0, wanted));
    if (next.length <= wanted) return { rows, more: false };
    if (rows.length >= count) return { rows, more: true };
  }
}

export function useConversationList(
  onError: (error: ShownError) => void,
  { view, query }: { view: 'inbox' | 'archived'; query: string },
) {
  // The prefetched first screen, when its reply came with the state (as it does on a popup open): in the first
  // render already.
  const [arrived] = useState(() => {
    const early = view === 'inbox' && !query ? takeArrivedConversations() : undefined;
    if (early) markOnce(LIST_RECEIVED);
    return early;
  });
  const [rows, setRows] = useState<ConversationRecord[] | undefined>(arrived);
  /** Which view the rows are of: another view's rows are never shown under this one's name. */
  const [rowsView, setRowsView] = useState(view);
  const [more, setMore] = useState(arrived !== undefined);
  const [summary, setSummary] = useState<ListSummary>(EMPTY_SUMMARY);
  const [complete, setComplete] = useState(false);
  const setError = onError;
  // What the list is of now, and how many rows it shows, for reloads that start later (updates).
  const current = useRef({ view, query, loaded: arrived?.length ?? 0, requestsShown: PAGE });
  current.current.view = view;
  current.current.query = query;
  // One reload at a time; whatever asks meanwhile gets one more after it (it sees every change before it).
  const reloading = useRef({ running: false, again: false });
  const paging = useRef(false);

  const received = useCallback((list: ConversationRecord[], hasMore: boolean) => {
    markOnce(LIST_RECEIVED);
    current.current.loaded = list.length;
    setRows(list);
    setRowsView(current.current.view);
    setMore(hasMore);
  }, []);

  const load = useCallback((): void => {
    const state = reloading.current;
    if (state.running) {
      state.again = true;
      return;
    }
    state.running = true;
    const { view: v, query: q, loaded, requestsShown } = current.current;
    const noRequests = { rows: [], more: false };
    void Promise.all([
      rowsUpTo(v, q, Math.max(loaded, FIRST_PAGE)),
      v === 'inbox' ? rowsUpTo('requests', q, requestsShown) : Promise.resolve(noRequests),
      call('conversations.counts', q ? { query: q } : {}),
    ])
      .then(
        ([list, requests, counts]) => {
          const { view: nowView, query: nowQuery } = current.current;
          if (nowView !== v || nowQuery !== q) return; // the user moved on: the next reload answers that
          received(list.rows, list.more);
          setSummary({ requests: requests.rows, counts });
          setComplete(true);
        },
        (e) => setError(errorText(e)),
      )
      .finally(() => {
        state.running = false;
        if (state.again) {
          state.again = false;
          load();
        }
      });
  }, []);

  /** The Requests fold shows a page more (reloaded with the list from then on). */
  const moreRequests = useCallback(() => {
    current.current.requestsShown += PAGE;
    load();
  }, [load]);

  /** The next page, once the list is scrolled to its end. */
  const loadMore = useCallback(() => {
    const last = rows?.[rows.length - 1];
    if (!more || !last || paging.current) return;
    paging.current = true;
    const { view: v, query: q } = current.current;
    void page(v, q, PAGE + 1, last)
      .then(
        (next) => {
          if (current.current.view !== v || current.current.query !== q) return;
          setRows((list) => {
            const shown = new Set((list ?? []).map((c) => c.topic));
            const merged = [...(list ?? []), ...next.slice(0, PAGE).filter((c) => !shown.has(c.topic))];
            current.current.loaded = merged.length;
            return merged;
          });
          setMore(next.length > PAGE);
        },
        (e) => setError(errorText(e)),
      )
      .finally(() => (paging.current = false));
  }, [rows, more]);

  // Marks for the end-to-end measurement of time to first list render (test/e2e/inbox.test.ts).
  useLayoutEffect(() => {
    if (rows) markOnce(LIST_RENDERED);
    if (complete) markOnce(FULL_LIST_RENDERED);
  }, [rows, complete]);

  // Layout effect, like the app's state: the first screen renders without waiting a frame for the list.
  useLayoutEffect(() => {
    // The first screen (the inbox's first rows) shows at once; the rest of what the list shows follows.
    if (arrived) load();
    else
      void takePrefetchedConversations().then((early) => {
        if (early && current.current.view === 'inbox' && !current.current.query) received(early, true);
        load();
      });
    // The cache shows first; the network catches up, unless the live stream already has (worker's catch-up.ts).
    void call('conversations.refresh', { ifBehind: true }).catch(() => undefined);
    return subscribeUpdates((update) => {
      if (update.kind === 'conversations' || update.kind === 'state') load();
    });
  }, [arrived, load, received]);

  // Another view or search: its first rows, from the top.
  const first = useRef(true);
  useEffect(() => {
    if (first.current) {
      first.current = false;
      return;
    }
    current.current.loaded = 0;
    current.current.requestsShown = PAGE;
    load();
  }, [view, query, load]);

  /**
   * A conversation the popup itself just changed, shown changed at once where it is; the reload it asks puts it
   * in its place (or out of this view).
   */
  const merge = useCallback(
    (updated: ConversationRecord) => {
      setRows((list) =>
        list?.some((c) => c.topic === updated.topic) ? mergeConversations(list, [updated]) : list,
      );
      load();
    },
    [load],
  );

  return {
    conversations: rowsView === view ? rows : undefined,
    more,
    loadMore,
    summary,
    moreRequests,
    load,
    merge,
  };
}
