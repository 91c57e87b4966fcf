// Several accounts in one browser (issue #17 item 3): one InboxService per account, each over its own vault,
// caches and storage (space-names.ts), all of them streaming at once. The InboxService the popup and dapp pages
// talk to is the active account's. Every account is kept under the one inbox password: an added account is
// stored under it, unlock opens them all and lock closes them all, so switching takes one click.
import type { InboxCache } from '@/extension/cache/cache';
import { ExtensionError } from '@/extension/errors';
import type { InboxService, InboxState, InboxUpdate } from '@/extension/inbox/contract';
import { readSettings, writeSettings } from '@/extension/inbox/settings';
import { shortAddress } from '@/extension/names/short-address';
import type { KeyValueArea } from '@/extension/storage-area';
import type { Vault } from '@/extension/vault/vault';
import type { AccountSummary, AddAccountInput, MultiAccountInbox } from './contract';
import {
  FIRST_ACCOUNT,
  isAccountId,
  newAccountId,
  readRegistry,
  withoutAccount,
  writeRegistry,
  type Registry,
} from './registry';

/** One account's service and what it is built on. */
export interface AccountSpace {
  id: string;
  service: InboxService;
  vault: Vault;
  /** The account's cache as stored (the badge counts from it). */
  cache: InboxCache;
  /** The account's part of browser.storage.local. */
  local: KeyValueArea;
  /**
   * Deletes what is left of a signed-out account whose space is dropped: its (emptied) databases and its unmute
   * alarm. The space cannot be used after.
   */
  erase?(): Promise<void>;
}

export interface AccountsDeps {
  /** browser.storage.local: where the list of accounts lives. */
  local: KeyValueArea;
  /** Builds an account's space; called once per account while the worker runs. */
  openSpace(id: string): AccountSpace;
  /** An account was signed out and its data wiped: forget what else belongs to it (its dapp grants). */
  onRemoved?(space: AccountSpace): Promise<void>;
  newId?: () => string;
}

export interface Accounts {
  inbox: MultiAccountInbox;
  active(): Promise<AccountSpace>;
  /** The active account's space as last known: the first account's until the list is read at start. */
  current(): AccountSpace;
  /** browser.storage.local as the active account sees it, whichever that is at each call (its dapp grants). */
  activeLocal: KeyValueArea;
  /** How a notification names the account `id` (its short address), or '' while there is only one account. */
  label(id: string): Promise<string>;
}

/** What the active account's service answers without anything of the others. */
type Forwarded = Exclude<
  keyof InboxService,
  'unlock' | 'lock' | 'changePassword' | 'signOut' | 'resume' | 'expireMutes' | 'subscribe'
>;
// A record, not a list, so the compiler names any operation of the contract left out here.
const FORWARDED: Record<Forwarded, true> = {
  state: true,
  checkNode: true,
  findWalletTabs: true,
  linkWallet: true,
  createLocalKey: true,
  importKey: true,
  exportBackup: true,
  restoreBackup: true,
  listConversations: true,
  getConversation: true,
  listMessages: true,
  searchMessages: true,
  send: true,
  loadAttachment: true,
  peerNames: true,
  resolveName: true,
  peerAvatar: true,
  retry: true,
  newConversation: true,
  canMessage: true,
  setConsent: true,
  setConsentMany: true,
  conversationCounts: true,
  markRead: true,
  refresh: true,
  pin: true,
  mute: true,
  archive: true,
  markUnread: true,
  markAllRead: true,
  setDraft: true,
  getSettings: true,
  updateSettings: true,
  touch: true,
  signWithWallet: true,
};

export function createAccounts(deps: AccountsDeps): Accounts {
  const spaces = new Map<string, AccountSpace>();
  const listeners = new Set<(update: InboxUpdate) => void>();
  let registry: Promise<Registry> | undefined;
  /** Known once the registry is read; spaces are opened only after, so every update can be routed. */
  let activeId: string | undefined;

  const emit = (update: InboxUpdate) => {
    for (const listener of listeners) listener(update);
  };

  // The popup and dapp pages see the active account's updates; another account's changes only move the
  // switcher's unread counts. A wallet's signature prompt shows whichever account asked (one being added).
  function route(id: string, update: InboxUpdate) {
    if (id === activeId || update.kind === 'signature' || update.kind === 'signature_done') emit(update);
    else if (update.kind === 'conversations' || update.kind === 'state')
      emit({ kind: 'accounts', switched: false });
  }

  function space(id: string): AccountSpace {
    let found = spaces.get(id);
    if (!found) {
      found = deps.openSpace(id);
      spaces.set(id, found);
      found.service.subscribe((update) => route(id, update));
    }
    return found;
  }

  const loadRegistry = () =>
    (registry ??= readRegistry(deps.local).then((read) => {
      activeId = read.active;
      return read;
    }));

  // Switching, adding and signing out change the registry one at a time.
  let changing: Promise<unknown> = Promise.resolve();
  function serial<T>(work: () => Promise<T>): Promise<T> {
    const run = changing.then(work, work);
    changing = run.catch(() => undefined);
    return run;
  }

  async function saveRegistry(next: Registry) {
    await writeRegistry(deps.local, next);
    registry = Promise.resolve(next);
    activeId = next.active;
  }

  async function active(): Promise<AccountSpace> {
    return space((await loadRegistry()).active);
  }

  async function all(): Promise<AccountSpace[]> {
    return (await loadRegistry()).ids.map(space);
  }

  /** Tells the popup and the dapp layer that another account is active now. */
  async function switched(): Promise<InboxState> {
    const current = await active();
    if (await current.vault.isUnlocked()) await current.vault.touch();
    emit({ kind: 'accounts', switched: true });
    emit({ kind: 'state' });
    emit({ kind: 'conversations', topics: 'all' });
    return current.service.state();
  }

  async function summary(id: string, activeNow: string): Promise<AccountSummary> {
    const { service, cache } = space(id);
    const state = await service.state();
    const unread = state.vault === 'unlocked' ? await cache.totalUnread().catch(() => 0) : 0;
    return {
      id,
      ...(state.address ? { address: state.address } : {}),
      ...(state.identity ? { identity: state.identity } : {}),
      active: id === activeNow,
      vault: state.vault,
      unread,
    };
  }

  async function createIdentity(added: AccountSpace, input: AddAccountInput): Promise<InboxState> {
    const common = {
      password: input.password,
      nodes: input.nodes,
      ...(input.storeOnNetwork === undefined ? {} : { storeOnNetwork: input.storeOnNetwork }),
    };
    switch (input.method) {
      case 'wallet':
        return added.service.linkWallet({ ...common, tabId: input.tabId });
      case 'local':
        return added.service.createLocalKey(common);
      case 'import':
        return added.service.importKey({ ...common, keyBundle: input.keyBundle });
      default:
        throw new ExtensionError('invalid_method', 'add an account by wallet, local key or import');
    }
  }

  /** Returns the new account's id; it is not in the registry yet. */
  async function addAccount(input: AddAccountInput): Promise<string> {
    const current = await active();
    if (!(await current.vault.isUnlocked()))
      throw new ExtensionError('vault_locked', 'unlock the inbox before adding an account');
    // The added account is kept under the same password, so one unlock opens every account: check it first.
    await current.vault.unlock(input.password);
    const id = (deps.newId ?? newAccountId)();
    const added = space(id);
    // The new account starts with the current one's preferences; its nodes are the ones chosen for it.
    await writeSettings(added.local, { ...(await readSettings(current.local)), nodes: input.nodes });
    try {
      const state = await createIdentity(added, input);
      const known = await Promise.all((await all()).map((other) => other.service.state()));
      if (known.some((other) => other.address === state.address))
        throw new ExtensionError(
          'account_exists',
          `${state.address} is already an account here: switch to it`,
        );
      return id;
    } catch (error) {
      await added.service.signOut().catch(() => undefined);
      spaces.delete(id);
      throw error;
    }
  }

  const forwarded = Object.fromEntries(
    Object.keys(FORWARDED).map((name) => [
      name,
      async (...args: unknown[]) =>
        ((await active()).service[name as Forwarded] as (...a: unknown[]) => unknown)(...args),
    ]),
  ) as Pick<InboxService, Forwarded>;

  const inbox: MultiAccountInbox = {
    ...forwarded,

    async unlock(password) {
      const current = await active();
      const state = await current.service.unlock(password);
      // The others open in the background (a key derivation each); one kept under another password stays
      // locked, and opens when switched to.
      void Promise.all(
        (await all())
          .filter((other) => other !== current)
          .map(async (other) => {
            if ((await other.vault.exists()) && !(await other.vault.isUnlocked()))
              await other.service.unlock(password).catch(() => undefined);
          }),
      ).then(() => emit({ kind: 'accounts', switched: false }));
      return state;
    },

    async lock() {
      const current = await active();
      for (const other of await all()) if (other !== current) await other.service.lock();
      return current.service.lock();
    },

    async changePassword(oldPassword, newPassword) {
      const current = await active();
      await current.service.changePassword(oldPassword, newPassword);
      for (const other of await all()) {
        if (other === current || !(await other.vault.exists())) continue;
        await other.service.changePassword(oldPassword, newPassword).catch(() => undefined);
      }
    },

    signOut: () =>
      serial(async () => {
        const before = await loadRegistry();
        const leaving = space(before.active);
        await leaving.service.signOut();
        await deps.onRemoved?.(leaving);
        const next = withoutAccount(before, leaving.id);
        await saveRegistry(next);
        // The first account left alone stays, empty, as the next onboarding's place; any other account goes.
        if (!next.ids.includes(leaving.id)) {
          spaces.delete(leaving.id);
          await leaving.erase?.();
        }
        return switched();
      }),

    async resume() {
      await Promise.all((await all()).map((each) => each.service.resume()));
    },

    async expireMutes() {
      await Promise.all((await all()).map((each) => each.service.expireMutes()));
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async listAccounts() {
      const { ids, active: activeNow } = await loadRegistry();
      return Promise.all(ids.map((id) => summary(id, activeNow)));
    },

    switchAccount: (id) =>
      serial(async () => {
        const before = await loadRegistry();
        if (!isAccountId(id) || !before.ids.includes(id))
          throw new ExtensionError('unknown_account', 'no such account in this browser');
        if (id !== before.active) await saveRegistry({ ids: before.ids, active: id });
        return switched();
      }),

    addAccount: (input) =>
      serial(async () => {
        if (!input || typeof input !== 'object' || typeof input.password !== 'string')
          throw new ExtensionError('invalid_input', 'the inbox password is needed to add an account');
        const id = await addAccount(input);
        const before = await loadRegistry();
        await saveRegistry({ ids: [...before.ids, id], active: id });
        return switched();
      }),
  };

  return {
    inbox,
    active,
    current: () => space(activeId ?? FIRST_ACCOUNT),
    activeLocal: {
      get: async (key) => (await active()).local.get(key),
      set: async (items) => (await active()).local.set(items),
      remove: async (keys) => (await active()).local.remove(keys),
    },
    async label(id) {
      const { ids } = await loadRegistry();
      if (ids.length < 2) return '';
      const { address } = await space(id).service.state();
      return address ? shortAddress(address) : '';
    },
  };
}
