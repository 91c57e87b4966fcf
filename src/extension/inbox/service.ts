// The InboxService over the vault, the cache and a ClientAdapter. Local state (vault, cache, settings) works on
// its own; everything that needs the network goes through one ClientSession, created from the vault's key
// bundle when needed (also after a worker restart, since the unlocked key survives in session storage).
import type { InboxCache } from '@/extension/cache/cache';
import type { ClientAdapter } from '@/extension/client-adapter';
import { ExtensionError } from '@/extension/errors';
import type { InboxService, InboxState, InboxUpdate } from '@/extension/inbox/contract';
import type { KeyValueArea } from '@/extension/storage-area';
import type { Vault } from '@/extension/vault/vault';
import type { TabWallet } from '@/extension/wallet/tab-wallet';
import { exportAccountBackup, restoreAccountBackup } from './account-backup';
import { createConversationActions } from './conversation-actions';
import { createSessionManager } from './session';
import { createStateSync } from './state-sync';
import { createSending } from './sending';
import { createCatchUp } from './catch-up';
import { createConversations } from './conversations';
import { ACCOUNT_KEY, createOnboarding, type Account } from './onboarding';
import { checkNodeHealth, readSettings, writeSettings } from './settings';
import { createMessageIndex } from '@/extension/search/message-index';
import { withSearchIndex } from '@/extension/search/indexed-cache';
import { secp256k1Status } from '@/protocol/secp256k1';
import { withAttachmentSummary } from '@/extension/attachments/attachment-content';
import type { PayloadCache } from '@/extension/attachments/payload-cache';
import { createInboxFiles } from './files';
import { createInboxNames } from './names';

export interface InboxServiceDeps {
  vault: Vault;
  cache: InboxCache;
  /** browser.storage.local: settings and the (public) account address. */
  local: KeyValueArea;
  adapter: ClientAdapter;
  wallet: TabWallet;
  fetch: typeof fetch;
  now?: () => number;
  /** Shows a system notification for an incoming message (when enabled in settings). */
  notify?(title: string, body: string): void;
  /** Removes every notification shown (on lock and sign out: they may name senders or quote messages). */
  clearNotifications?(): void;
  /** Downloaded remote-attachment payloads (default: none kept, each view downloads again). */
  payloads?: PayloadCache;
  /** Asks for expireMutes() at `at` (a browser alarm, so it also happens after a worker restart); undefined: never. */
  scheduleMuteExpiry?(at: number | undefined): void;
}

export function createInboxService(deps: InboxServiceDeps): InboxService {
  const { vault, local } = deps;
  // Every cache write also updates the in-memory full-text index (src/extension/search).
  const searchable = withSearchIndex(deps.cache, createMessageIndex());
  const { cache } = searchable;
  const now = deps.now ?? Date.now;
  const listeners = new Set<(update: InboxUpdate) => void>();

  function emit(update: InboxUpdate) {
    for (const listener of listeners) listener(update);
  }

  async function account(): Promise<Account | undefined> {
    return (await local.get(ACCOUNT_KEY))[ACCOUNT_KEY] as Account | undefined;
  }

  async function requireAccount(): Promise<Account> {
    // Read side by side (each a storage round trip, before every answer to the popup).
    const [unlocked, found] = await Promise.all([vault.isUnlocked(), account()]);
    if (!unlocked) throw new ExtensionError('vault_locked', 'the vault is locked');
    if (!found) throw new ExtensionError('no_account', 'no account: finish onboarding first');
    return found;
  }

  const files = createInboxFiles({
    cache,
    ...(deps.payloads ? { payloads: deps.payloads } : {}),
    fetch: deps.fetch,
    requireAccount,
  });
  const names = createInboxNames({ local, fetch: deps.fetch, now, emit, requireAccount });

  // Pins, mutes, archive, read state and drafts shared with this identity's other installs.
  const stateSync = createStateSync({
    cache,
    local,
    now,
    emit,
    onMutesChanged: () => conversationActions.expireMutes(),
  });

  const sessions = createSessionManager({
    onIncoming: files.onIncoming,
    vault,
    cache,
    local,
    adapter: deps.adapter,
    now,
    emit,
    requireAccount,
    ...(deps.notify ? { notify: deps.notify } : {}),
    sendsSettled: (topic) => sending.settled(topic),
    // What was sent while the stream was down comes in by a catch-up.
    onReconnect: () => void catchUp.refresh().catch(() => emit({ kind: 'state' })),
    // The index holds message text, the names who the user talks to: only while unlocked.
    onClose: () => {
      searchable.reset();
      names.clear();
      files.clear();
      stateSync.stop();
      catchUp.reset();
    },
    // After the session's first catch-up, so notes about conversations it lists find them in the cache.
    onAttach: (session) =>
      void service
        .refresh()
        .catch(() => undefined)
        .then(() => (sessions.current() === session ? stateSync.start(session) : undefined))
        .catch((error: unknown) => console.warn('inbox sync did not start:', error)),
  });
  const ensureSession = sessions.ensure;
  const closeSession = sessions.close;
  const sending = createSending({
    cache,
    local,
    now,
    emit,
    ensureSession,
    requireAccount,
    onDraftCleared: (topic) => stateSync.changed([topic]),
  });
  const catchUp = createCatchUp({
    cache,
    now,
    emit,
    ensureSession,
    requireAccount,
    connection: sessions.connection,
    whenLive: sessions.whenLive,
  });

  const onboarding = createOnboarding({
    vault,
    cache,
    local,
    adapter: deps.adapter,
    wallet: deps.wallet,
    emit,
    async started(session) {
      await closeSession();
      sessions.attach(session); // its onAttach starts the first catch-up
      return service.state();
    },
  });

  const backupDeps = { vault, cache, local, now, accountKey: ACCOUNT_KEY };
  const conversations = createConversations({
    cache,
    local,
    emit,
    ensureSession,
    requireAccount,
    sendReceipt: sending.sendReceipt,
    onChanged: stateSync.changed,
  });
  const conversationActions = createConversationActions({
    cache,
    now,
    emit,
    requireAccount,
    ...(deps.scheduleMuteExpiry ? { scheduleMuteExpiry: deps.scheduleMuteExpiry } : {}),
    onChanged: stateSync.changed,
  });

  const service: InboxService = {
    async state(): Promise<InboxState> {
      const [exists, unlocked, found, settings] = await Promise.all([
        vault.exists(),
        vault.isUnlocked(),
        account(),
        readSettings(local),
      ]);
      const listing = unlocked ? catchUp.listing() : undefined;
      return {
        vault: !exists ? 'empty' : unlocked ? 'unlocked' : 'locked',
        ...(exists && found ? { address: found.address, identity: found.identity } : {}),
        online: sessions.online(),
        settings,
        secp256k1: secp256k1Status(),
        ...(listing ? { listing } : {}),
      };
    },

    checkNode: (url) => checkNodeHealth(deps.fetch, url, now),

    findWalletTabs: () => deps.wallet.findTabs(),

    linkWallet: onboarding.linkWallet,
    createLocalKey: onboarding.createLocalKey,
    importKey: onboarding.importKey,

    async unlock(password) {
      await vault.unlock(password);
      // The network may be down; unlocking must not depend on it. The popup shows `online`. The refresh starts
      // the session and catches every conversation up on what arrived while the vault was locked.
      void service.refresh().catch(() => emit({ kind: 'state' }));
      emit({ kind: 'state' });
      return service.state();
    },

    async lock() {
      await vault.lock();
      cache.forgetOpened(); // the opened conversations go with the keys
      deps.clearNotifications?.();
      await closeSession();
      emit({ kind: 'state' });
      return service.state();
    },

    changePassword: (oldPassword, newPassword) => vault.changePassword(oldPassword, newPassword),

    async signOut() {
      deps.clearNotifications?.();
      await closeSession();
      await vault.wipe();
      await stateSync.forget();
      await cache.clear();
      await files.wipe();
      await deps.adapter.reset?.();
      await local.remove(ACCOUNT_KEY);
      emit({ kind: 'state' });
      return service.state();
    },

    async exportBackup(password, options) {
      const { address } = await requireAccount();
      return exportAccountBackup(backupDeps, address, password, options);
    },

    async restoreBackup(input) {
      const topics = await onboarding.exclusively(() => restoreAccountBackup(backupDeps, input));
      await closeSession();
      void service.refresh().catch(() => emit({ kind: 'state' }));
      emit({ kind: 'conversations', topics });
      return service.state();
    },

    async listMessages(topic, options) {
      await requireAccount();
      return (await cache.listMessages(topic, options)).map(withAttachmentSummary);
    },

    async searchMessages(query, { limit } = {}) {
      await requireAccount();
      return searchable.search(query, limit === undefined ? {} : { limit });
    },

    send: async (topic, content) => withAttachmentSummary(await sending.send(topic, content)),
    retry: async (messageId) => withAttachmentSummary(await sending.retry(messageId)),

    ...conversations,
    ...conversationActions,
    loadAttachment: files.loadAttachment,
    peerNames: names.peerNames,
    resolveName: names.resolveName,
    peerAvatar: names.peerAvatar,

    refresh: catchUp.refresh,

    async resume() {
      if (!(await vault.isUnlocked()) || !(await account())) return;
      // The refresh starts the session (from the vault's key bundle) and catches up.
      await service.refresh();
    },

    getSettings: () => readSettings(local),

    async updateSettings(patch) {
      const before = await readSettings(local);
      const next = await writeSettings(local, patch);
      names.clear(); // another RPC, registry or gateway (or ENS off): nothing cached from the old one stays
      await stateSync.settingsChanged(sessions.current());
      if (JSON.stringify(before.nodes) !== JSON.stringify(next.nodes)) {
        // Reconnect to the new nodes now (also when the old ones never answered) and catch up from them.
        await closeSession();
        void service.resume().catch(() => emit({ kind: 'state' }));
      }
      emit({ kind: 'state' });
      return next;
    },

    touch: () => vault.touch(),

    async signWithWallet(tabId, text) {
      if (typeof text !== 'string' || !text) throw new ExtensionError('invalid_text', 'nothing to sign');
      const signer = deps.wallet.signer(tabId, {
        onSignature: (purpose, signed, origin) => emit({ kind: 'signature', purpose, text: signed, origin }),
        onSigned: (purpose) => emit({ kind: 'signature_done', purpose }),
      });
      const address = await signer.getAddress();
      return { address, signature: await signer.signMessage(text) };
    },

    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
  };
  return service;
}
