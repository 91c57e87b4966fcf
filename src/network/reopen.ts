// Reopened HTTP subscriptions lose nothing (docs/node.md "Reopened subscriptions"). xmtp-js changes the topics of
// a stream by aborting its HTTP subscription and opening a new one with more topics, each time an envelope on its
// intro or invite topic tells it of a new conversation. Two things were lost there:
//
// - what the node wrote to the old stream while xmtp-js was still decoding that invitation: it aborts the fetch
//   and drops every byte it had not read yet. HTTP does not tell the node what was read, so instead the node
//   does not write it: after writing an intro or invite envelope to an HTTP subscription it holds the envelopes
//   that follow (the hold). When the same client opens a subscription covering the old one's topics, the new one
//   gets what was held, in order, and the old one is written no more; when nobody reopens within `graceMs`,
//   the old one gets what was held, just late.
// - what was published after the old subscription closed and before the new one opened (the gap): it reached no
//   stream of that client. When the node sees the close first, it remembers what follows on the old topics for
//   `graceMs` and hands it to the successor.
//
// "The same client" is its address and client headers (clientOf in http/handler.ts). Nothing a stream was
// written is written again, so nothing is doubled. Topics the new subscription adds are not filled from the past:
// xmtp-js reads a new V2 conversation's history by a query, and a V1 conversation's first message comes on the
// intro topic it already had.
import type { OutgoingEnvelope, Subscriber } from './dispatcher';

export const DEFAULT_REOPEN_GRACE_MS = 1_000;

/** A hold that grew this long is written out at once: the client is not reopening, or reads nothing. */
const MAX_HELD = 10_000;

/** Envelopes on these topics make xmtp-js's streamAllMessages reopen: they announce a new conversation. */
export function isReopenTrigger(topic: string): boolean {
  return topic.startsWith('/xmtp/0/intro-') || topic.startsWith('/xmtp/0/invite-');
}

/**
 * One HTTP topic subscription between the dispatcher and its stream: writes through, except during a hold.
 * Created by ReopenLedger.opened; register it with the dispatcher in place of the stream.
 */
export class ReopenGate implements Subscriber {
  /** During a hold: the envelopes not written since the trigger. */
  private held: OutgoingEnvelope[] | undefined;
  private heldAt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Once a successor took the hold over: it gets the envelopes dispatched before it opened. */
  private successor: Subscriber | undefined;
  private handedOverSeq = 0;
  /** What went to the successor, kept in case this stream turns out not to be closing (see release). */
  private handedOver: OutgoingEnvelope[] = [];
  private stopped = false;

  constructor(
    readonly stream: Subscriber,
    readonly client: string,
    readonly topics: ReadonlySet<string>,
    private readonly holdMs: number,
  ) {}

  deliver(out: OutgoingEnvelope): void {
    if (this.stopped) return;
    if (this.successor) {
      // Dispatched before the successor subscribed: only this gate has it. Later ones reach the successor
      // directly; they are kept only for a release.
      if (out.seq <= this.handedOverSeq) {
        this.successor.deliver(out);
        this.handedOver.push(out);
      } else this.held!.push(out);
      return;
    }
    if (this.held) {
      this.held.push(out);
      if (this.held.length > MAX_HELD) this.release();
      return;
    }
    this.stream.deliver(out);
    if (this.holdMs > 0 && isReopenTrigger(out.topic)) this.hold();
  }

  /** Holding and not yet taken over, since when (for choosing among a client's streams). */
  get holdingSince(): number | undefined {
    return this.held && !this.successor ? this.heldAt : undefined;
  }

  /** The successor takes over: returns what was held, for it; from now on this stream is written nothing. */
  handOver(successor: Subscriber, seq: number): OutgoingEnvelope[] {
    const held = this.held ?? [];
    this.successor = successor;
    this.handedOverSeq = seq;
    this.handedOver = [...held];
    this.held = [];
    return held;
  }

  /** The stream ended: returns what it held and nobody took over (for a successor that comes later). */
  stop(): OutgoingEnvelope[] {
    clearTimeout(this.timer);
    this.stopped = true;
    const held = this.successor ? [] : (this.held ?? []);
    this.held = undefined;
    return held;
  }

  get replaced(): boolean {
    return this.successor !== undefined;
  }

  private hold(): void {
    this.held = [];
    this.heldAt = Date.now();
    this.timer = setTimeout(() => this.release(), this.holdMs);
    this.timer.unref?.();
  }

  /**
   * The hold ends without this stream closing: nobody reopened (a client that does not, such as xmtp-js's
   * streamConversations), or a successor took over but this stream stayed open (two subscriptions of one
   * client alike, e.g. two tabs). It is written everything it was not, in order, so it loses nothing.
   */
  private release(): void {
    clearTimeout(this.timer);
    const pending = [...this.handedOver, ...(this.held ?? [])];
    this.held = undefined;
    this.successor = undefined;
    this.handedOver = [];
    for (const out of pending) this.deliver(out); // a trigger among them starts the next hold
  }
}

interface Waiting {
  client: string;
  topics: ReadonlySet<string>;
  closedAt: number;
  /** The last envelope dispatched before it closed. */
  closeSeq: number;
  /** What it held when it closed: never written to it. */
  held: OutgoingEnvelope[];
}

export interface ReopenOptions {
  /** How long a hold lasts, and how long a closed subscription waits for its successor (0: no rule). */
  graceMs: number;
  /** Envelopes remembered at most for the gap (the newest). */
  maxEnvelopes?: number;
  now?: () => number;
}

const covers = (topics: ReadonlySet<string>, of: ReadonlySet<string>) => [...of].every((t) => topics.has(t));

export class ReopenLedger {
  /** Open topic subscriptions by client. */
  private readonly open = new Map<string, Set<ReopenGate>>();
  /** Closed subscriptions no other one replaced yet, oldest first. */
  private waiting: Waiting[] = [];
  /** Envelopes on the topics of waiting subscriptions, dispatched after they closed. */
  private recent: OutgoingEnvelope[] = [];
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
  published(seq: number, topic: string, out: () => OutgoingEnvelope): void {
    this.seq = seq;
    if (this.waiting.length === 0) return;
    this.prune();
    if (!this.waiting.some((w) => w.topics.has(topic))) return;
    this.recent.push(out());
    if (this.recent.length > this.maxEnvelopes) this.recent.shift();
  }

  /**
   * A topic subscription opened: returns the gate to register with the dispatcher in its place, which has
   * already been given what the subscription inherits from the one it replaces (usually nothing).
   */
  opened(stream: Subscriber, client: string, topics: readonly string[]): ReopenGate {
    const gate = new ReopenGate(stream, client, new Set(topics), this.graceMs);
    let mine = this.open.get(client);
    if (!mine) this.open.set(client, (mine = new Set()));
    this.prune();
    const holder = [...mine]
      .filter((g) => g.holdingSince !== undefined && covers(gate.topics, g.topics))
      .sort((a, b) => a.holdingSince! - b.holdingSince!)[0];
    mine.add(gate);
    if (holder) {
      for (const out of holder.handOver(gate, this.seq)) gate.deliver(out);
      return gate;
    }
    const i = this.waiting.findIndex((w) => w.client === client && covers(gate.topics, w.topics));
    if (i >= 0) {
      const [previous] = this.waiting.splice(i, 1);
      const gap = this.recent.filter(
        (out) => out.seq > previous!.closeSeq && previous!.topics.has(out.topic),
      );
      for (const out of [...previous!.held, ...gap]) gate.deliver(out);
    }
    return gate;
  }

  /** A topic subscription's stream ended. */
  closed(gate: ReopenGate): void {
    const held = gate.stop();
    const mine = this.open.get(gate.client);
    if (!mine?.delete(gate)) return;
    if (mine.size === 0) this.open.delete(gate.client);
    if (this.graceMs <= 0 || gate.replaced) return;
    // Already replaced (the node often sees the new request before the old one's close): from then on another
    // subscription carried its topics, so nothing fell between the two.
    for (const other of mine) if (covers(other.topics, gate.topics)) return;
    this.waiting.push({
      client: gate.client,
      topics: gate.topics,
      closedAt: this.now(),
      closeSeq: this.seq,
      held,
    });
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
    this.recent = this.recent.filter((out) => out.seq > oldest);
  }
}
