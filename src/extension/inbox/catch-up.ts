// The catch-up (refresh): the network's conversation list into the cache, then each conversation's messages
// since its last completed catch-up, many conversations per request where the session can batch them.
//
// A catch-up begun while the live stream is connected covers everything sent before it, and the stream
// everything after, until the stream drops: so a refresh asked again on the same connection (every popup open
// asks, with `ifBehind`) does nothing. Each new session, and each reconnection of the stream, gets one.
import type { InboxCache } from '@/extension/cache/cache';
import type { ClientSession, ConversationInfo, DecodedMessage } from '@/extension/client-adapter';
import type { InboxUpdate } from '@/extension/inbox/contract';

/** Catch-up re-reads this much before the last one began, for senders whose clocks lag (ids dedupe). */
const CATCH_UP_SLACK_MS = 10_000;
/** Conversations caught up at the same time, one query each, where the session cannot batch them. */
const CONCURRENCY = 6;
/** Conversations per batch step: their queries (in requests of 50 topics), their messages stored together. */
const BATCH = 250;
/** The conversations a first listing stores and announces before the rest of its first batch. */
const FIRST_SCREEN = 50;
/** A catch-up waits this long at most for the stream to connect, so that it covers what came before it. */
const STREAM_WAIT_MS = 5_000;

/** Lets the worker answer the popup between steps of a long catch-up. */
const yieldToTasks = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

export interface CatchUpDeps {
  cache: InboxCache;
  now: () => number;
  emit(update: InboxUpdate): void;
  ensureSession(): Promise<ClientSession>;
  requireAccount(): Promise<{ address: string }>;
  /** The live stream's connection (SessionManager.connection); without it every refresh catches up. */
  connection?(): number | undefined;
  /** Resolves when the stream is live (SessionManager.whenLive). */
  whenLive?(): Promise<void>;
}

export interface CatchUp {
  /**
   * One at a time: the worker's resume, an unlock and every popup open ask for one, often together (they join
   * the one running). `ifBehind` (a popup open): nothing when a catch-up already covered the stream's current
   * connection.
   */
  refresh(options?: { ifBehind?: boolean }): Promise<void>;
  /**
   * The session closed (lock, other nodes): the next refresh starts anew instead of joining one that may still
   * be waiting on the old nodes (it would fail, and nothing would connect to the new ones).
   */
  reset(): void;
  /**
   * The listing running now, with the count found so far (undefined when none is): a popup opened in the middle
   * of one shows its progress at once instead of waiting for the next `listing` update.
   */
  listing(): { found: number } | undefined;
}

type Query = { topic: string; after?: number };

/** Each query's messages: batched when the session can, else one query per conversation, a few at a time. */
async function fetchMessages(client: ClientSession, queries: Query[]): Promise<DecodedMessage[][]> {
  if (client.messagesOf) return client.messagesOf(queries);
  const out: DecodedMessage[][] = new Array(queries.length);
  let next = 0;
  const worker = async () => {
    for (let i = next++; i < queries.length; i = next++) {
      const { topic, after } = queries[i]!;
      out[i] = await client.messages(topic, after === undefined ? {} : { after });
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, queries.length) }, worker));
  return out;
}

export function createCatchUp(deps: CatchUpDeps): CatchUp {
  const { cache, now, emit } = deps;
  /** The catch-up running, and the stream connection it covers (unknown until it has waited for the stream). */
  let running:
    | {
        done: Promise<void>;
        covers?: number | 'pending';
        /** Conversations found so far while this catch-up lists them; undefined before and after. */
        listed?: number;
      }
    | undefined;
  /** A catch-up to run after the current one (the stream reconnected while it ran). */
  let after: Promise<void> | undefined;
  /** The stream connection the last completed catch-up covers. */
  let caughtUp: number | undefined;

  async function waitForStream(): Promise<void> {
    if (!deps.whenLive) return;
    let timer: ReturnType<typeof setTimeout> | undefined;
    await Promise.race([
      deps.whenLive(),
      new Promise<void>((resolve) => (timer = setTimeout(resolve, STREAM_WAIT_MS))),
    ]);
    clearTimeout(timer);
  }

  /** One batch of conversations: their messages since each one's last catch-up, stored together. */
  async function catchUpBatch(client: ClientSession, address: string, topics: string[], startedAt: number) {
    const synced = await cache.syncedUntilMany(topics);
    // From where the last completed catch-up began (less a slack for senders' clocks), not from the newest
    // cached message: the stream may already have brought one newer than messages still missing. Never
    // caught up (new, or known only from the stream): the latest page.
    const queries = topics.map((topic, i) =>
      synced[i] === undefined ? { topic } : { topic, after: synced[i]! - CATCH_UP_SLACK_MS },
    );
    const found = await fetchMessages(client, queries);
    const messages = found.flat().map((message) => ({ ...message, status: 'sent' as const }));
    const added = await cache.addMessages(messages, address);
    // An open thread reloads on its topic's update: what the catch-up found must show there too.
    if (added > 0)
      for (const [i, topic] of topics.entries()) if (found[i]!.length) emit({ kind: 'messages', topic });
    await cache.setSyncedUntil(topics, startedAt);
  }

  async function refreshOnce(state: NonNullable<typeof running>): Promise<void> {
    const { address } = await deps.requireAccount();
    const client = await deps.ensureSession();
    await waitForStream();
    state.covers = deps.connection?.();
    // Every message sent from here on is either in the stream or in what the queries below return.
    const startedAt = now();
    // Stored and shown as the client opens them (a first listing of 10,000 takes seconds), with the count so far.
    const stored = new Set<string>();
    const store = async (batch: ConversationInfo[]) => {
      for (let i = 0; i < batch.length; i += BATCH) {
        await cache.putConversations(batch.slice(i, i + BATCH));
        await yieldToTasks();
      }
      for (const c of batch) stored.add(c.topic);
    };
    const announce = async (batch: ConversationInfo[]) => {
      await store(batch);
      emit({ kind: 'conversations', topics: batch.length <= 20 ? batch.map((c) => c.topic) : 'all' });
      state.listed = stored.size;
      emit({ kind: 'listing', found: stored.size, done: false });
    };
    const conversations = await client.listConversations(async (batch) => {
      // The popup's first screen on its own (batches come newest first): it shows before the rest is stored.
      if (stored.size === 0 && batch.length > FIRST_SCREEN) {
        await announce(batch.slice(0, FIRST_SCREEN));
        await announce(batch.slice(FIRST_SCREEN));
      } else await announce(batch);
    });
    // A session that lists without batches (onBatch is a hint it may ignore) is stored here instead.
    await store(conversations.filter((c) => !stored.has(c.topic)));
    state.listed = undefined;
    emit({ kind: 'listing', found: conversations.length, done: true });
    const topics = conversations.map((c) => c.topic);
    for (let i = 0; i < topics.length; i += BATCH) {
      await catchUpBatch(client, address, topics.slice(i, i + BATCH), startedAt);
      await yieldToTasks();
    }
    caughtUp = state.covers;
    // New conversations, consent from the network and caught-up messages, for any of them: listeners re-read.
    emit({ kind: 'conversations', topics: 'all' });
  }

  function start(): Promise<void> {
    const state: NonNullable<typeof running> = { done: Promise.resolve(), covers: 'pending' };
    state.done = refreshOnce(state).finally(() => {
      // A listing cut short (the network failed, the vault locked) ends too: no popup waits on it forever.
      if (state.listed !== undefined) {
        emit({ kind: 'listing', found: state.listed, done: true });
        state.listed = undefined;
      }
      if (running === state) running = undefined;
    });
    running = state;
    return state.done;
  }

  function refresh({ ifBehind = false }: { ifBehind?: boolean } = {}): Promise<void> {
    const live = deps.connection?.();
    if (running) {
      // Joined, unless the stream reconnected after it began: then one more follows it.
      if (running.covers === 'pending' || live === undefined || running.covers === live) return running.done;
      after ??= running.done
        .catch(() => undefined)
        .then(() => {
          after = undefined;
          return refresh();
        });
      return after;
    }
    if (ifBehind && live !== undefined && live === caughtUp) return Promise.resolve();
    return start();
  }

  return {
    refresh,
    reset() {
      running = undefined;
      after = undefined;
      caughtUp = undefined;
    },
    listing: () => (running?.listed === undefined ? undefined : { found: running.listed }),
  };
}
