// The inbox header's account switcher (issue #17 item 3): the active account's picture and short address, as a
// button. Its menu lists every account of this browser with its unread count (one click switches) and ends with
// "Add account…". A dot on the button says another account has unread messages. The counts come from the
// background, which tells the popup ('accounts' updates) when another account's inbox changes.
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import type { AccountSummary } from '@/extension/accounts/contract';
import type { InboxState } from '@/extension/inbox/contract';
import { ActionsMenu, type MenuAnchor, type MenuEntry } from '@/ui/components/actions-menu';
import { CaretIcon, PlusIcon } from '@/ui/components/icons';
import { Identicon } from '@/ui/components/identicon';
import { errorText, shortAddress, type ShownError } from '@/ui/format';
import { isTyping } from '@/ui/inbox-keys';
import { call, subscribeUpdates } from '@/ui/rpc';

/** Another account's messages arrive in bursts; one reload of the counts per burst is enough. */
const RELOAD_DELAY_MS = 250;

type Choice = MenuEntry & ({ kind: 'switch'; id: string } | { kind: 'add' });

function unreadText(unread: number): string {
  return unread === 0 ? '' : unread === 1 ? '1 unread' : `${unread} unread`;
}

function accountName(account: AccountSummary): string {
  return account.address ? shortAddress(account.address) : 'New account';
}

/** Every account, reloaded (debounced) when the background says one changed. */
function useAccounts(onError: (error: string | ShownError) => void) {
  const [accounts, setAccounts] = useState<AccountSummary[]>();
  // The latest callback, without making `load` (and the subscription) new on every render.
  const reportError = useRef(onError);
  reportError.current = onError;
  const load = useCallback(
    () => call('accounts.list', {}).then(setAccounts, (e) => reportError.current(errorText(e))),
    [],
  );
  useEffect(() => {
    void load();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const stop = subscribeUpdates((update) => {
      // The active account's own count is re-read when the menu opens.
      if (update.kind !== 'accounts') return;
      clearTimeout(timer);
      timer = setTimeout(() => void load(), RELOAD_DELAY_MS);
    });
    return () => {
      clearTimeout(timer);
      stop();
    };
  }, [load]);
  return { accounts, load };
}

export function AccountSwitcher({
  state,
  onSwitched,
  onAdd,
  onError,
}: {
  state: InboxState;
  /** The background switched accounts: the popup shows the new active one. */
  onSwitched(state: InboxState): void;
  /** "Add account…" was chosen. */
  onAdd(): void;
  onError(error: string | ShownError): void;
}) {
  const { accounts, load } = useAccounts(onError);
  const [menu, setMenu] = useState<MenuAnchor>();
  const [busy, setBusy] = useState(false);
  const button = useRef<HTMLButtonElement>(null);

  const openMenu = useCallback(() => {
    void load();
    setMenu((open) => (open ? undefined : { trigger: button.current!, align: 'start' }));
  }, [load]);
  // Shift+A opens the menu from anywhere in the inbox (listed under "?").
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.key !== 'A' || !event.shiftKey || event.defaultPrevented || isTyping(event)) return;
      event.preventDefault();
      openMenu();
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, [openMenu]);

  const others = accounts?.filter((a) => !a.active) ?? [];
  const othersUnread = others.reduce((n, a) => n + a.unread, 0);
  const name = state.address ? shortAddress(state.address) : 'Inbox';

  const items: Choice[] = [
    ...(accounts ?? []).map((account): Choice => ({
      kind: 'switch',
      id: account.id,
      label: accountName(account),
      detail: account.vault === 'locked' ? 'locked' : unreadText(account.unread),
      checked: account.active,
      ...(account.address ? { icon: <Identicon address={account.address} size={20} /> } : {}),
    })),
    { kind: 'add', label: 'Add account…', icon: <PlusIcon size={20} />, group: true },
  ];

  const pick = async (choice: Choice) => {
    if (choice.kind === 'add') return onAdd();
    if (choice.checked) return;
    setBusy(true);
    try {
      onSwitched(await call('accounts.switch', { id: choice.id }));
    } catch (e) {
      onError(errorText(e));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <h1 title={state.address}>
        <button
          ref={button}
          type="button"
          class="account-switcher"
          aria-haspopup="menu"
          aria-expanded={menu !== undefined}
          aria-label={`Account ${name}${othersUnread ? `, ${unreadText(othersUnread)} in other accounts` : ''}: switch or add an account`}
          disabled={busy}
          onClick={openMenu}
        >
          {state.address ? <Identicon address={state.address} size={28} /> : null}
          <span class="name">{name}</span>
          {othersUnread ? <span class="others-unread" aria-hidden="true" /> : null}
          <CaretIcon />
        </button>
      </h1>
      {menu ? (
        <ActionsMenu
          anchor={menu}
          label="Accounts"
          items={items}
          onPick={(choice) => void pick(choice)}
          onClose={() => setMenu(undefined)}
        />
      ) : null}
    </>
  );
}
