// The conversation list and what touches the network for one conversation: start one, ask whether a peer can
// be messaged, allow or deny (the consent list every XMTP client of the identity reads), and mark one read (with
// a read receipt when the user allows it).
import type { InboxCache } from '@/extension/cache/cache';
import type { ConversationRecord } from '@/extension/cache/records';
import type { ClientSession } from '@/extension/client-adapter';
import { checkPageQuery, checkQuery } from '@/extension/cache/conversation-pages';
import { ExtensionError } from '@/extension/errors';
import type { InboxService, InboxUpdate } from '@/extension/inbox/contract';
import type { KeyValueArea } from '@/extension/storage-area';
import { checksumAddress } from '@/extension/wallet/address';
import { readSettings } from './settings';

export interface ConversationsDeps {
  cache: InboxCache;
  local: KeyValueArea;
  emit(update: InboxUpdate): void;
  ensureSession(): Promise<ClientSession>;
  requireAccount(): Promise<unknown>;
  sendReceipt(topic: string): Promise<void>;
  /** The user changed this conversation's read state (the sync with other installs publishes it). */
  onChanged(topics: readonly string[]): void;
}

export type Conversations = Pick<
  InboxService,
  | 'listConversations'
  | 'getConversation'
  | 'newConversation'
  | 'canMessage'
  | 'setConsent'
  | 'setConsentMany'
  | 'conversationCounts'
  | 'markRead'
>;

/** The cached conversation of `topic`; unknown_conversation when the cache does not hold it. */
export async function requireConversation(cache: InboxCache, topic: string): Promise<ConversationRecord> {
  const conversation = await cache.getConversation(topic);
  if (!conversation) throw new ExtensionError('unknown_conversation', `unknown conversation: ${topic}`);
  return conversation;
}

/** Rows of a page of the popup's list when it names no limit: a screen and a half. */
const DEFAULT_PAGE = 30;
/** Topics one bulk consent change may name (more than any inbox here holds requests). */
const MAX_BULK_TOPICS = 50_000;
/** Peers per consent update published: each update stays far below the node's 1 MiB message limit. */
const PEERS_PER_UPDATE = 500;

function checkConsent(consent: unknown): asserts consent is 'allowed' | 'denied' {
  if (consent !== 'allowed' && consent !== 'denied') {
    throw new ExtensionError('invalid_consent', `consent must be allowed or denied: ${String(consent)}`);
  }
}

/** The conversations a bulk consent change names, every one checked known before anything changes. */
async function bulkTargets(
  cache: InboxCache,
  which: { topics?: unknown; allRequests?: unknown; query?: unknown },
): Promise<ConversationRecord[]> {
  if (which.allRequests === true) return cache.conversationsIn('requests', checkQuery(which.query));
  const { topics } = which;
  if (!Array.isArray(topics) || topics.length > MAX_BULK_TOPICS || topics.some((t) => typeof t !== 'string'))
    throw new ExtensionError(
      'invalid_topics',
      `name the conversations as a list of at most ${MAX_BULK_TOPICS} topics, or allRequests: true`,
    );
  const found = await Promise.all([...new Set(topics as string[])].map((t) => cache.getConversation(t)));
  const unknown = found.findIndex((c) => c === undefined);
  if (unknown >= 0)
    throw new ExtensionError('unknown_conversation', `unknown conversation: ${String(topics[unknown])}`);
  return found as ConversationRecord[];
}

export function createConversations(deps: ConversationsDeps): Conversations {
  const { cache, emit } = deps;
  return {
    async listConversations(options = {}) {
      await deps.requireAccount();
      // A page of the popup's list: the worker filters and pages, the popup holds only what it shows.
      if ('view' in options)
        return (await cache.conversationPage(checkPageQuery({ limit: DEFAULT_PAGE, ...options })))
          .conversations;
      const { limit } = options;
      if (limit === undefined) return cache.listConversations();
      if (!Number.isInteger(limit) || limit < 1) {
        throw new ExtensionError('invalid_limit', `limit must be a positive integer: ${String(limit)}`);
      }
      return cache.listConversations({ limit });
    },

    async getConversation(topic) {
      await deps.requireAccount();
      return (await cache.getConversation(topic)) ?? null;
    },

    async newConversation(peerAddress, conversationId) {
      await deps.requireAccount();
      const peer = checksumAddress(peerAddress);
      const client = await deps.ensureSession();
      if (peer.toLowerCase() === client.address.toLowerCase()) {
        throw new ExtensionError('self_conversation', 'you cannot start a conversation with yourself');
      }
      const info = await client.newConversation(peer, conversationId?.trim() || undefined);
      await cache.putConversations([info]);
      emit({ kind: 'conversations', topics: [info.topic] });
      return requireConversation(cache, info.topic);
    },

    async canMessage(peerAddress) {
      await deps.requireAccount();
      return (await deps.ensureSession()).canMessage(checksumAddress(peerAddress));
    },

    async setConsent(topic, consent) {
      await deps.requireAccount();
      checkConsent(consent);
      const conversation = await requireConversation(cache, topic);
      await (await deps.ensureSession()).setConsent([conversation.peerAddress], consent);
      const updated = await cache.setConsent(topic, consent);
      emit({ kind: 'conversations', topics: [topic] });
      return updated ?? conversation;
    },

    async setConsentMany(which, consent) {
      await deps.requireAccount();
      checkConsent(consent);
      const targets = await bulkTargets(cache, which ?? {});
      if (targets.length === 0) return { changed: 0 };
      const session = await deps.ensureSession();
      const peers = [...new Set(targets.map((c) => c.peerAddress))];
      // The network first, a part at a time; the cache follows each part, so a failure midway leaves the cache
      // saying what the network holds (the error names how far it went).
      const done: string[] = [];
      for (let start = 0; start < peers.length; start += PEERS_PER_UPDATE) {
        const part = new Set(peers.slice(start, start + PEERS_PER_UPDATE));
        try {
          await session.setConsent([...part], consent);
        } catch (e) {
          if (done.length > 0) emit({ kind: 'conversations', topics: done });
          throw new ExtensionError(
            'consent_failed',
            `${done.length} of ${targets.length} conversations were ${consent}; the rest failed: ${(e as Error).message}`,
          );
        }
        const topics = targets.filter((c) => part.has(c.peerAddress)).map((c) => c.topic);
        await cache.updateConversations(topics, (c) => ({ ...c, consent }));
        done.push(...topics);
      }
      emit({ kind: 'conversations', topics: done });
      return { changed: done.length };
    },

    async conversationCounts(query) {
      await deps.requireAccount();
      return cache.conversationCounts(checkQuery(query));
    },

    async markRead(topic, options = {}) {
      await deps.requireAccount();
      const before = await cache.getConversation(topic);
      await cache.markRead(topic);
      emit({ kind: 'conversations', topics: [topic] });
      if (before && before.unread > 0) deps.onChanged([topic]);
      // A receipt tells the peer this address reads its messages: only for allowed peers, never for requests.
      if (options.receipt === true && before && before.unread > 0 && before.consent === 'allowed') {
        if ((await readSettings(deps.local)).readReceipts) void deps.sendReceipt(topic);
      }
    },
  };
}
