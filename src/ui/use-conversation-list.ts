// The popup's conversation list: the prefetched first screen at once, then the whole list from the worker;
// updates merge the few conversations they name, or reload the list. Marks the render times the e2e measures.
import { useCallback, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { ConversationRecord } from '@/extension/cache/records';
import { mergeConversations } from '@/ui/conversation-list';
import { errorText, type ShownError } from '@/ui/format';
import { takePrefetchedConversations } from '@/ui/prefetch';
import { call, subscribeUpdates } from '@/ui/rpc';

export const LIST_RECEIVED = 'xmtp-inbox:list-received';
export const LIST_RENDERED = 'xmtp-inbox:list-rendered';
/** The whole list (after the prefetched first screen) is in place. */
export const FULL_LIST_RENDERED = 'xmtp-inbox:full-list-rendered';

export function useConversationList(onError: (error: ShownError) => void) {
  const [conversations, setConversations] = useState<ConversationRecord[]>();
  const setError = onError;
  const [complete, setComplete] = useState(false);
  // While the whole list is being fetched, a merged change could be overwritten by the older list: fetch again.
  const fullLoads = useRef({ running: 0, again: false });
  const load = useCallback(() => {
    const received = (list: ConversationRecord[]) => {
      if (!performance.getEntriesByName(LIST_RECEIVED).length) performance.mark(LIST_RECEIVED);
      setConversations(list);
    };
    const full = (): Promise<void> => {
      fullLoads.current.running++;
      return call('conversations.list', {})
        .then(
          (list) => {
            received(list);
            setComplete(true);
          },
          (e) => setError(errorText(e)),
        )
        .finally(() => {
          const loads = fullLoads.current;
          if (--loads.running === 0 && loads.again) {
            loads.again = false;
            return full();
          }
        });
    };
    void takePrefetchedConversations().then((early) => {
      // The first screen shows at once; the full list (search, requests) follows right after.
      if (early) received(early);
      return full();
    });
  }, []);

  // Marks for the end-to-end measurement of time to first list render (test/e2e/inbox.test.ts).
  useLayoutEffect(() => {
    if (conversations && !performance.getEntriesByName(LIST_RENDERED).length) performance.mark(LIST_RENDERED);
    if (complete && !performance.getEntriesByName(FULL_LIST_RENDERED).length)
      performance.mark(FULL_LIST_RENDERED);
  }, [conversations, complete]);

  const mergeChanged = useCallback(async (topics: string[]) => {
    try {
      const found = await Promise.all(topics.map((topic) => call('conversations.get', { topic })));
      const changed = found.filter((c): c is ConversationRecord => c !== null);
      const gone = topics.filter((_, i) => found[i] === null);
      setConversations((list) => (list ? mergeConversations(list, changed, gone) : list));
    } catch (e) {
      setError(errorText(e));
    }
  }, []);

  // Layout effect, like the app's state: the first screen renders without waiting a frame for the list.
  useLayoutEffect(() => {
    load();
    // The cache shows first; the network catches up, unless the live stream already has (worker's catch-up.ts).
    void call('conversations.refresh', { ifBehind: true }).catch(() => undefined);
    return subscribeUpdates((update) => {
      // A few named conversations changed (a message came in): fetch those and merge them into the list.
      if (update.kind === 'conversations' && update.topics !== 'all' && update.topics.length <= 20) {
        if (fullLoads.current.running > 0) fullLoads.current.again = true;
        else void mergeChanged(update.topics);
      } else if (update.kind === 'conversations' || update.kind === 'state') load();
    });
  }, [load, mergeChanged]);

  /** A conversation the popup itself just changed, merged at once. */
  const merge = useCallback(
    (updated: ConversationRecord) =>
      setConversations((list) => (list ? mergeConversations(list, [updated]) : list)),
    [],
  );

  return { conversations, load, merge, mergeChanged };
}
