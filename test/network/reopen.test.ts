import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { OutgoingEnvelope, type Subscriber } from '@/network/dispatcher';
import { ReopenLedger } from '@/network/reopen';
import { b64, post, sleep, startTestNode, subscribe, T0, type TestNode } from './helpers';

// A reopened subscription loses nothing that reached no stream (issue #19 item 4, docs/node.md "Reopened
// subscriptions"): the rule on its own and over the node's HTTP API. What it does for xmtp-js's
// streamAllMessages is measured by `npm run bench -- reopen`.

describe('the reopen rule', () => {
  let clock = 1_000;
  const ledger = () => new ReopenLedger({ graceMs: 1_000, now: () => clock });
  const sub = (): Subscriber => ({ deliver: () => undefined });
  const publish = (l: ReopenLedger, topic: string, name: string) =>
    l.published(topic, () => new OutgoingEnvelope(JSON.stringify(name)));
  const names = (outs: OutgoingEnvelope[] | undefined) =>
    (outs ?? []).map((o) => JSON.parse(o.json) as string);

  it('hands the successor what fell between the two on the old topics, and nothing the old one carried', () => {
    const l = ledger();
    const old = sub();
    l.opened(old, 'client', ['t1']);
    publish(l, 't1', 'carried by the old one');
    publish(l, 't2', 'on the added topic, before the reopen');
    l.closed(old, 'client');
    publish(l, 't1', 'after the old one closed');
    publish(l, 't3', 'a topic neither has');
    const next = sub();
    expect(names(l.opened(next, 'client', ['t1', 't2']))).toEqual(['after the old one closed']);
    publish(l, 't1', 'live');
    expect(names(l.opened(sub(), 'client', ['t1', 't2']))).toEqual([]); // the old one pairs once
  });

  it('hands over nothing when the successor opened before the node saw the old one close', () => {
    const l = ledger();
    const old = sub();
    l.opened(old, 'client', ['t1']);
    const next = sub();
    expect(l.opened(next, 'client', ['t1', 't2'])).toEqual([]);
    publish(l, 't1', 'reaches both live');
    l.closed(old, 'client'); // replaced already: nothing falls between
    publish(l, 't1', 'reaches the new one live');
    expect(l.remembered).toBe(0);
    l.closed(next, 'client');
    publish(l, 't2', 'after the second closed');
    expect(names(l.opened(sub(), 'client', ['t1', 't2']))).toEqual(['after the second closed']); // a chain
  });

  it('pairs only the same client, a superset of topics, within the grace window', () => {
    const l = ledger();
    const opened = (client: string, topics: string[]) => {
      const s = sub();
      l.opened(s, client, topics);
      return s;
    };
    l.closed(opened('a', ['t1', 't2']), 'a');
    publish(l, 't1', 'missed');
    expect(names(l.opened(sub(), 'b', ['t1', 't2']))).toEqual([]); // another client
    expect(names(l.opened(sub(), 'a', ['t1']))).toEqual([]); // does not cover t2
    clock += 1_001;
    expect(names(l.opened(sub(), 'a', ['t1', 't2']))).toEqual([]); // too late
    const disabled = new ReopenLedger({ graceMs: 0, now: () => clock });
    const s = sub();
    disabled.opened(s, 'a', ['t1']);
    disabled.closed(s, 'a');
    publish(disabled, 't1', 'x');
    expect(disabled.opened(sub(), 'a', ['t1'])).toEqual([]);
    expect(disabled.remembered).toBe(0);
  });
});

describe('reopened subscriptions on the node', () => {
  let node: TestNode;
  beforeAll(async () => {
    node = await startTestNode();
  });
  afterAll(() => node.close());

  it('gives a reopened HTTP subscription what was published in the gap, once, and not what it had', async () => {
    const [t1, t2] = ['/xmtp/0/m-reopen-1/proto', '/xmtp/0/m-reopen-2/proto'];
    const publish = (topic: string, text: string, i: number) =>
      post(node, '/message/v1/publish', {
        envelopes: [{ contentTopic: topic, timestampNs: (T0 + BigInt(i)).toString(), message: b64(text) }],
      });
    const text = (line: { result: { message: string } }) =>
      Buffer.from(line.result.message, 'base64').toString();
    const first = subscribe(node, '/message/v1/subscribe', { contentTopics: [t1] });
    await first.status;
    await publish(t1, 'before', 1);
    expect(text(await first.next())).toBe('before');
    first.close();
    await sleep(100); // the node has seen it close
    await publish(t1, 'in the gap', 2);
    await publish(t2, 'on the added topic', 3);
    const second = subscribe(node, '/message/v1/subscribe', { contentTopics: [t1, t2] });
    expect(text(await second.next())).toBe('in the gap'); // not the added topic's past: a query reads that
    await publish(t1, 'live', 4);
    expect(text(await second.next())).toBe('live');
    await expect(second.next(300)).rejects.toThrow(/no line/); // nothing twice
    second.close();
  });
});
