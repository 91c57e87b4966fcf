// The catch-up (refresh): the network's conversation list into the cache, then each conversation's messages
// since its last completed catch-up, a few conversations at a time.
import type { InboxCache } from '@/extension/cache/cache';
import type { ClientSession } from '@/extension/client-adapter';
import type { InboxUpdate } from '@/extension/inbox/contract';

/** Catch-up re-reads this much before the last one began, for senders whose clocks lag (ids dedupe). */
const CATCH_UP_SLACK_MS = 10_000;
/** Conversations caught up at the same time. */
const CONCURRENCY = 6;

export interface CatchUpDeps {
  cache: InboxCache;
  now: () => number;
  emit(update: InboxUpdate): void;
  ensureSession(): Promise<ClientSession>;
  requireAccount(): Promise<{ address: string }>;
}

export interface CatchUp {
  /** One at a time: the worker's resume and every popup open ask for one, often together. */
  refresh(): Promise<void>;
  /**
   * The session closed (lock, other nodes): the next refresh starts anew instead of joining one that may still
   * be waiting on the old nodes (it would fail, and nothing would connect to the new ones).
   */
  reset(): void;
}

export function createCatchUp(deps: CatchUpDeps): CatchUp {
  const { cache, now, emit } = deps;
  let refreshing: Promise<void> | undefined;

  async function refreshOnce(): Promise<void> {
    const { address } = await deps.requireAccount();
    const client = await deps.ensureSession();
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
    await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queue.length) }, worker));
    // New conversations, consent from the network and caught-up messages, for any of them: listeners re-read.
    emit({ kind: 'conversations', topics: 'all' });
  }

  return {
    refresh() {
      if (!refreshing) {
        const started: Promise<void> = refreshOnce().finally(() => {
          if (refreshing === started) refreshing = undefined;
        });
        refreshing = started;
      }
      return refreshing;
    },
    reset() {
      refreshing = undefined;
    },
  };
}
