// The inbox: conversations from the cache (so it opens on data), searchable by address or last message,
// with message requests (unknown consent) kept apart until allowed or denied, and archived ones in a view of
// their own. Every row has a "⋯" menu (pin, mute, archive, read state) and the whole list works from the
// keyboard (the shortcuts are listed under "?", components/shortcuts.tsx).
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { ConversationRecord } from '@/extension/cache/records';
import type { InboxState } from '@/extension/inbox-service';
import type { Route } from '@/ui/app';
import { ActionsMenu, type MenuAnchor } from '@/ui/components/actions-menu';
import { MessageResults, type MessageSearch } from '@/ui/components/message-results';
import { ConversationRow, ROW_HEIGHT } from '@/ui/components/conversation-row';
import { ErrorNote } from '@/ui/components/field';
import {
  ArchiveIcon,
  BackIcon,
  CheckAllIcon,
  GearIcon,
  KeyboardIcon,
  LockIcon,
  PenIcon,
} from '@/ui/components/icons';
import { actionForKey, actionsFor, type ConversationAction } from '@/ui/conversation-actions';
import { runAction } from '@/ui/run-action';
import { Identicon } from '@/ui/components/identicon';
import { VirtualList } from '@/ui/components/virtual-list';
import { mergeConversations } from '@/ui/conversation-list';
import { errorText, shortAddress, type ShownError } from '@/ui/format';
import { takePrefetchedConversations } from '@/ui/prefetch';
import { call, subscribeUpdates } from '@/ui/rpc';

export const LIST_RECEIVED = 'xmtp-inbox:list-received';
export const LIST_RENDERED = 'xmtp-inbox:list-rendered';
/** The whole list (after the prefetched first screen) is in place. */
export const FULL_LIST_RENDERED = 'xmtp-inbox:full-list-rendered';

/** Queries shorter than this search conversations only (one letter would match most messages). */
const MIN_MESSAGE_QUERY = 2;

/** Full-text results for the search box, from the worker's index, a moment after typing stops. */
function useMessageSearch(query: string): MessageSearch | undefined {
  const [found, setFound] = useState<{ query: string; search: MessageSearch }>();
  const text = query.trim();
  useEffect(() => {
    if (text.length < MIN_MESSAGE_QUERY) return;
    let current = true;
    const timer = setTimeout(() => {
      call('messages.search', { query: text }).then(
        (result) => current && setFound({ query: text, search: { state: 'done', ...result } }),
        (e) => current && setFound({ query: text, search: { state: 'failed', error: errorText(e) } }),
      );
    }, 120);
    return () => {
      current = false;
      clearTimeout(timer);
    };
  }, [text]);
  if (text.length < MIN_MESSAGE_QUERY) return undefined;
  return found?.query === text ? found.search : { state: 'searching' };
}

export function matches(conversation: ConversationRecord, query: string): boolean {
  if (!query) return true;
  const q = query.toLowerCase();
  return (
    conversation.peerAddress.toLowerCase().includes(q) ||
    (conversation.lastMessage?.preview.toLowerCase().includes(q) ?? false)
  );
}

/** Whether a key event comes from a place where letters are typed (then single-letter shortcuts stay off). */
export function isTyping(event: KeyboardEvent): boolean {
  const target = event.target as HTMLElement | null;
  return !!target && (target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName));
}

/** The inbox's own view: the list, or the archived conversations. */
export type InboxView = 'inbox' | 'archived';

export function Inbox({
  state,
  go,
  onState,
  onShortcuts,
  view = 'inbox',
  onView,
}: {
  state: InboxState;
  go(route: Route): void;
  onState(s: InboxState): void;
  /** Opens the keyboard shortcut list. */
  onShortcuts?(): void;
  view?: InboxView;
  onView?(view: InboxView): void;
}) {
  const [conversations, setConversations] = useState<ConversationRecord[]>();
  const [query, setQuery] = useState('');
  const [showRequests, setShowRequests] = useState(false);
  const [selected, setSelected] = useState<ReadonlySet<string>>(new Set());
  const [menu, setMenu] = useState<{ topic: string; anchor: MenuAnchor }>();
  const [focusRow, setFocusRow] = useState<{ index: number; seq: number }>();
  const [error, setError] = useState<string | ShownError>();
  const search = useRef<HTMLInputElement>(null);
  const setView = (next: InboxView) => onView?.(next);

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

  const { inbox, requests, archived } = useMemo(() => {
    const inbox: ConversationRecord[] = [];
    const requests: ConversationRecord[] = [];
    const archived: ConversationRecord[] = [];
    for (const c of conversations ?? []) {
      if (!matches(c, query) || c.consent === 'denied') continue;
      if (c.archivedAt !== undefined) archived.push(c);
      else if (c.consent === 'allowed') inbox.push(c);
      else requests.push(c);
    }
    return { inbox, requests, archived };
  }, [conversations, query]);
  const rows = view === 'archived' ? archived : inbox;
  const found = useMessageSearch(query);
  const byTopic = useMemo(() => new Map((conversations ?? []).map((c) => [c.topic, c])), [conversations]);

  const open = useCallback((topic: string) => go({ name: 'thread', topic }), [go]);
  const consent = (topic: string, value: 'allowed' | 'denied') =>
    call('conversations.setConsent', { topic, consent: value }).then(load, (e) => setError(errorText(e)));
  const consentSelected = async (value: 'allowed' | 'denied') => {
    const topics = requests.filter((c) => selected.has(c.topic)).map((c) => c.topic);
    // One at a time: each tells the network; a failure stops there and says which one.
    for (const topic of topics) {
      try {
        await call('conversations.setConsent', { topic, consent: value });
      } catch (e) {
        setError(errorText(e));
        break;
      }
    }
    setSelected(new Set());
    load();
  };

  const act = useCallback(
    async (topic: string, action: ConversationAction) => {
      setError(undefined);
      try {
        const updated = await runAction(topic, action);
        if (updated) setConversations((list) => (list ? mergeConversations(list, [updated]) : list));
        else if (action.kind === 'read') void mergeChanged([topic]);
      } catch (e) {
        setError(errorText(e));
      }
    },
    [mergeChanged],
  );
  const openMenu = useCallback(
    (topic: string, trigger: HTMLElement) => setMenu({ topic, anchor: { trigger } }),
    [],
  );
  const closeMenu = useCallback(() => setMenu(undefined), []);
  const menuFor = menu && conversations?.find((c) => c.topic === menu.topic);

  const markAllRead = () => call('conversations.markAllRead', {}).then(load, (e) => setError(errorText(e)));

  // The row that has focus (its button or its "⋯"), as an index into the rows shown.
  const focusedIndex = (): number | undefined => {
    const li = (document.activeElement as HTMLElement | null)?.closest?.('.virtual-list li[data-index]');
    return li ? Number((li as HTMLElement).dataset.index) : undefined;
  };
  const moveFocus = (index: number) => {
    if (!rows.length) return;
    setFocusRow((f) => ({ index: Math.max(0, Math.min(rows.length - 1, index)), seq: (f?.seq ?? 0) + 1 }));
  };

  // The inbox's keys. Letters only outside text fields (Alt+letter works inside them too); a menu or dialog
  // that is open takes its keys first.
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.isComposing) return;
      const typing = isTyping(event);
      const inSearch = event.target === search.current;
      const index = focusedIndex();
      const letter = event.altKey ? event.code.replace(/^Key/, '').toLowerCase() : event.key;
      if (typing && !event.altKey) {
        if (inSearch && event.key === 'ArrowDown') {
          event.preventDefault();
          moveFocus(0);
        } else if (inSearch && event.key === 'Escape' && query) {
          event.preventDefault();
          setQuery('');
        }
        return;
      }
      const handled = (() => {
        switch (letter) {
          case '/':
            search.current?.focus();
            search.current?.select();
            return true;
          case 'j':
          case 'ArrowDown':
            moveFocus(index === undefined ? 0 : index + 1);
            return true;
          case 'k':
          case 'ArrowUp':
            if (index === 0) search.current?.focus();
            else moveFocus(index === undefined ? 0 : index - 1);
            return true;
          case 'R':
            if (!event.shiftKey) return false;
            void markAllRead();
            return true;
          case 'a':
            setView(view === 'archived' ? 'inbox' : 'archived');
            return true;
          case 'c':
            go({ name: 'new' });
            return true;
          case 'Escape':
            if (view !== 'archived') return false;
            setView('inbox');
            return true;
        }
        const conversation = index === undefined ? undefined : rows[index];
        if (!conversation) return false;
        if (letter === '.' || (event.shiftKey && event.key === 'F10') || event.key === 'ContextMenu') {
          const trigger = document.querySelector<HTMLElement>(
            `.virtual-list li[data-index="${index}"] .more`,
          );
          if (trigger) openMenu(conversation.topic, trigger);
          return true;
        }
        const action = actionForKey(letter, conversation, Date.now());
        if (!action) return false;
        void act(conversation.topic, action).then(() => moveFocus(index!));
        return true;
      })();
      if (handled) event.preventDefault();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  });

  const unreadTotal = inbox.reduce((n, c) => n + (c.unread > 0 ? 1 : 0), 0);
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
          aria-label="Mark all as read"
          title="Mark all as read (Shift+R)"
          disabled={unreadTotal === 0 && !requests.some((c) => c.unread > 0)}
          onClick={markAllRead}
        >
          <CheckAllIcon />
        </button>
        <button
          type="button"
          class="icon"
          aria-label="New conversation"
          title="New conversation (C)"
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
          ref={search}
          type="search"
          placeholder="Search address or message"
          aria-label="Search conversations"
          value={query}
          onInput={(e) => setQuery(e.currentTarget.value)}
          // Builds the worker's message index while the person types their first word.
          onFocus={() => void call('messages.search', { query: '' }).catch(() => undefined)}
        />
        {query ? null : (
          <kbd class="search-key" aria-hidden="true" title="Press / to search">
            /
          </kbd>
        )}
      </div>
      <ErrorNote error={error} />
      {found ? (
        <MessageResults
          search={found}
          conversations={byTopic}
          onOpen={(hit) => go({ name: 'thread', topic: hit.topic, focus: hit.id })}
        />
      ) : null}
      {view === 'archived' ? (
        <div class="view-title row">
          <button
            type="button"
            class="icon"
            aria-label="Back to the inbox"
            title="Back to the inbox (Esc)"
            onClick={() => setView('inbox')}
          >
            <BackIcon />
          </button>
          <h2>Archived</h2>
          <span class="muted">{archived.length}</span>
        </div>
      ) : requests.length > 0 ? (
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
            <>
              <div class="bulk row">
                <label class="choice">
                  <input
                    type="checkbox"
                    aria-label="Select all requests"
                    checked={requests.every((c) => selected.has(c.topic))}
                    onChange={(e) =>
                      setSelected(new Set(e.currentTarget.checked ? requests.map((c) => c.topic) : []))
                    }
                  />
                  <span class="muted">{selected.size ? `${selected.size} selected` : 'Select all'}</span>
                </label>
                <span class="spacer" />
                {selected.size ? (
                  <>
                    <button type="button" onClick={() => consentSelected('allowed')}>
                      Allow {selected.size}
                    </button>
                    <button type="button" class="danger" onClick={() => consentSelected('denied')}>
                      Deny {selected.size}
                    </button>
                  </>
                ) : null}
              </div>
              <ul class="request-list">
                {requests.map((c) => (
                  <li key={c.topic} class="request">
                    <input
                      type="checkbox"
                      class="request-select"
                      aria-label={`Select ${shortAddress(c.peerAddress)}`}
                      checked={selected.has(c.topic)}
                      onChange={(e) => {
                        const next = new Set(selected);
                        if (e.currentTarget.checked) next.add(c.topic);
                        else next.delete(c.topic);
                        setSelected(next);
                      }}
                    />
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
            </>
          ) : null}
        </section>
      ) : null}
      {conversations === undefined ? (
        <p class="muted center">Loading…</p>
      ) : rows.length === 0 && found?.state === 'done' && found.groups.length > 0 ? null : rows.length ===
        0 ? (
        <div class="empty center">
          <p>
            {query
              ? 'No conversation matches.'
              : view === 'archived'
                ? 'No archived conversations.'
                : 'No conversations yet.'}
          </p>
          {query || view === 'archived' ? null : (
            <button type="button" class="primary" onClick={() => go({ name: 'new' })}>
              Start a conversation
            </button>
          )}
        </div>
      ) : (
        <VirtualList
          items={rows}
          rowHeight={ROW_HEIGHT}
          label={view === 'archived' ? 'Archived conversations' : 'Conversations'}
          focus={focusRow}
          render={(c) => <ConversationRow conversation={c} onOpen={open} onMenu={openMenu} />}
        />
      )}
      <footer class="list-footer row">
        {view === 'archived' ? (
          <button type="button" class="link" onClick={() => setView('inbox')}>
            Back to the inbox
          </button>
        ) : (
          <button
            type="button"
            class="link archived-link"
            title="Archived conversations (A)"
            onClick={() => setView('archived')}
          >
            <ArchiveIcon size={14} /> Archived{archived.length ? ` (${archived.length})` : ''}
          </button>
        )}
        <span class="spacer" />
        <button
          type="button"
          class="link"
          aria-label="Keyboard shortcuts"
          title="Keyboard shortcuts (?)"
          onClick={() => onShortcuts?.()}
        >
          <KeyboardIcon size={16} /> <kbd>?</kbd>
        </button>
      </footer>
      {menu && menuFor ? (
        <ActionsMenu
          anchor={menu.anchor}
          label={`Actions for ${shortAddress(menuFor.peerAddress)}`}
          items={actionsFor(menuFor, Date.now())}
          onPick={(item) => void act(menuFor.topic, item.action)}
          onClose={closeMenu}
        />
      ) : null}
    </main>
  );
}
