// The popup: one screen at a time, chosen from the vault state (onboarding, unlock) or by navigation
// (inbox, thread, new conversation, settings). Escape goes back; "?" lists the keyboard shortcuts; updates
// from the background re-render.
import type { ShownError } from '@/ui/error-text';
import { Fragment } from 'preact';
import { useCallback, useEffect, useLayoutEffect, useState } from 'preact/hooks';
import type { InboxState } from '@/extension/inbox/contract';
import { call, subscribeUpdates } from './rpc';
import { errorText } from './format';
import { ShortcutsDialog } from './components/shortcuts';
import { PeerNamesContext } from './components/peer';
import { backgroundPeerNames } from './peer-names';
import { takePrefetchedState } from './prefetch';
import { isTyping } from './inbox-keys';
import { Inbox, type InboxView } from './screens/inbox';
import { NewConversation } from './screens/new-conversation';
import { Onboarding } from './screens/onboarding';
import { Settings } from './screens/settings';
import { Thread } from './screens/thread';
import { Unlock } from './screens/unlock';

export type Route =
  | { name: 'inbox' }
  /** `focus`: a message to scroll to and mark (a search result). */
  | { name: 'thread'; topic: string; focus?: string }
  | { name: 'new' }
  | { name: 'settings' }
  /** Another account, from the header's account switcher. */
  | { name: 'add-account' };

export function App() {
  const [state, setState] = useState<InboxState>();
  const [route, setRoute] = useState<Route>({ name: 'inbox' });
  const [error, setError] = useState<string | ShownError>();
  const [inboxView, setInboxView] = useState<InboxView>('inbox');
  const [shortcuts, setShortcuts] = useState(false);

  const reload = useCallback(() => {
    void takePrefetchedState()
      .then((early) => early ?? call('state.get', {}))
      .then(
        (next) => {
          setState(next);
          setError(undefined);
        },
        (e) => setError(errorText(e)),
      );
  }, []);

  // A layout effect: the first state request goes out in the same task as the first render, not a frame later
  // (Preact runs plain effects after the next paint), so the inbox is not delayed (npm run bench -- extension).
  useLayoutEffect(() => {
    reload();
    return subscribeUpdates((update) => {
      if (update.kind === 'state') reload();
    });
  }, [reload]);

  // Another account became active (switched, added, or the one shown was signed out): start again from its
  // inbox. A layout effect, so the old account's screen is never painted with the new account's state.
  const account = state?.address;
  useLayoutEffect(() => {
    setRoute({ name: 'inbox' });
    setInboxView('inbox');
  }, [account]);

  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key === '?' && !event.defaultPrevented && !isTyping(event)) {
        event.preventDefault();
        setShortcuts(true);
        return;
      }
      if (event.key !== 'Escape' || event.defaultPrevented) return;
      if (route.name !== 'inbox') {
        event.preventDefault();
        setRoute({ name: 'inbox' });
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [route]);

  if (!state) {
    return (
      <main class="screen center" aria-busy="true">
        {error ? <p role="alert">Cannot reach the background: {error}</p> : <p>Loading…</p>}
      </main>
    );
  }
  if (state.vault === 'empty') return <Onboarding state={state} onDone={setState} />;
  if (state.vault === 'locked') return <Unlock state={state} onUnlocked={setState} />;

  const go = setRoute;
  const screen = (() => {
    switch (route.name) {
      case 'thread':
        return <Thread topic={route.topic} focus={route.focus} state={state} go={go} />;
      case 'new':
        return <NewConversation go={go} />;
      case 'settings':
        return <Settings state={state} go={go} onState={setState} />;
      case 'add-account':
        return (
          <Onboarding state={state} onDone={setState} adding={{ onCancel: () => go({ name: 'inbox' }) }} />
        );
      default:
        return (
          <Inbox
            state={state}
            go={go}
            onState={setState}
            view={inboxView}
            onView={setInboxView}
            onShortcuts={() => setShortcuts(true)}
          />
        );
    }
  })();
  return (
    <PeerNamesContext.Provider value={backgroundPeerNames}>
      {/* Keyed by account: nothing one account's screens hold (list, search, scroll) carries over to another. */}
      <Fragment key={account}>{screen}</Fragment>
      {shortcuts ? <ShortcutsDialog onClose={() => setShortcuts(false)} /> : null}
    </PeerNamesContext.Provider>
  );
}
