import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Dispatcher, type Subscriber } from '@/network/dispatcher';
import { ReopenLedger } from '@/network/reopen';
import { b64, post, sleep, startTestNode, subscribe, T0, type TestNode } from './helpers';

// A reopened subscription loses nothing that reached no stream (issue #19 item 4, docs/node.md "Reopened
// subscriptions"): the rule on its own and over the node's HTTP API. What it does for xmtp-js's
// streamAllMessages is measured by `npm run bench -- reopen`.

describe('the reopen rule', () => {
  let clock = 1_000;
  const INVITE = '/xmtp/0/invite-0xabc/proto';

  /** The real dispatcher and ledger; subscribers record the names of what they were written. */
  function world(graceMs = 1_000) {
    const ledger = new ReopenLedger({ graceMs, now: () => clock });
    const dispatcher = new Dispatcher(ledger);
    let n = 0;
    return {
      ledger,
      publish(topic: string, name: string) {
        dispatcher.dispatch({ contentTopic: topic, timestampNs: BigInt(++n), message: Buffer.from(name) });
      },
      open(client: string, topics: string[]) {
        const got: string[] = [];
        const stream: Subscriber = {
          deliver: (out) => got.push(Buffer.from(JSON.parse(out.json).result.message, 'base64').toString()),
        };
        const gate = ledger.opened(stream, client, topics);
        dispatcher.addTopics(gate, topics);
        return {
          got,
          close() {
            dispatcher.removeTopics(gate, topics);
            ledger.closed(gate);
          },
        };
      },
    };
  }

  it('hands the successor what fell between the two on the old topics, and nothing the old one carried', () => {
    const w = world();
    const old = w.open('client', ['t1']);
    w.publish('t1', 'carried by the old one');
    w.publish('t2', 'on the added topic, before the reopen');
    old.close();
    w.publish('t1', 'after the old one closed');
    w.publish('t3', 'a topic neither has');
    const next = w.open('client', ['t1', 't2']);
    w.publish('t1', 'live');
    expect(old.got).toEqual(['carried by the old one']);
    expect(next.got).toEqual(['after the old one closed', 'live']);
    expect(w.open('client', ['t1', 't2']).got).toEqual([]); // the old one pairs once
  });

  it('holds what follows an invitation until the same client reopens, and hands it to the new stream', () => {
    const w = world();
    const old = w.open('client', [INVITE, 't1']);
    w.publish('t1', 'before');
    w.publish(INVITE, 'invitation');
    w.publish('t1', 'while the client decodes it');
    w.publish('t1', 'and a second');
    expect(old.got).toEqual(['before', 'invitation']); // not written: the client will drop it unread
    const next = w.open('client', [INVITE, 't1', 't2']);
    w.publish('t1', 'live');
    old.close(); // the node sees the close after the new request
    w.publish('t2', 'on the added topic');
    expect(old.got).toEqual(['before', 'invitation']);
    expect(next.got).toEqual(['while the client decodes it', 'and a second', 'live', 'on the added topic']);
  });

  it('writes a hold out late when nobody reopens, and a held invitation starts the next hold', async () => {
    const w = world(50);
    const only = w.open('client', [INVITE, 't1']);
    w.publish(INVITE, 'invitation 1');
    w.publish('t1', 'a');
    w.publish(INVITE, 'invitation 2');
    w.publish('t1', 'b');
    expect(only.got).toEqual(['invitation 1']);
    await sleep(80);
    expect(only.got).toEqual(['invitation 1', 'a', 'invitation 2']);
    await sleep(80);
    expect(only.got).toEqual(['invitation 1', 'a', 'invitation 2', 'b']);
    w.publish('t1', 'c');
    expect(only.got.at(-1)).toBe('c');
  });

  it('gives a held stream that stays open after a successor took over everything it missed', async () => {
    const w = world(50);
    const first = w.open('client', [INVITE, 't1']);
    w.publish(INVITE, 'invitation');
    w.publish('t1', 'held');
    const second = w.open('client', [INVITE, 't1']); // e.g. a second tab with the same headers
    w.publish('t1', 'after');
    await sleep(80);
    expect(first.got).toEqual(['invitation', 'held', 'after']);
    expect(second.got).toEqual(['held', 'after']);
  });

  it('pairs only the same client, a superset of topics, within the grace window', () => {
    const w = world();
    w.open('a', ['t1', 't2']).close();
    w.publish('t1', 'missed');
    expect(w.open('b', ['t1', 't2']).got).toEqual([]); // another client
    expect(w.open('a', ['t1']).got).toEqual([]); // does not cover t2
    clock += 1_001;
    expect(w.open('a', ['t1', 't2']).got).toEqual([]); // too late
    const off = world(0);
    const held = off.open('a', [INVITE, 't1']);
    off.publish(INVITE, 'invitation');
    off.publish('t1', 'x');
    expect(held.got).toEqual(['invitation', 'x']); // no hold
    held.close();
    off.publish('t1', 'y');
    expect(off.open('a', ['t1']).got).toEqual([]);
    expect(off.ledger.remembered).toBe(0);
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

  it('holds what follows an invitation for the reopened HTTP subscription, not the one being torn down', async () => {
    const [invite, t1, t2] = [
      '/xmtp/0/invite-0xreopen/proto',
      '/xmtp/0/m-hold-1/proto',
      '/xmtp/0/m-hold-2/proto',
    ];
    const publish = (topic: string, text: string, i: number) =>
      post(node, '/message/v1/publish', {
        envelopes: [{ contentTopic: topic, timestampNs: (T0 + BigInt(i)).toString(), message: b64(text) }],
      });
    const text = (line: { result: { message: string } }) =>
      Buffer.from(line.result.message, 'base64').toString();
    const first = subscribe(node, '/message/v1/subscribe', { contentTopics: [invite, t1] });
    await first.status;
    await publish(invite, 'invitation', 1);
    expect(text(await first.next())).toBe('invitation');
    await publish(t1, 'while it decodes', 2);
    await expect(first.next(200)).rejects.toThrow(/no line/); // held, not written to the old stream
    const second = subscribe(node, '/message/v1/subscribe', { contentTopics: [invite, t1, t2] });
    expect(text(await second.next())).toBe('while it decodes');
    first.close();
    await publish(t1, 'live', 3);
    expect(text(await second.next())).toBe('live');
    await expect(second.next(300)).rejects.toThrow(/no line/);
    second.close();
  });
});
