// The inbox: conversations from the cache (so it opens on data), searchable by address or last message,
// with message requests (unknown consent) kept apart until allowed or denied.
import { useCallback, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { ConversationRecord } from '@/extension/cache/records';
import type { InboxState } from '@/extension/inbox-service';
import type { Route } from '@/ui/app';
import { ConversationRow, ROW_HEIGHT } from '@/ui/components/conversation-row';
import { ErrorNote } from '@/ui/components/field';
import { GearIcon, LockIcon, PenIcon } from '@/ui/components/icons';
import { Identicon } from '@/ui/components/identicon';
import { VirtualList } from '@/ui/components/virtual-list';
import { mergeConversations } from '@/ui/conversation-list';
import { errorText, shortAddress } from '@/ui/format';
import { takePrefetchedConversations } from '@/ui/prefetch';
import { call, subscribeUpdates } from '@/ui/rpc';

export const LIST_RECEIVED = 'xmtp-inbox:list-received';
export const LIST_RENDERED = 'xmtp-inbox:list-rendered';
/** The whole list (after the prefetched first screen) is in place. */
export const FULL_LIST_RENDERED = 'xmtp-inbox:full-list-rendered';

export function matches(conversation: ConversationRecord, query: string): boolean {
  if (!query) return true;
  const q = query.toLowerCase();
  return (
    conversation.peerAddress.toLowerCase().includes(q) ||
    (conversation.lastMessage?.preview.toLowerCase().includes(q) ?? false)
  );
}

export function Inbox({
  state,
  go,
  onState,
}: {
  state: InboxState;
  go(route: Route): void;
  onState(s: InboxState): void;
}) {
  const [conversations, setConversations] = useState<ConversationRecord[]>();
  const [query, setQuery] = useState('');
  const [showRequests, setShowRequests] = useState(false);
  const [error, setError] = useState<string>();

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
    void call('conversations.refresh', {}).catch(() => undefined); // the cache shows first; the network catches up
    return subscribeUpdates((update) => {
      // A few named conversations changed (a message came in): fetch those and merge them into the list.
      if (update.kind === 'conversations' && update.topics !== 'all' && update.topics.length <= 20) {
        if (fullLoads.current.running > 0) fullLoads.current.again = true;
        else void mergeChanged(update.topics);
      } else if (update.kind === 'conversations' || update.kind === 'state') load();
    });
  }, [load, mergeChanged]);

  const { inbox, requests } = useMemo(() => {
    const inbox: ConversationRecord[] = [];
    const requests: ConversationRecord[] = [];
    for (const c of conversations ?? []) {
      if (!matches(c, query)) continue;
      if (c.consent === 'allowed') inbox.push(c);
      else if (c.consent === 'unknown') requests.push(c);
    }
    return { inbox, requests };
  }, [conversations, query]);

  const open = useCallback((topic: string) => go({ name: 'thread', topic }), [go]);
  const consent = (topic: string, value: 'allowed' | 'denied') =>
    call('conversations.setConsent', { topic, consent: value }).then(load, (e) => setError(errorText(e)));

  return (
    <main class="screen inbox">
      <header class="bar">
        {state.address ? <Identicon address={state.address} size={28} /> : null}
        <h1 title={state.address}>{state.address ? shortAddress(state.address) : 'Inbox'}</h1>
        <span class={state.online ? 'online' : 'offline'} title={state.online ? 'Connected' : 'Offline'}>
          <span class="dot" aria-hidden="true" />
          <span class="sr-only">{state.online ? 'Connected' : 'Offline'}</span>
        </span>
        <span class="spacer" />
        <button
          type="button"
          class="icon"
          aria-label="New conversation"
          title="New conversation"
          onClick={() => go({ name: 'new' })}
        >
          <PenIcon />
        </button>
        <button
          type="button"
          class="icon"
          aria-label="Settings"
          title="Settings"
          onClick={() => go({ name: 'settings' })}
        >
          <GearIcon />
        </button>
        <button
          type="button"
          class="icon"
          aria-label="Lock"
          title="Lock"
          onClick={() => call('vault.lock', {}).then(onState, (e) => setError(errorText(e)))}
        >
          <LockIcon />
        </button>
      </header>
      <div class="search">
        <input
          type="search"
          placeholder="Search address or message"
          aria-label="Search conversations"
          value={query}
          onInput={(e) => setQuery(e.currentTarget.value)}
        />
      </div>
      <ErrorNote error={error} />
      {requests.length > 0 ? (
        <section class="requests" aria-label="Message requests">
          <button
            type="button"
            class="requests-toggle"
            aria-expanded={showRequests}
            onClick={() => setShowRequests(!showRequests)}
          >
            Requests <span class="badge">{requests.length}</span>
          </button>
          {showRequests ? (
            <ul class="request-list">
              {requests.map((c) => (
                <li key={c.topic} class="request">
                  <ConversationRow conversation={c} onOpen={open} />
                  <span class="request-actions">
                    <button type="button" onClick={() => consent(c.topic, 'allowed')}>
                      Allow
                    </button>
                    <button type="button" class="danger" onClick={() => consent(c.topic, 'denied')}>
                      Deny
                    </button>
                  </span>
                </li>
              ))}
            </ul>
          ) : null}
        </section>
      ) : null}
      {conversations === undefined ? (
        <p class="muted center">Loading…</p>
      ) : inbox.length === 0 ? (
        <div class="empty center">
          <p>{query ? 'No conversation matches.' : 'No conversations yet.'}</p>
          {query ? null : (
            <button type="button" class="primary" onClick={() => go({ name: 'new' })}>
              Start a conversation
            </button>
          )}
        </div>
      ) : (
        <VirtualList
          items={inbox}
          rowHeight={ROW_HEIGHT}
          label="Conversations"
          render={(c) => <ConversationRow conversation={c} onOpen={open} />}
        />
      )}
    </main>
  );
}
