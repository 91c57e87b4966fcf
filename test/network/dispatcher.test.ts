// Fan-out of relayed envelopes to subscribers (src/network/dispatcher.ts): snapshot of recipients at
// publish time, publish order per subscriber, and large fan-outs spread over event-loop turns.
import { describe, expect, it } from 'vitest';
import { DELIVERIES_PER_TURN, Dispatcher } from '@/network/dispatcher';
import type { OutgoingEnvelope, Subscriber } from '@/network/dispatcher';

const topic = '/xmtp/0/m-dispatcher/proto';
const envelope = (i: number) => ({ contentTopic: topic, timestampNs: BigInt(i), message: Uint8Array.of(i) });

/** A subscriber that keeps the envelope timestamps it was given. */
class Recorder implements Subscriber {
  readonly got: string[] = [];
  deliver(e: OutgoingEnvelope): void {
    this.got.push((JSON.parse(e.json) as { result: { timestampNs: string } }).result.timestampNs);
  }
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

describe('dispatcher', () => {
  it('delivers a small fan-out at once, before publish returns', () => {
    const dispatcher = new Dispatcher();
    const subscribers = Array.from({ length: 10 }, () => new Recorder());
    for (const s of subscribers) dispatcher.addTopics(s, [topic]);
    dispatcher.dispatch(envelope(1));
    for (const s of subscribers) expect(s.got).toEqual(['1']);
  });

  it('spreads a fan-out larger than one turn over several turns, each subscriber getting every envelope in publish order', async () => {
    const dispatcher = new Dispatcher();
    const count = DELIVERIES_PER_TURN * 2 + 100;
    const subscribers = Array.from({ length: count }, () => new Recorder());
    for (const s of subscribers) dispatcher.addTopics(s, [topic]);
    dispatcher.dispatch(envelope(1));
    dispatcher.dispatch(envelope(2));
    const delivered = () => subscribers.reduce((n, s) => n + s.got.length, 0);
    // The event loop got control back before everyone had the first envelope.
    expect(delivered()).toBe(DELIVERIES_PER_TURN);
    for (let i = 0; i < 10 && delivered() < 2 * count; i++) await turn();
    for (const s of subscribers) expect(s.got).toEqual(['1', '2']);
  });

  it('sends an envelope only to those subscribed when it was published', async () => {
    const dispatcher = new Dispatcher();
    const early = Array.from({ length: DELIVERIES_PER_TURN + 1 }, () => new Recorder());
    for (const s of early) dispatcher.addTopics(s, [topic]);
    dispatcher.dispatch(envelope(1));
    const late = new Recorder();
    dispatcher.addTopics(late, [topic]);
    dispatcher.dispatch(envelope(2));
    for (let i = 0; i < 10; i++) await turn();
    expect(early.every((s) => s.got.join() === '1,2')).toBe(true);
    expect(late.got).toEqual(['2']);
  });

  it('keeps delivering to the others when one subscriber throws', () => {
    const dispatcher = new Dispatcher();
    const before = new Recorder();
    const after = new Recorder();
    dispatcher.addTopics(before, [topic]);
    dispatcher.addTopics(
      {
        deliver() {
          throw new Error('broken subscriber');
        },
      },
      [topic],
    );
    dispatcher.addTopics(after, [topic]);
    dispatcher.dispatch(envelope(1));
    dispatcher.dispatch(envelope(2));
    expect(before.got).toEqual(['1', '2']);
    expect(after.got).toEqual(['1', '2']);
  });

  it('delivers once to a subscriber that has the topic and subscribe-all', () => {
    const dispatcher = new Dispatcher();
    const both = new Recorder();
    dispatcher.addTopics(both, [topic]);
    dispatcher.setAll(both, true);
    dispatcher.dispatch(envelope(1));
    expect(both.got).toEqual(['1']);
  });
});
