// The user's own choices for a conversation (pin, mute, archive, mark unread / all read, draft), applied to the
// cache with the rules of conversation-state.ts; each change tells the listeners which conversation changed.
import type { InboxCache } from '@/extension/cache/cache';
import type { ConversationRecord } from '@/extension/cache/records';
import { ExtensionError } from '@/extension/errors';
import type { InboxService, InboxUpdate } from '@/extension/inbox/contract';
import {
  archiveChange,
  draftChange,
  expiredMuteChange,
  markUnreadChange,
  muteChange,
  muteUntil,
  nextMuteExpiry,
  pinChange,
} from './conversation-state';

export interface ConversationActionDeps {
  cache: InboxCache;
  now: () => number;
  emit(update: InboxUpdate): void;
  requireAccount(): Promise<unknown>;
  /** Asks for expireMutes() at `at` (a browser alarm); undefined: never. */
  scheduleMuteExpiry?(at: number | undefined): void;
  /** The user changed these conversations (the sync with other installs publishes them). */
  onChanged?(topics: readonly string[]): void;
}

export type ConversationActions = Pick<
  InboxService,
  'pin' | 'mute' | 'archive' | 'markUnread' | 'markAllRead' | 'setDraft' | 'expireMutes'
>;

export function createConversationActions(deps: ConversationActionDeps): ConversationActions {
  const { cache, now, emit } = deps;

  /** Applies one of conversation-state.ts's changes to a cached conversation and tells the listeners. */
  async function change(
    topic: string,
    update: Parameters<InboxCache['updateConversation']>[1],
  ): Promise<ConversationRecord> {
    await deps.requireAccount();
    const updated = await cache.updateConversation(topic, update);
    if (!updated) throw new ExtensionError('unknown_conversation', `unknown conversation: ${topic}`);
    emit({ kind: 'conversations', topics: [topic] });
    deps.onChanged?.([topic]);
    return updated;
  }

  async function scheduleMuteExpiry() {
    deps.scheduleMuteExpiry?.(nextMuteExpiry(await cache.listConversations(), now()));
  }

  return {
    // async: a bad argument rejects the promise rather than throwing at the call.
    pin: async (topic, pinned) => change(topic, pinChange(pinned, now())),

    async mute(topic, until) {
      // One instant for both the end and the stamp, so "1h" is exactly an hour after mutedSetAt.
      const at = now();
      const end = typeof until === 'string' ? muteUntil(until, at) : until;
      if (end !== null && (!Number.isSafeInteger(end) || end <= at)) {
        throw new ExtensionError('invalid_mute', `a mute must end in the future: ${String(until)}`);
      }
      const updated = await change(topic, muteChange(end, at));
      await scheduleMuteExpiry();
      return updated;
    },

    archive: async (topic, archived) => change(topic, archiveChange(archived, now())),

    markUnread: async (topic) => change(topic, markUnreadChange(now())),

    async markAllRead() {
      await deps.requireAccount();
      const topics = await cache.markAllRead();
      if (topics.length) emit({ kind: 'conversations', topics: topics.length <= 20 ? topics : 'all' });
      deps.onChanged?.(topics);
    },

    setDraft: async (topic, text) => change(topic, draftChange(text, now())),

    async expireMutes() {
      const at = now();
      const expired = (await cache.listConversations()).filter(
        (c) => c.mutedUntil !== undefined && c.mutedUntil <= at,
      );
      for (const { topic } of expired) await cache.updateConversation(topic, expiredMuteChange(at));
      if (expired.length) emit({ kind: 'conversations', topics: expired.map((c) => c.topic) });
      await scheduleMuteExpiry();
    },
  };
}
