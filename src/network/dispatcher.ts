// Fans relayed envelopes out to subscribers by exact topic (protocol.md §1.6), or to every
// `/xmtp/0/` envelope for subscribe-all. Each envelope is serialised once, as the
// `{"result":<Envelope>}` object both stream transports send.
import { envelopeJson } from '@/network/api/json';
import type { RelayEnvelope } from './relay';

/**
 * One envelope on its way to subscribers, encoded once for all of them: the
 * `{"result":<Envelope>}` object as UTF-8 bytes, without and with the NDJSON newline.
 */
export class OutgoingEnvelope {
  private frameBytes: Buffer | undefined;
  private lineBytes: Buffer | undefined;

  constructor(readonly json: string) {}

  /** A WebSocket text frame's payload. */
  get frame(): Buffer {
    return (this.frameBytes ??= Buffer.from(this.json, 'utf8'));
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

export class Dispatcher {
  private readonly byTopic = new Map<string, Set<Subscriber>>();
  private readonly all = new Set<Subscriber>();

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
    if (!topical && !everything) return;
    const out = new OutgoingEnvelope(`{"result":${envelopeJson(envelope)}}`);
    // Copies, because a slow subscriber removes itself while we iterate.
    if (topical) for (const s of [...topical]) s.deliver(out);
    if (everything) for (const s of [...everything]) if (!topical?.has(s)) s.deliver(out);
  }
}
