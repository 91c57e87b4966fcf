// Fans relayed envelopes out to subscribers by exact topic (docs/protocol.md §1.6), or to every
// `/xmtp/0/` envelope for subscribe-all. Each envelope is serialised once, as the
// `{"result":<Envelope>}` object both stream transports send.
import { envelopeJson } from '@/network/api/json';
import type { RelayEnvelope } from './relay';
import type { ReopenLedger } from './reopen';
import { textFrame } from './ws-frame';

/**
 * One envelope on its way to subscribers, encoded once for all of them: the
 * `{"result":<Envelope>}` object as UTF-8 bytes, without and with the NDJSON newline.
 */
export class OutgoingEnvelope {
  private frameBytes: Buffer | undefined;
  private wsFrameBytes: Buffer | undefined;
  private lineBytes: Buffer | undefined;

  /**
   * `seq` numbers the envelopes in dispatch order (the reopen rule tells with it what a new subscriber has
   * not had yet).
   */
  constructor(
    readonly json: string,
    readonly topic: string,
    readonly seq: number,
  ) {}

  /** A WebSocket text frame's payload. */
  get frame(): Buffer {
    return (this.frameBytes ??= Buffer.from(this.json, 'utf8'));
  }

  /** The whole WebSocket text frame (header and payload), written as is to every socket. */
  get wsFrame(): Buffer {
    return (this.wsFrameBytes ??= textFrame(this.frame));
  }

  /** An NDJSON line of the HTTP stream. */
  get line(): Buffer {
    return (this.lineBytes ??= Buffer.from(`${this.json}\n`, 'utf8'));
  }
}

export interface Subscriber {
  /** Called for every matching envelope. The subscriber bounds its own buffer. */
  deliver(envelope: OutgoingEnvelope): void;
}

/** Subscribe-all sees only these topics (§1.6, §13.7). */
export function isSubscribeAllTopic(topic: string): boolean {
  return topic.startsWith('/xmtp/0/') || topic.startsWith('/xmtp/mls/1/');
}

/** Socket writes per event-loop turn before other I/O gets a turn (see Dispatcher.deliver). */
export const DELIVERIES_PER_TURN = 500;

interface Delivery {
  out: OutgoingEnvelope;
  recipients: Subscriber[];
  next: number;
}

export class Dispatcher {
  private readonly queue: Delivery[] = [];
  private readonly byTopic = new Map<string, Set<Subscriber>>();
  private readonly all = new Set<Subscriber>();
  private seq = 0;

  /** `reopen` remembers recent envelopes for reopened HTTP subscriptions (src/network/reopen.ts). */
  constructor(private readonly reopen?: ReopenLedger) {}

  addTopics(subscriber: Subscriber, topics: Iterable<string>): void {
    for (const topic of topics) {
      let set = this.byTopic.get(topic);
      if (!set) this.byTopic.set(topic, (set = new Set()));
      set.add(subscriber);
    }
  }

  removeTopics(subscriber: Subscriber, topics: Iterable<string>): void {
    for (const topic of topics) {
      const set = this.byTopic.get(topic);
      if (!set) continue;
      set.delete(subscriber);
      if (set.size === 0) this.byTopic.delete(topic);
    }
  }

  setAll(subscriber: Subscriber, on: boolean): void {
    if (on) this.all.add(subscriber);
    else this.all.delete(subscriber);
  }

  /** Number of distinct topics with at least one subscriber (for tests and metrics). */
  get topicCount(): number {
    return this.byTopic.size;
  }

  dispatch(envelope: RelayEnvelope): void {
    const topical = this.byTopic.get(envelope.contentTopic);
    const everything = this.all.size > 0 && isSubscribeAllTopic(envelope.contentTopic) ? this.all : undefined;
    const seq = ++this.seq;
    let encoded: OutgoingEnvelope | undefined;
    const encode = () =>
      (encoded ??= new OutgoingEnvelope(`{"result":${envelopeJson(envelope)}}`, envelope.contentTopic, seq));
    this.reopen?.published(seq, envelope.contentTopic, encode);
    if (!topical && !everything) return;
    const out = encode();
    // A snapshot of the recipients at publish time: a socket that subscribes later does not get this
    // envelope, and a slow subscriber may remove itself from the sets while we deliver.
    const recipients = topical ? [...topical] : [];
    if (everything) for (const s of everything) if (!topical?.has(s)) recipients.push(s);
    this.queue.push({ out, recipients, next: 0 });
    if (this.queue.length === 1) this.deliver();
  }

  /**
   * Delivers queued envelopes in publish order, at most DELIVERIES_PER_TURN per event-loop turn:
   * one envelope to thousands of subscribers is one socket write each (~20 µs on loopback), so in
   * one go it would hold up every other request for 100 ms and more. Between slices other I/O runs;
   * envelopes that arrive meanwhile queue behind, so each subscriber still sees publish order.
   */
  private deliver(): void {
    let budget = DELIVERIES_PER_TURN;
    while (this.queue.length > 0) {
      const head = this.queue[0]!;
      const end = Math.min(head.recipients.length, head.next + budget);
      budget -= end - head.next;
      while (head.next < end) {
        try {
          head.recipients[head.next++]!.deliver(head.out);
        } catch {
          // One broken subscriber must not stall the queue for everyone else.
        }
      }
      if (head.next < head.recipients.length) break;
      this.queue.shift();
      if (budget === 0) break;
    }
    if (this.queue.length > 0) setImmediate(() => this.deliver());
  }
}
