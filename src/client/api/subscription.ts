// A subscription that survives dropped connections, node restarts and topic changes without losing or
// repeating envelopes (docs/design.md §1.3). After every gap it queries each
// topic from the last envelope it saw and merges that with the live stream, dropping what it already
// delivered. Live envelopes that arrive while a catch-up runs wait in a buffer, so delivery stays in order.
import { ProtocolError, check } from '@/protocol/errors';
import { ApiError } from './api-error';
import { backoffDelay, type BackoffPolicy } from './backoff';
import type { Envelope } from './json';
import { openNdjsonStream } from './ndjson-stream';
import { SeenIds, messageId } from './seen-ids';
import type { StreamConnection, StreamEnd, WebSocketConstructor } from './stream-connection';
import { openWsStream } from './ws-stream';

export type StreamTransport = 'auto' | 'ws' | 'ndjson';

export interface SubscribeOptions {
  /** `ws` = the node's WebSocket endpoint, `ndjson` = HTTP subscribe (any XMTP node), `auto` (default) = ws, else ndjson. */
  transport?: StreamTransport;
  /**
   * Per topic, deliver envelopes from this timestamp (ns, inclusive) on, by a query when the stream opens.
   * Without it a topic starts with what is published after the first connection.
   */
  since?: Record<string, bigint>;
  /** Catch-up queries start this much before the last envelope seen, for senders whose clocks lag. Default 5000. */
  catchUpSlackMs?: number;
  /** How many delivered message ids are remembered for de-duplication. Default 10,000. */
  seenIdsLimit?: number;
  /** Reconnect backoff (full jitter). Default base 500 ms, max 30 s. */
  reconnect?: Partial<BackoffPolicy>;
  /** A connection not registered within this time counts as failed. Default 10 s. */
  connectTimeoutMs?: number;
  /** A WebSocket with no frame (the node pings every 15 s) for this long is dropped. Default 45 s. */
  livenessTimeoutMs?: number;
}

export interface SubscriptionEvents {
  /** The node registered our topics (before any catch-up). */
  connected: { transport: 'ws' | 'ndjson'; node: string };
  /** An established connection ended; a reconnect follows unless the subscription was closed. */
  disconnected: { reason: string; code?: number; error?: unknown };
  /** The gap (if any) is filled and live envelopes flow; `delivered` counts envelopes the catch-up delivered. */
  'caught-up': { transport: 'ws' | 'ndjson'; delivered: number };
  /** Something went wrong that the subscription recovers from (a failed connect, a bad frame, a throwing callback). */
  error: { error: unknown };
}

export type SubscriptionState = 'connecting' | 'connected' | 'disconnected' | 'closed';

/** What a subscription needs from its API client (injected, so it has no import cycle). */
export interface StreamContext {
  currentNode(): string;
  nodeFailed(node: string): void;
  fetch: typeof fetch;
  WebSocket?: WebSocketConstructor;
  headers: Record<string, string>;
  now(): number;
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
  random(): number;
  /** Per query, every envelope of `topic` with timestamp ≥ startTimeNs, ascending. */
  catchUp(queries: { topic: string; startTimeNs: bigint }[]): Promise<Envelope[][]>;
}

type Listener<K extends keyof SubscriptionEvents> = (event: SubscriptionEvents[K]) => void;

/**
 * Where catch-up for a topic starts: after the last delivered envelope (`seen`, less the slack) or at a
 * point in time, never before `floor` (the topic's `since` or the moment it was first registered), so the
 * slack cannot bring back envelopes from before the subscription began.
 */
interface Anchor {
  ns: bigint;
  seen: boolean;
  floor: bigint;
}

/** Topics one subscription streams at most: the node's limit per stream (docs/node-api.md §5). */
export const MAX_TOPICS = 10_000;
const STABLE_CONNECTION_MS = 10_000;
const MAX_TOPIC_BYTES = 300;
const encoder = new TextEncoder();

function checkTopics(topics: string[]): void {
  check(
    topics.length <= MAX_TOPICS,
    'too_many_topics',
    `too many topics for one subscription: ${topics.length}`,
  );
  for (const topic of topics) {
    check(
      typeof topic === 'string' && topic.length > 0,
      'invalid_topic',
      `invalid topic: ${JSON.stringify(topic)}`,
    );
    const bytes = encoder.encode(topic).length;
    check(
      bytes <= MAX_TOPIC_BYTES,
      'invalid_topic',
      `topic too long (${bytes} bytes): ${topic.slice(0, 80)}…`,
    );
  }
}

export class Subscription {
  private readonly topicSet: Set<string>;
  private readonly anchors = new Map<string, Anchor>();
  /** Topics whose history since their anchor must be queried at the next catch-up. */
  private readonly pending = new Set<string>();
  private readonly seen: SeenIds;
  private readonly listeners = new Map<keyof SubscriptionEvents, Set<(event: never) => void>>();
  private readonly abort = new AbortController();
  private readonly wsUnsupported = new Set<string>();
  private readonly opts: Required<Omit<SubscribeOptions, 'since' | 'reconnect'>> & {
    reconnect: BackoffPolicy;
  };
  private conn: StreamConnection | undefined;
  private generation = 0;
  private live = false;
  private buffer: Envelope[] = [];
  private everConnected = false;
  private serial: Promise<unknown> = Promise.resolve();
  private stateValue: SubscriptionState = 'connecting';
  private readonly running: Promise<void>;

  constructor(
    private readonly ctx: StreamContext,
    topics: string[],
    private readonly onEnvelope: (envelope: Envelope) => void,
    options: SubscribeOptions = {},
  ) {
    checkTopics(topics);
    this.opts = {
      transport: options.transport ?? 'auto',
      catchUpSlackMs: options.catchUpSlackMs ?? 5000,
      seenIdsLimit: options.seenIdsLimit ?? 10_000,
      connectTimeoutMs: options.connectTimeoutMs ?? 10_000,
      livenessTimeoutMs: options.livenessTimeoutMs ?? 45_000,
      reconnect: { baseDelayMs: 500, maxDelayMs: 30_000, ...options.reconnect },
    };
    check(
      this.opts.transport !== 'ws' || ctx.WebSocket !== undefined,
      'no_websocket',
      'transport ws needs a WebSocket constructor (none is global here; pass one to the ApiClient)',
    );
    this.seen = new SeenIds(this.opts.seenIdsLimit);
    this.topicSet = new Set(topics);
    for (const [topic, ns] of Object.entries(options.since ?? {})) {
      if (!this.topicSet.has(topic)) continue;
      this.anchors.set(topic, { ns, seen: false, floor: ns });
      this.pending.add(topic);
    }
    this.running = this.run().catch((error: unknown) => {
      this.stateValue = 'closed';
      this.emit('error', { error });
    });
  }

  get topics(): string[] {
    return [...this.topicSet];
  }

  get state(): SubscriptionState {
    return this.stateValue;
  }

  /** The transport of the current connection, if any. */
  get transport(): 'ws' | 'ndjson' | undefined {
    return this.conn?.transport;
  }

  on<K extends keyof SubscriptionEvents>(event: K, listener: Listener<K>): () => void {
    let set = this.listeners.get(event);
    if (!set) this.listeners.set(event, (set = new Set()));
    set.add(listener as (event: never) => void);
    return () => set.delete(listener as (event: never) => void);
  }

  /** Resolves with the next `event`. */
  once<K extends keyof SubscriptionEvents>(event: K): Promise<SubscriptionEvents[K]> {
    return new Promise((resolve) => {
      const off = this.on(event, (e) => {
        off();
        resolve(e);
      });
    });
  }

  /**
   * Replaces the topic set. Over a WebSocket the open socket is updated in place; over NDJSON the stream
   * reconnects. Added topics are caught up from `since[topic]`, or else from the moment of this call.
   * Resolves once the change is in effect on the current connection (or at once when disconnected).
   */
  async setTopics(topics: string[], opts: { since?: Record<string, bigint> } = {}): Promise<void> {
    check(this.stateValue !== 'closed', 'subscription_closed', 'subscription is closed');
    checkTopics(topics);
    const next = new Set(topics);
    const nowNs = BigInt(Math.floor(this.ctx.now())) * 1_000_000n;
    for (const topic of this.topicSet) {
      if (next.has(topic)) continue;
      this.topicSet.delete(topic);
      this.anchors.delete(topic);
      this.pending.delete(topic);
    }
    for (const topic of next) {
      if (this.topicSet.has(topic)) continue;
      this.topicSet.add(topic);
      const since = opts.since?.[topic];
      if (since !== undefined) this.anchors.set(topic, { ns: since, seen: false, floor: since });
      else if (this.everConnected) this.anchors.set(topic, { ns: nowNs, seen: false, floor: nowNs });
      if (this.anchors.has(topic)) this.pending.add(topic);
    }
    const conn = this.conn;
    if (!conn) return;
    if (conn.transport === 'ws') {
      try {
        await this.exclusive(() => this.syncAndCatchUp(conn));
      } catch (error) {
        // The topic set is ours already; a reconnect registers it and fills the gap.
        if (!this.closed) this.emit('error', { error });
        conn.close(`topic change failed: ${(error as Error).message}`);
      }
    } else {
      // NDJSON cannot change topics in place: reconnect, and wait for the new connection to catch up.
      const reconnected = new Promise<void>((resolve) => {
        const off = this.on('connected', () => {
          off();
          void this.once('caught-up').then(() => resolve());
        });
      });
      conn.close('topics changed', true);
      await Promise.race([reconnected, this.running]);
    }
  }

  /** Stops the stream for good. */
  async close(): Promise<void> {
    if (this.stateValue === 'closed') return;
    this.stateValue = 'closed';
    this.abort.abort();
    const conn = this.conn;
    conn?.close('subscription closed');
    if (conn) await conn.ended;
  }

  private emit<K extends keyof SubscriptionEvents>(event: K, data: SubscriptionEvents[K]): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        (listener as Listener<K>)(data);
      } catch {
        // A listener's failure is its own business.
      }
    }
  }

  private get closed(): boolean {
    return this.stateValue === 'closed';
  }

  /** Runs `fn` after every earlier topic change or catch-up has finished. */
  private exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const result = this.serial.then(fn);
    this.serial = result.catch(() => {});
    return result;
  }

  private async run(): Promise<void> {
    let failures = 0;
    while (!this.closed) {
      const node = this.ctx.currentNode();
      const generation = ++this.generation;
      this.live = false;
      this.buffer = [];
      let conn: StreamConnection;
      try {
        conn = await this.connect(node, generation);
      } catch (error) {
        if (this.closed) break;
        this.emit('error', { error });
        if (error instanceof ApiError && (error.isTransient || error.status === undefined))
          this.ctx.nodeFailed(node);
        await this.ctx.sleep(this.reconnectDelay(failures++, error), this.abort.signal);
        continue;
      }
      if (this.closed) {
        conn.close('subscription closed');
        break;
      }
      this.conn = conn;
      // Anything still in flight for this connection (a catch-up) is stale once it ends.
      void conn.ended.then(() => {
        if (this.generation === generation) this.generation++;
      });
      this.stateValue = 'connected';
      this.emit('connected', { transport: conn.transport, node });
      const connectedAt = this.ctx.now();
      try {
        await this.exclusive(() => this.syncAndCatchUp(conn));
      } catch (error) {
        const dropped = error instanceof ProtocolError && error.code === 'stream_dropped';
        if (!this.closed && !dropped) this.emit('error', { error });
        conn.close(`catch-up failed: ${(error as Error).message}`);
      }
      const end: StreamEnd = await conn.ended;
      this.conn = undefined;
      this.live = false;
      this.buffer = [];
      if (this.closed) break;
      // Whatever was registered is now a gap to fill on the next connection.
      for (const topic of this.topicSet) if (this.anchors.has(topic)) this.pending.add(topic);
      this.stateValue = 'disconnected';
      this.emit('disconnected', { reason: end.reason, code: end.code, error: end.error });
      // Only a connection that held for a while resets the backoff: a node that accepts and drops at once
      // must not be hammered.
      if (this.ctx.now() - connectedAt >= STABLE_CONNECTION_MS) failures = 0;
      if (!end.topicChange) {
        await this.ctx.sleep(this.reconnectDelay(failures++, end.error), this.abort.signal);
      }
    }
    this.stateValue = 'closed';
  }

  private reconnectDelay(failures: number, error: unknown): number {
    const delay = backoffDelay(this.opts.reconnect, failures, this.ctx.random);
    const retryAfter = error instanceof ApiError ? error.retryAfterMs : undefined;
    return retryAfter !== undefined ? Math.max(delay, retryAfter) : delay;
  }

  private async connect(node: string, generation: number): Promise<StreamConnection> {
    const handlers = {
      onEnvelope: (envelope: Envelope) => this.received(envelope, generation),
      onError: (error: unknown) => this.emit('error', { error }),
    };
    const topics = [...this.topicSet];
    const ndjson = () =>
      openNdjsonStream({
        fetch: this.ctx.fetch,
        node,
        topics,
        headers: this.ctx.headers,
        handlers,
        connectTimeoutMs: this.opts.connectTimeoutMs,
        now: this.ctx.now,
      });
    const mode = this.opts.transport;
    const WebSocket = this.ctx.WebSocket;
    if (mode === 'ndjson' || !WebSocket || (mode === 'auto' && this.wsUnsupported.has(node))) return ndjson();
    const ws = () =>
      openWsStream({
        WebSocket,
        node,
        topics,
        handlers,
        connectTimeoutMs: this.opts.connectTimeoutMs,
        livenessTimeoutMs: this.opts.livenessTimeoutMs,
      });
    if (mode === 'ws') return ws();
    try {
      return await ws();
    } catch (wsError) {
      // The node may predate the WebSocket endpoint: if plain HTTP streaming works, stay with it there.
      const conn = await ndjson();
      this.wsUnsupported.add(node);
      this.emit('error', { error: wsError });
      return conn;
    }
  }

  /** A live envelope from connection `generation`. */
  private received(envelope: Envelope, generation: number): void {
    if (generation !== this.generation) return;
    if (this.live) this.deliver(envelope);
    else this.buffer.push(envelope);
  }

  /**
   * Brings the connection's topic set in line with ours, then fills every pending gap: queries run while
   * live envelopes are held back, then the query results go out, then the held-back envelopes.
   */
  private async syncAndCatchUp(conn: StreamConnection): Promise<void> {
    if (this.conn !== conn || this.closed) return;
    const generation = this.generation;
    this.live = false;
    const wanted = [...this.topicSet];
    if (wanted.length !== conn.topics.size || wanted.some((t) => !conn.topics.has(t))) {
      if (!conn.setTopics) {
        conn.close('topics changed', true);
        return;
      }
      await conn.setTopics(wanted);
    }
    // Only topics the node has registered are queried: one added while the registration above was in
    // flight is not, and a query now would leave a gap between its answer and that topic's registration
    // (the next run registers it, then queries it). Likewise one removed meanwhile.
    const registered = new Set(wanted);
    const current = (topic: string) => registered.has(topic) && this.topicSet.has(topic);
    // A topic first registered now starts from now: no history unless the caller asked for it.
    const nowNs = BigInt(Math.floor(this.ctx.now())) * 1_000_000n;
    for (const topic of this.topicSet)
      if (current(topic) && !this.anchors.has(topic))
        this.anchors.set(topic, { ns: nowNs, seen: false, floor: nowNs });
    this.everConnected = true;

    const topics = [...this.pending].filter(current);
    // Taken before the query: a topic removed and added again while it runs is pending again, for the run its
    // change queued. (A failed query ends the connection, and the next one catches up every topic.)
    for (const topic of topics) this.pending.delete(topic);
    const slackNs = BigInt(Math.floor(this.opts.catchUpSlackMs)) * 1_000_000n;
    const found =
      topics.length === 0
        ? []
        : await this.ctx.catchUp(
            topics.map((topic) => {
              const anchor = this.anchors.get(topic)!;
              const start = anchor.seen ? anchor.ns - slackNs : anchor.ns;
              return { topic, startTimeNs: start > anchor.floor ? start : anchor.floor };
            }),
          );
    if (generation !== this.generation || this.closed) {
      throw new ProtocolError('stream_dropped', 'connection ended during catch-up');
    }
    // Each topic's history is ascending; merge them by timestamp (a stable sort keeps per-topic order).
    const history = found
      .flat()
      .sort((a, b) => (a.timestampNs < b.timestampNs ? -1 : a.timestampNs > b.timestampNs ? 1 : 0));
    let delivered = 0;
    for (const envelope of history) if (this.deliver(envelope)) delivered++;
    const held = this.buffer;
    this.buffer = [];
    for (const envelope of held) this.deliver(envelope);
    this.live = true;
    this.emit('caught-up', { transport: conn.transport, delivered });
  }

  /** Hands an envelope to the caller unless it is off our topics or already delivered. */
  private deliver(envelope: Envelope): boolean {
    const topic = envelope.contentTopic;
    if (!this.topicSet.has(topic) || this.closed) return false;
    // Keyed by topic too: xmtp-js sends the same message bytes to several topics (intro + dm, §17.13).
    if (!this.seen.add(`${topic} ${messageId(envelope.message)}`)) return false;
    // Never let a sender's future timestamp push the anchor past now (§13.1: the node does not validate).
    const nowNs = BigInt(Math.floor(this.ctx.now())) * 1_000_000n;
    const ns = envelope.timestampNs < nowNs ? envelope.timestampNs : nowNs;
    const anchor = this.anchors.get(topic);
    if (!anchor) this.anchors.set(topic, { ns, seen: true, floor: ns });
    else {
      if (ns > anchor.ns) anchor.ns = ns;
      anchor.seen = true;
    }
    try {
      this.onEnvelope(envelope);
    } catch (error) {
      this.emit('error', { error });
    }
    return true;
  }
}
