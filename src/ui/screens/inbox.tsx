// The inbox: conversations from the cache (so it opens on data), searchable by address or last message,
// with message requests (unknown consent) kept apart until allowed or denied, and archived ones in a view of
// their own. Every row has a "⋯" menu (pin, mute, archive, read state) and the whole list works from the
// keyboard (the shortcuts are listed under "?", components/shortcuts.tsx).
import { useCallback, useEffect, useMemo, useRef, useState } from 'preact/hooks';
import type { ConversationRecord } from '@/extension/cache/records';
import type { InboxState } from '@/extension/inbox/contract';
import type { Route } from '@/ui/app';
import { AccountSwitcher } from '@/ui/components/account-switcher';
import { ActionsMenu, type MenuAnchor } from '@/ui/components/actions-menu';
import { MessageResults, type MessageSearch } from '@/ui/components/message-results';
import { ConversationRow, ROW_HEIGHT } from '@/ui/components/conversation-row';
import { MessageRequests } from '@/ui/components/message-requests';
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
import { actionsFor, type ConversationAction } from '@/ui/conversation-actions';
import { runAction } from '@/ui/run-action';
import { useInboxKeys } from '@/ui/inbox-keys';
import { VirtualList } from '@/ui/components/virtual-list';
import { errorText, shortAddress, type ShownError } from '@/ui/format';
import { call } from '@/ui/rpc';
import { useConversationList } from '@/ui/use-conversation-list';
import { useListingProgress } from '@/ui/use-listing-progress';

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

/**
 * The conversations the message results name, by topic: those the list holds, and the others asked of the
 * worker (the list holds only the rows loaded so far).
 */
function useConversationsOf(
  found: MessageSearch | undefined,
  held: readonly ConversationRecord[],
): ReadonlyMap<string, ConversationRecord> {
  const [fetched, setFetched] = useState<ReadonlyMap<string, ConversationRecord>>(new Map());
  const byTopic = useMemo(() => {
    const all = new Map(fetched);
    for (const c of held) all.set(c.topic, c);
    return all;
  }, [held, fetched]);
  const groups = found?.state === 'done' ? found.groups : undefined;
  useEffect(() => {
    const missing = (groups ?? []).map((g) => g.topic).filter((topic) => !byTopic.has(topic));
    if (!missing.length) return;
    let current = true;
    void Promise.all(missing.map((topic) => call('conversations.get', { topic }))).then(
      (records) => {
        if (!current) return;
        setFetched((before) => {
          const next = new Map(before);
          for (const c of records) if (c) next.set(c.topic, c);
          return next;
        });
      },
      () => undefined, // a group without its conversation shows as "Conversation"
    );
    return () => {
      current = false;
    };
  }, [groups]);
  return byTopic;
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
  const [query, setQuery] = useState('');
  const [menu, setMenu] = useState<{ topic: string; anchor: MenuAnchor }>();
  const [focusRow, setFocusRow] = useState<{ index: number; seq: number }>();
  const [error, setError] = useState<string | ShownError>();
  const search = useRef<HTMLInputElement>(null);
  const setView = (next: InboxView) => onView?.(next);

  // The rows of this view (and search) a page at a time, the requests and counts, all from the worker.
  const { conversations, loadMore, summary, moreRequests, load, merge } = useConversationList(setError, {
    view,
    query,
  });
  const { requests, counts } = summary;
  const rows = conversations ?? [];
  const found = useMessageSearch(query);
  const listing = useListingProgress();
  const byTopic = useConversationsOf(found, [...rows, ...requests]);

  const open = useCallback((topic: string) => go({ name: 'thread', topic }), [go]);
  const act = useCallback(
    async (topic: string, action: ConversationAction) => {
      setError(undefined);
      try {
        const updated = await runAction(topic, action);
        if (updated) merge(updated);
        else load();
      } catch (e) {
        setError(errorText(e));
      }
    },
    [merge, load],
  );
  const openMenu = useCallback(
    (topic: string, trigger: HTMLElement) => setMenu({ topic, anchor: { trigger } }),
    [],
  );
  const closeMenu = useCallback(() => setMenu(undefined), []);
  const menuFor = menu && (rows.find((c) => c.topic === menu.topic) ?? byTopic.get(menu.topic));

  const markAllRead = () => call('conversations.markAllRead', {}).then(load, (e) => setError(errorText(e)));

  useInboxKeys({ rows, search, query, setQuery, view, setView, go, markAllRead, openMenu, act, setFocusRow });

  const archivedCount = counts.archived.toLocaleString();
  return (
    <main class="screen inbox">
      <header class="bar">
        <AccountSwitcher
          state={state}
          onSwitched={onState}
          onAdd={() => go({ name: 'add-account' })}
          onError={setError}
        />
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
          disabled={counts.unread === 0}
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
      {listing !== undefined ? (
        <p class="listing muted" role="status">
          Getting your conversations from the network… {listing.toLocaleString()} so far
        </p>
      ) : null}
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
          <span class="muted">{archivedCount}</span>
        </div>
      ) : requests.length > 0 ? (
        <MessageRequests
          requests={requests}
          total={counts.requests}
          query={query}
          onMore={moreRequests}
          onOpen={open}
          onDone={load}
          onError={setError}
        />
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
          onEnd={loadMore}
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
            <ArchiveIcon size={14} /> Archived{counts.archived ? ` (${archivedCount})` : ''}
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
