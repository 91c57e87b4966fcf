// The one ClientSession the inbox service talks to the network through: created from the vault's key bundle on
// first use (also after a worker restart), its message stream applied to the cache in arrival order, with
// notifications for new messages from allowed, unmuted peers; closed at lock, sign out or a change of nodes.
import type { InboxCache } from '@/extension/cache/cache';
import { isMuted, type MessageRecord } from '@/extension/cache/records';
import type { ClientAdapter, ClientSession, DecodedMessage } from '@/extension/client-adapter';
import { ExtensionError } from '@/extension/errors';
import type { InboxUpdate } from '@/extension/inbox/contract';
import type { KeyValueArea } from '@/extension/storage-area';
import type { Vault } from '@/extension/vault/vault';
import { readSettings } from './settings';

export interface SessionDeps {
  vault: Vault;
  cache: InboxCache;
  local: KeyValueArea;
  adapter: ClientAdapter;
  now: () => number;
  emit(update: InboxUpdate): void;
  /** Throws unless the vault is unlocked and an account exists. */
  requireAccount(): Promise<unknown>;
  notify?(title: string, body: string): void;
  /** Called when the session closes (the search index drops the message text it holds). */
  onClose?(): void;
  /** A message from the peer arrived (before it is cached; it may be one seen before). */
  onIncoming?(message: MessageRecord): void;
  /** A session became the current one (its stream has started). */
  onAttach?(session: ClientSession): void;
  /**
   * Resolves once this install's sends on `topic` are stored: the stream brings our own message back, often
   * before its send has put the sent copy in place of the pending one, and both would show for a moment.
   */
  sendsSettled?(topic: string): Promise<void>;
  /** The stream connected again after it dropped: what was sent meanwhile is fetched by a catch-up. */
  onReconnect?(): void;
}

export interface SessionManager {
  /** The connected session, created on first use. */
  ensure(): Promise<ClientSession>;
  /** Takes a session made elsewhere (onboarding) as the current one and starts its stream. */
  attach(next: ClientSession): void;
  close(): Promise<void>;
  /** Whether a session exists and its stream is live: what the popup shows as connected. */
  online(): boolean;
  /** The current session, if one is open (no network use). */
  current(): ClientSession | undefined;
  /**
   * Which connection of the live stream this is (a number no other connection had, in this worker), undefined
   * while no stream is live: a catch-up begun on one connection covers every message sent before it, and the
   * stream every one after, until it drops.
   */
  connection(): number | undefined;
  /** Resolves once the stream is live (at once if it is), or when the session closes. */
  whenLive(): Promise<void>;
}

export function createSessionManager(deps: SessionDeps): SessionManager {
  const { cache, local, emit, now } = deps;
  let session: ClientSession | undefined;
  let starting: Promise<ClientSession> | undefined;
  let stopStream: (() => void) | undefined;
  let streamLive = false;
  /** Connections of the stream so far (every session's); the live one's number while streamLive. */
  let connections = 0;
  /** Waiting for the stream to be live (whenLive). */
  let waiting: (() => void)[] = [];
  const wake = () => {
    const woken = waiting;
    waiting = [];
    for (const resolve of woken) resolve();
  };
  /** Bumped by every close(): a session still starting from before it must not attach afterwards. */
  let epoch = 0;

  async function stored(message: DecodedMessage, self: string) {
    const record: MessageRecord = { ...message, status: 'sent' };
    return (await cache.addMessages([record], self)) > 0;
  }

  async function notifyIfWanted(message: DecodedMessage) {
    const settings = await readSettings(local);
    if (!settings.notifications) return;
    const conversation = await cache.getConversation(message.topic);
    if (
      conversation?.consent !== 'allowed' ||
      isMuted(conversation, now()) ||
      conversation.lastMessage?.id !== message.id
    )
      return;
    // Content stays hidden unless the user chose to show it: a notification is seen by anyone near the screen,
    // and stays in the system's list after the inbox locks.
    if (settings.notificationContent) deps.notify?.(message.senderAddress, conversation.lastMessage.preview);
    else deps.notify?.('New XMTP message', 'Open XMTP Inbox to read it.');
  }

  function attach(next: ClientSession) {
    session = next;
    let everConnected = false;
    // Stream events are applied one at a time, in arrival order: a conversation must be cached before the
    // message that announced it moves its last message.
    let applying = Promise.resolve();
    const apply = (work: () => Promise<void>) => {
      applying = applying.then(work).catch(() => undefined);
    };
    stopStream = next.streamAll({
      onMessage: (message) =>
        apply(async () => {
          const incoming = message.senderAddress.toLowerCase() !== next.address.toLowerCase();
          // Before the cache write: a file it names starts downloading while the message is stored.
          if (incoming) deps.onIncoming?.({ ...message, status: 'sent' });
          else await deps.sendsSettled?.(message.topic);
          const isNew = await stored(message, next.address);
          emit({ kind: 'messages', topic: message.topic });
          emit({ kind: 'conversations', topics: [message.topic] });
          if (isNew && incoming) await notifyIfWanted(message);
        }),
      onConversation: (conversation) =>
        apply(async () => {
          await cache.putConversations([conversation]);
          emit({ kind: 'conversations', topics: [conversation.topic] });
        }),
      onError: () => emit({ kind: 'state' }),
      onConnection: (connected) => {
        if (session !== next || streamLive === connected) return;
        streamLive = connected;
        emit({ kind: 'state' });
        if (!connected) return;
        connections++;
        wake();
        if (everConnected) deps.onReconnect?.();
        everConnected = true;
      },
    });
    emit({ kind: 'state' });
    deps.onAttach?.(next);
  }

  async function close() {
    epoch++;
    deps.onClose?.();
    stopStream?.();
    stopStream = undefined;
    streamLive = false;
    wake();
    const closing = session;
    session = undefined;
    starting = undefined;
    await closing?.close().catch(() => undefined);
  }

  function ensure(): Promise<ClientSession> {
    if (session) return Promise.resolve(session);
    if (!starting) {
      const started = epoch;
      const attempt = (async () => {
        await deps.requireAccount();
        const keyBundle = await deps.vault.readSecret();
        const { nodes } = await readSettings(local);
        const created = await deps.adapter.create({ kind: 'key', keyBundle, resumed: true }, { nodes });
        // Locked or signed out while the client was being created: it must not come back to life.
        if (started !== epoch) {
          await created.close().catch(() => undefined);
          throw new ExtensionError('vault_locked', 'the vault was locked while the client started');
        }
        attach(created);
        return created;
      })();
      starting = attempt;
      attempt.catch(() => {
        if (starting === attempt) starting = undefined;
      });
    }
    return starting;
  }

  return {
    ensure,
    attach,
    close,
    online: () => !!session && streamLive,
    current: () => session,
    connection: () => (session && streamLive ? connections : undefined),
    whenLive: () =>
      session && streamLive ? Promise.resolve() : new Promise<void>((resolve) => waiting.push(resolve)),
  };
}
