// The InboxService over the vault, the cache and a ClientAdapter. Local state (vault, cache, settings) works on
// its own; everything that needs the network goes through one ClientSession, created from the vault's key
// bundle when needed (also after a worker restart, since the unlocked key survives in session storage).
import type { InboxCache } from '@/extension/cache/cache';
import type { ConversationRecord, MessageRecord } from '@/extension/cache/records';
import type { ClientAdapter, IdentitySource } from '@/extension/client-adapter';
import { ExtensionError, toErrorData } from '@/extension/errors';
import { INTERNAL } from '@/protocol/errors';
import type {
  IdentityKind,
  InboxService,
  InboxState,
  InboxUpdate,
  NodeHealth,
  OnboardingInput,
} from '@/extension/inbox-service';
import type { KeyValueArea } from '@/extension/storage-area';
import { validatePassword, type Vault } from '@/extension/vault/vault';
import { checksumAddress } from '@/extension/wallet/address';
import type { TabWallet } from '@/extension/wallet/tab-wallet';
import { exportAccountBackup, restoreAccountBackup } from './account-backup';
import { createConversationActions } from './conversation-actions';
import { draftChange } from './conversation-state';
import { contentRecord, outgoingOf } from './outgoing';
import { createSessionManager } from './session';
import { createStateSync } from './state-sync';
import { parseNodeUrl, readSettings, writeSettings } from './settings';
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

interface Account {
  address: string;
  identity: IdentityKind;
}

const ACCOUNT_KEY = 'account';
const HEALTH_TIMEOUT_MS = 5_000;
/** Catch-up re-reads this much before the last one began, for senders whose clocks lag (ids dedupe). */
const CATCH_UP_SLACK_MS = 10_000;
/** The longest search text and the most hits one search returns. */
const MAX_SEARCH_QUERY = 200;
const MAX_SEARCH_LIMIT = 1_000;
/** Conversations caught up at the same time by refresh(). */
const REFRESH_CONCURRENCY = 6;

/** A send failure as the message record keeps it: `code: message` when the error has a code. */
function storedError(error: unknown): string {
  const { code, message } = toErrorData(error);
  return code === INTERNAL ? message : `${code}: ${message}`;
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
    if (!(await vault.isUnlocked())) throw new ExtensionError('vault_locked', 'the vault is locked');
    const found = await account();
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

  /** Sends in flight per topic (their stream copies wait for them: SessionDeps.sendsSettled). */
  const sending = new Map<string, Set<Promise<unknown>>>();
  function whileSending<T>(topic: string, work: Promise<T>): Promise<T> {
    let inFlight = sending.get(topic);
    if (!inFlight) sending.set(topic, (inFlight = new Set()));
    inFlight.add(work);
    const done = () => {
      inFlight.delete(work);
      if (inFlight.size === 0) sending.delete(topic);
    };
    work.then(done, done);
    return work;
  }

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
    sendsSettled: async (topic) => void (await Promise.allSettled(sending.get(topic) ?? [])),
    // The index holds message text, the names who the user talks to: only while unlocked.
    onClose: () => {
      searchable.reset();
      names.clear();
      files.clear();
      stateSync.stop();
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

  let onboarding = false;
  /** Onboarding and restore one at a time: two would race to create the vault. */
  async function exclusively<T>(work: () => Promise<T>): Promise<T> {
    if (onboarding) throw new ExtensionError('busy', 'onboarding is already in progress: check your wallet');
    onboarding = true;
    try {
      return await work();
    } finally {
      onboarding = false;
    }
  }

  function onboard(input: OnboardingInput, identity: IdentityKind, source: IdentitySource) {
    return exclusively(() => onboardOnce(input, identity, source));
  }

  async function onboardOnce(input: OnboardingInput, identity: IdentityKind, source: IdentitySource) {
    validatePassword(input.password);
    if (await vault.exists())
      throw new ExtensionError('vault_exists', 'an identity exists already: sign out first');
    const settings = await writeSettings(local, { nodes: input.nodes });
    const created = await deps.adapter.create(source, { nodes: settings.nodes });
    try {
      await vault.create(await created.exportKeyBundle(), input.password);
      await local.set({
        [ACCOUNT_KEY]: { address: checksumAddress(created.address), identity } satisfies Account,
      });
      await cache.clear();
    } catch (error) {
      await created.close().catch(() => undefined);
      throw error;
    }
    await closeSession();
    sessions.attach(created);
    void service.refresh().catch(() => undefined);
    return service.state();
  }

  function deliver(pending: MessageRecord): Promise<MessageRecord> {
    return whileSending(pending.topic, deliverOnce(pending));
  }

  async function deliverOnce(pending: MessageRecord): Promise<MessageRecord> {
    try {
      const client = await ensureSession();
      const { uploadUrl } = await readSettings(local);
      // A file's stages show on its pending record; the stages of one send come one after another.
      let stages = Promise.resolve();
      const onStage = (progress: NonNullable<MessageRecord['progress']>) => {
        stages = stages
          .then(() => cache.replaceMessage(pending.id, { ...pending, progress }))
          .then(() => emit({ kind: 'messages', topic: pending.topic }))
          .catch(() => undefined);
      };
      const sent = await client
        .send(pending.topic, outgoingOf(pending), { ...(uploadUrl ? { uploadUrl } : {}), onStage })
        .finally(() => stages);
      const record: MessageRecord = { ...sent, status: 'sent' };
      await cache.replaceMessage(pending.id, record);
      return record;
    } catch (error) {
      const failed: MessageRecord = {
        ...pending,
        status: 'failed',
        // `code: message`, so the popup can say in words why (src/ui/error-text.ts explainStoredError).
        error: storedError(error),
      };
      await cache.replaceMessage(pending.id, failed);
      return failed;
    } finally {
      emit({ kind: 'messages', topic: pending.topic });
      emit({ kind: 'conversations', topics: [pending.topic] });
    }
  }

  let refreshing: Promise<void> | undefined;
  async function refreshOnce(): Promise<void> {
    const { address } = await requireAccount();
    const client = await ensureSession();
    const conversations = await client.listConversations();
    await cache.putConversations(conversations);
    const catchUp = async (topic: string) => {
      // From where the last completed catch-up began (less a slack for senders' clocks), not from the newest
      // cached message: the stream may already have brought one newer than messages still missing. Never
      // caught up (new, or known only from the stream): the latest page.
      const startedAt = now();
      const synced = await cache.syncedUntil(topic);
      const after = synced === undefined ? undefined : synced - CATCH_UP_SLACK_MS;
      const messages = await client.messages(topic, after === undefined ? {} : { after });
      const added = await cache.addMessages(
        messages.map((message) => ({ ...message, status: 'sent' })),
        address,
      );
      // An open thread reloads on its topic's update: what the catch-up found must show there too.
      if (added > 0) emit({ kind: 'messages', topic });
      await cache.setSyncedUntil(topic, startedAt);
    };
    // A few conversations at a time: one query each, and a thousand of them one after another took minutes.
    const queue = conversations.map((c) => c.topic);
    const worker = async () => {
      for (let topic = queue.shift(); topic !== undefined; topic = queue.shift()) await catchUp(topic);
    };
    await Promise.all(Array.from({ length: Math.min(REFRESH_CONCURRENCY, queue.length) }, worker));
    // New conversations, consent from the network and caught-up messages, for any of them: listeners re-read.
    emit({ kind: 'conversations', topics: 'all' });
  }

  /** Best effort: a receipt that fails is not worth an error on screen; the next opening sends another. */
  async function sendReceipt(topic: string) {
    try {
      const client = await ensureSession();
      const receipt = await client.sendReadReceipt(topic);
      await cache.addMessages([{ ...receipt, status: 'sent' }], client.address);
    } catch (error) {
      console.warn(`could not send a read receipt on ${topic}:`, error);
    }
  }

  async function requireConversation(topic: string): Promise<ConversationRecord> {
    const conversation = await cache.getConversation(topic);
    if (!conversation) throw new ExtensionError('unknown_conversation', `unknown conversation: ${topic}`);
    return conversation;
  }

  const backupDeps = { vault, cache, local, now, accountKey: ACCOUNT_KEY };
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
      return {
        vault: !exists ? 'empty' : unlocked ? 'unlocked' : 'locked',
        ...(exists && found ? { address: found.address, identity: found.identity } : {}),
        online: sessions.online(),
        settings,
        secp256k1: secp256k1Status(),
      };
    },

    async checkNode(url) {
      const base = parseNodeUrl(url);
      const started = now();
      const health: NodeHealth = { url: base, ok: false };
      try {
        const response = await deps.fetch(`${base}/healthz`, {
          signal: AbortSignal.timeout(HEALTH_TIMEOUT_MS),
        });
        return { ...health, ok: response.ok, status: response.status, latencyMs: now() - started };
      } catch (error) {
        return { ...health, error: (error as Error)?.message ?? String(error) };
      }
    },

    findWalletTabs: () => deps.wallet.findTabs(),

    linkWallet(input) {
      const signer = deps.wallet.signer(input.tabId, {
        onSignature: (purpose, text, origin) => emit({ kind: 'signature', purpose, text, origin }),
        onSigned: (purpose) => emit({ kind: 'signature_done', purpose }),
      });
      return onboard(input, 'wallet', {
        kind: 'wallet',
        signer,
        storeOnNetwork: input.storeOnNetwork === true,
      });
    },

    createLocalKey: (input) => onboard(input, 'local', { kind: 'generate' }),

    importKey(input) {
      if (typeof input.keyBundle !== 'string' || !input.keyBundle.trim()) {
        throw new ExtensionError('invalid_key_bundle', 'paste an encoded private key bundle (base64)');
      }
      return onboard(input, 'imported', { kind: 'key', keyBundle: input.keyBundle.trim() });
    },

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

    async listConversations({ limit } = {}) {
      await requireAccount();
      if (limit === undefined) return cache.listConversations();
      if (!Number.isInteger(limit) || limit < 1) {
        throw new ExtensionError('invalid_limit', `limit must be a positive integer: ${String(limit)}`);
      }
      return cache.listConversations({ limit });
    },

    async getConversation(topic) {
      await requireAccount();
      return (await cache.getConversation(topic)) ?? null;
    },

    async exportBackup(password, options) {
      const { address } = await requireAccount();
      return exportAccountBackup(backupDeps, address, password, options);
    },

    async restoreBackup(input) {
      const topics = await exclusively(() => restoreAccountBackup(backupDeps, input));
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
      if (typeof query !== 'string' || query.length > MAX_SEARCH_QUERY)
        throw new ExtensionError(
          'invalid_query',
          `the search must be text of at most ${MAX_SEARCH_QUERY} characters`,
        );
      if (limit !== undefined && (!Number.isInteger(limit) || limit < 1 || limit > MAX_SEARCH_LIMIT))
        throw new ExtensionError(
          'invalid_limit',
          `limit must be an integer from 1 to ${MAX_SEARCH_LIMIT}: ${String(limit)}`,
        );
      return searchable.search(query, limit === undefined ? {} : { limit });
    },

    async send(topic, content) {
      const { address } = await requireAccount();
      await requireConversation(topic);
      const pending: MessageRecord = {
        id: `local-${crypto.randomUUID()}`,
        topic,
        senderAddress: address,
        sentAt: now(),
        ...contentRecord(content),
        status: 'pending',
      };
      await cache.addMessages([pending], address);
      // Sent: the draft it came from is gone (stamped now, so a save still in flight cannot bring it back).
      await cache.updateConversation(topic, draftChange('', now()));
      stateSync.changed([topic]);
      emit({ kind: 'messages', topic });
      emit({ kind: 'conversations', topics: [topic] });
      return withAttachmentSummary(await deliver(pending));
    },

    async retry(messageId) {
      await requireAccount();
      const message = await cache.getMessage(messageId);
      if (!message || message.status !== 'failed') {
        throw new ExtensionError('not_retryable', `no failed message with id ${messageId}`);
      }
      const { error: _, ...rest } = message;
      const { progress: __, ...unstaged } = rest;
      const pending: MessageRecord = { ...unstaged, status: 'pending', sentAt: now() };
      await cache.replaceMessage(message.id, pending);
      emit({ kind: 'messages', topic: message.topic });
      return withAttachmentSummary(await deliver(pending));
    },

    async newConversation(peerAddress, conversationId) {
      await requireAccount();
      const peer = checksumAddress(peerAddress);
      const client = await ensureSession();
      if (peer.toLowerCase() === client.address.toLowerCase()) {
        throw new ExtensionError('self_conversation', 'you cannot start a conversation with yourself');
      }
      const info = await client.newConversation(peer, conversationId?.trim() || undefined);
      await cache.putConversations([info]);
      emit({ kind: 'conversations', topics: [info.topic] });
      return requireConversation(info.topic);
    },

    async canMessage(peerAddress) {
      await requireAccount();
      return (await ensureSession()).canMessage(checksumAddress(peerAddress));
    },

    async setConsent(topic, consent) {
      await requireAccount();
      if (consent !== 'allowed' && consent !== 'denied') {
        throw new ExtensionError('invalid_consent', `consent must be allowed or denied: ${String(consent)}`);
      }
      const conversation = await requireConversation(topic);
      await (await ensureSession()).setConsent(conversation.peerAddress, consent);
      const updated = await cache.setConsent(topic, consent);
      emit({ kind: 'conversations', topics: [topic] });
      return updated ?? conversation;
    },

    async markRead(topic, options = {}) {
      await requireAccount();
      const before = await cache.getConversation(topic);
      await cache.markRead(topic);
      emit({ kind: 'conversations', topics: [topic] });
      if (before && before.unread > 0) stateSync.changed([topic]);
      // A receipt tells the peer this address reads its messages: only for allowed peers, never for requests.
      if (options.receipt === true && before && before.unread > 0 && before.consent === 'allowed') {
        if ((await readSettings(local)).readReceipts) void sendReceipt(topic);
      }
    },

    ...conversationActions,
    loadAttachment: files.loadAttachment,
    peerNames: names.peerNames,
    resolveName: names.resolveName,
    peerAvatar: names.peerAvatar,

    refresh() {
      // One at a time: the worker's resume and every popup open ask for one, often together.
      refreshing ??= refreshOnce().finally(() => (refreshing = undefined));
      return refreshing;
    },

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
