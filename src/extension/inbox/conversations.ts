// The conversation list and what touches the network for one conversation: start one, ask whether a peer can
// be messaged, allow or deny (the consent list every XMTP client of the identity reads), and mark one read (with
// a read receipt when the user allows it).
import type { InboxCache } from '@/extension/cache/cache';
import type { ConversationRecord } from '@/extension/cache/records';
import type { ClientSession } from '@/extension/client-adapter';
import { checkPageQuery } from '@/extension/cache/conversation-pages';
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
  'listConversations' | 'getConversation' | 'newConversation' | 'canMessage' | 'setConsent' | 'markRead'
>;

/** The cached conversation of `topic`; unknown_conversation when the cache does not hold it. */
export async function requireConversation(cache: InboxCache, topic: string): Promise<ConversationRecord> {
  const conversation = await cache.getConversation(topic);
  if (!conversation) throw new ExtensionError('unknown_conversation', `unknown conversation: ${topic}`);
  return conversation;
}

/** Rows of a page of the popup's list when it names no limit: a screen and a half. */
const DEFAULT_PAGE = 30;

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
      if (consent !== 'allowed' && consent !== 'denied') {
        throw new ExtensionError('invalid_consent', `consent must be allowed or denied: ${String(consent)}`);
      }
      const conversation = await requireConversation(cache, topic);
      await (await deps.ensureSession()).setConsent(conversation.peerAddress, consent);
      const updated = await cache.setConsent(topic, consent);
      emit({ kind: 'conversations', topics: [topic] });
      return updated ?? conversation;
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
