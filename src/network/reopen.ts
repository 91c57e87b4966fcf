// Reopened HTTP subscriptions lose nothing that reached no stream (docs/node.md "Reopened subscriptions").
// xmtp-js changes the topics
// of a stream by aborting its HTTP subscription and opening a new one; an envelope published between the two
// reached no stream of that client and was lost. The node pairs the new subscription with the one it replaces
// and hands it what fell between them:
//
// - a subscription S of a client (its address and client headers) closes while no other open subscription of
//   that client carries all its topics, and within `graceMs` the same client opens S' whose topics include
//   all of S's;
// - S' then gets, in publish order, the envelopes on S's topics published after S closed and before S' opened:
//   they reached no stream of that client. Nothing S carried is sent again, so nothing is doubled. Topics S'
//   adds are not filled from the past: xmtp-js reads a new conversation's history by a query, and a V1
//   conversation's first message comes on the intro topic it already had.
//
// Not recoverable by any node: envelopes written to S after the client stopped reading but before the node
// learnt it; HTTP does not say what was read. With xmtp-js that is where most losses are (docs/node.md).
import type { OutgoingEnvelope, Subscriber } from './dispatcher';

export const DEFAULT_REOPEN_GRACE_MS = 1_000;

interface Open {
  client: string;
  topics: ReadonlySet<string>;
}

interface Waiting extends Open {
  closedAt: number;
  /** The last envelope published before it closed. */
  closeSeq: number;
}

interface Published {
  seq: number;
  topic: string;
  out: OutgoingEnvelope;
}

export interface ReopenOptions {
  /** How long a closed subscription waits for its successor. */
  graceMs: number;
  /** Envelopes remembered at most (the newest). */
  maxEnvelopes?: number;
  now?: () => number;
}

const covers = (topics: ReadonlySet<string>, of: ReadonlySet<string>) => [...of].every((t) => topics.has(t));

export class ReopenLedger {
  /** Open topic subscriptions by client, each with its topics. */
  private readonly open = new Map<string, Map<Subscriber, ReadonlySet<string>>>();
  /** Closed subscriptions no other one replaced yet, oldest first. */
  private waiting: Waiting[] = [];
  /** Envelopes on the topics of waiting subscriptions, published after they closed. */
  private recent: Published[] = [];
  private seq = 0;
  private readonly graceMs: number;
  private readonly maxEnvelopes: number;
  private readonly now: () => number;

  constructor(options: ReopenOptions) {
    this.graceMs = options.graceMs;
    this.maxEnvelopes = options.maxEnvelopes ?? 20_000;
    this.now = options.now ?? Date.now;
  }

  /** Every envelope the dispatcher fans out, before it does (`out` is made only when it is kept). */
  published(topic: string, out: () => OutgoingEnvelope): void {
    this.seq++;
    if (this.waiting.length === 0) return;
    this.prune();
    if (!this.waiting.some((w) => w.topics.has(topic))) return;
    this.recent.push({ seq: this.seq, topic, out: out() });
    if (this.recent.length > this.maxEnvelopes) this.recent.shift();
  }

  /** A topic subscription opened: returns what it inherits from the one it replaces (usually nothing). */
  opened(subscriber: Subscriber, client: string, topics: readonly string[]): OutgoingEnvelope[] {
    const next = { client, topics: new Set(topics) };
    let mine = this.open.get(client);
    if (!mine) this.open.set(client, (mine = new Map()));
    mine.set(subscriber, next.topics);
    this.prune();
    const i = this.waiting.findIndex((w) => w.client === client && covers(next.topics, w.topics));
    if (i < 0) return [];
    const [previous] = this.waiting.splice(i, 1);
    const inherited = this.recent.filter((p) => p.seq > previous!.closeSeq && previous!.topics.has(p.topic));
    return inherited.map((p) => p.out);
  }

  /** A topic subscription closed. */
  closed(subscriber: Subscriber, client: string): void {
    const mine = this.open.get(client);
    const topics = mine?.get(subscriber);
    if (!mine || !topics) return;
    mine.delete(subscriber);
    if (mine.size === 0) this.open.delete(client);
    if (this.graceMs <= 0) return;
    // Already replaced (the node often sees the new request before the old one's close): from then on another
    // subscription carried its topics, so nothing fell between the two.
    for (const other of mine.values()) if (covers(other, topics)) return;
    this.waiting.push({ client, topics, closedAt: this.now(), closeSeq: this.seq });
  }

  /** For tests and metrics: envelopes kept for waiting subscriptions. */
  get remembered(): number {
    return this.recent.length;
  }

  /** Forgets closed subscriptions nobody reopened in time, and what was kept only for them. */
  private prune(): void {
    const expired = this.now() - this.graceMs;
    if (this.waiting.length === 0 || this.waiting[0]!.closedAt >= expired) return;
    this.waiting = this.waiting.filter((w) => w.closedAt >= expired);
    const oldest = this.waiting[0]?.closeSeq ?? this.seq;
    this.recent = this.recent.filter((p) => p.seq > oldest);
  }
}
