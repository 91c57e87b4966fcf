import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ApiClient } from '@/client/api/api-client';
import type { ApiError } from '@/client/api/api-error';
import type { Envelope } from '@/client/api/json';
import {
  MAX_TOPICS,
  type Subscription,
  type SubscribeOptions,
  type SubscriptionEvents,
} from '@/client/api/subscription';
import { SubscriptionGroup } from '@/client/api/subscription-group';
import type { WebSocketConstructor } from '@/client/api/stream-connection';
import {
  NodeWebSocket,
  SleepGate,
  labelOf,
  makeEnvelope,
  removeTestDirs,
  startTestNode,
  uniqueTopic,
  waitFor,
  type TestNode,
} from './helpers';

const FAST: SubscribeOptions = { reconnect: { baseDelayMs: 20, maxDelayMs: 100 }, connectTimeoutMs: 3000 };

/** A subscriber client whose sockets and NDJSON requests a test can cut, and whose reconnect sleeps it can hold. */
function subscriberClient(url: string) {
  const sockets: WebSocket[] = [];
  class RecordingWebSocket extends WebSocket {
    constructor(address: string) {
      super(address);
      sockets.push(this);
    }
  }
  const streams: AbortController[] = [];
  const gate = new SleepGate();
  const client = new ApiClient({
    nodes: [url],
    WebSocket: RecordingWebSocket as unknown as WebSocketConstructor,
    sleep: gate.sleep,
    fetch: (input, init) => {
      if (!String(input).endsWith('/subscribe')) return fetch(input, init);
      const controller = new AbortController();
      init?.signal?.addEventListener('abort', () => controller.abort());
      streams.push(controller);
      return fetch(input, { ...init, signal: controller.signal });
    },
  });
  /** Cuts the current connection from the client side, as a network drop would. */
  function drop(): void {
    for (const s of sockets) if (s.readyState === WebSocket.OPEN) s.terminate();
    for (const c of streams) c.abort();
  }
  return { client, gate, sockets, drop };
}

function record(sub: Subscription): { events: string[] } {
  const events: string[] = [];
  const names: (keyof SubscriptionEvents)[] = ['connected', 'disconnected', 'caught-up'];
  for (const name of names) sub.on(name, () => events.push(name));
  return { events };
}

let t: TestNode;
let publisher: ApiClient;
beforeAll(async () => {
  t = await startTestNode();
  publisher = new ApiClient({ nodes: [t.node.url] });
});
afterAll(async () => {
  await t.stop();
  removeTestDirs();
});

describe.each(['ws', 'ndjson'] as const)('a %s subscription', (transport) => {
  it('delivers envelopes published after it is live, on its topics only', async () => {
    const [a, b, other] = [uniqueTopic('a'), uniqueTopic('b'), uniqueTopic('other')];
    await publisher.publish([makeEnvelope(a, 'before')]);
    const got: Envelope[] = [];
    const client = new ApiClient({ nodes: [t.node.url], WebSocket: NodeWebSocket });
    const sub = client.subscribe([a, b], (e) => got.push(e), { ...FAST, transport });
    const caughtUp = await sub.once('caught-up');
    expect(caughtUp).toEqual({ transport, delivered: 0 });
    expect(sub.transport).toBe(transport);
    const sent = [
      makeEnvelope(a, 'one'),
      makeEnvelope(other, 'nope'),
      makeEnvelope(b, 'two'),
      makeEnvelope(a, 'three'),
    ];
    await publisher.publish(sent);
    await waitFor(() => got.length >= 3);
    expect(got).toEqual([sent[0], sent[2], sent[3]]);
    await sub.close();
    expect(sub.state).toBe('closed');
    await publisher.publish([makeEnvelope(a, 'after close')]);
    await new Promise((r) => setTimeout(r, 100));
    expect(got.map(labelOf)).toEqual(['one', 'two', 'three']);
  });

  it('starts with history from `since` on its first connection, then goes live', async () => {
    const topic = uniqueTopic('since');
    const old = [
      makeEnvelope(topic, 'h0', 1_000n),
      makeEnvelope(topic, 'h1', 2_000n),
      makeEnvelope(topic, 'h2', 3_000n),
    ];
    await publisher.publish(old);
    const got: Envelope[] = [];
    const client = new ApiClient({ nodes: [t.node.url], WebSocket: NodeWebSocket });
    const sub = client.subscribe([topic], (e) => got.push(e), {
      ...FAST,
      transport,
      since: { [topic]: 2_000n },
    });
    expect(await sub.once('caught-up')).toEqual({ transport, delivered: 2 });
    await publisher.publish([makeEnvelope(topic, 'live')]);
    await waitFor(() => got.length >= 3);
    expect(got.map(labelOf)).toEqual(['h1', 'h2', 'live']);
    await sub.close();
  });

  it('delivers an envelope the node relays twice only once', async () => {
    const topic = uniqueTopic('dup');
    const got: Envelope[] = [];
    const client = new ApiClient({ nodes: [t.node.url], WebSocket: NodeWebSocket });
    const sub = client.subscribe([topic], (e) => got.push(e), { ...FAST, transport });
    await sub.once('caught-up');
    const e = makeEnvelope(topic, 'twice');
    await publisher.publish([e]);
    await publisher.publish([e, makeEnvelope(topic, 'next')]);
    await waitFor(() => got.length >= 2);
    await new Promise((r) => setTimeout(r, 50));
    expect(got.map(labelOf)).toEqual(['twice', 'next']);
    await sub.close();
  });

  it('catches up what was published while its connection was down, once and in order', async () => {
    const [a, b] = [uniqueTopic('gapA'), uniqueTopic('gapB')];
    const { client, gate, drop } = subscriberClient(t.node.url);
    const got: Envelope[] = [];
    const sub = client.subscribe([a, b], (e) => got.push(e), { ...FAST, transport });
    const { events } = record(sub);
    await sub.once('caught-up');
    const before = [makeEnvelope(a, 'a1'), makeEnvelope(b, 'b1')];
    await publisher.publish(before);
    await waitFor(() => got.length >= 2);

    gate.close();
    const disconnected = sub.once('disconnected');
    drop();
    await disconnected;
    await waitFor(() => gate.held > 0, 5000, 'the reconnect to wait at the gate');
    const during = [makeEnvelope(a, 'a2'), makeEnvelope(b, 'b2'), makeEnvelope(a, 'a3')];
    for (const e of during) await publisher.publish([e]);
    const caughtUp = sub.once('caught-up');
    gate.open();
    expect((await caughtUp).delivered).toBe(3);
    const after = [makeEnvelope(b, 'b3'), makeEnvelope(a, 'a4')];
    await publisher.publish(after);
    await waitFor(() => got.length >= 7);
    await new Promise((r) => setTimeout(r, 100));
    expect(got.map(labelOf)).toEqual(['a1', 'b1', 'a2', 'b2', 'a3', 'b3', 'a4']);
    expect(events).toEqual(['connected', 'caught-up', 'disconnected', 'connected', 'caught-up']);
    await sub.close();
  });

  it('does not bring back, after a gap, envelopes from before it started', async () => {
    const topic = uniqueTopic('floor');
    // Within the catch-up slack (5 s) of what it will see, but published before it subscribed.
    await publisher.publish([makeEnvelope(topic, 'old', BigInt(Date.now() - 1000) * 1_000_000n)]);
    const { client, drop } = subscriberClient(t.node.url);
    const got: Envelope[] = [];
    const sub = client.subscribe([topic], (e) => got.push(e), { ...FAST, transport });
    await sub.once('caught-up');
    await publisher.publish([makeEnvelope(topic, 'live')]);
    await waitFor(() => got.length >= 1);
    const back = sub.once('caught-up');
    drop();
    expect((await back).delivered).toBe(0);
    expect(got.map(labelOf)).toEqual(['live']);
    await sub.close();
  });

  it('survives a node restart with nothing lost and nothing twice', async () => {
    const restartable = await startTestNode();
    const pub = new ApiClient({ nodes: [restartable.node.url] });
    const [a, b] = [uniqueTopic('rA'), uniqueTopic('rB')];
    const { client, gate } = subscriberClient(restartable.node.url);
    const got: Envelope[] = [];
    const sub = client.subscribe([a, b], (e) => got.push(e), { ...FAST, transport });
    const disconnects: SubscriptionEvents['disconnected'][] = [];
    sub.on('disconnected', (e) => disconnects.push(e));
    let failedConnects = 0;
    sub.on('error', () => failedConnects++);
    await sub.once('caught-up');
    await pub.publish([makeEnvelope(a, 'A1'), makeEnvelope(b, 'B1'), makeEnvelope(a, 'A2')]);
    await waitFor(() => got.length >= 3);

    await restartable.stop();
    await waitFor(() => disconnects.length === 1 && failedConnects >= 2, 5000, 'failed reconnects');
    if (transport === 'ws') expect(disconnects[0]!.code).toBe(1001);
    gate.close();
    await waitFor(() => gate.held > 0, 5000, 'the reconnect to wait at the gate');
    await restartable.restart();
    // Published through another client while the stream is still reconnecting.
    await pub.publish([makeEnvelope(b, 'B2'), makeEnvelope(a, 'A3')]);
    await pub.publish([makeEnvelope(b, 'B3')]);
    const caughtUp = sub.once('caught-up');
    gate.open();
    expect((await caughtUp).delivered).toBe(3);
    await pub.publish([makeEnvelope(a, 'A4'), makeEnvelope(b, 'B4')]);
    await waitFor(() => got.length >= 8);
    await new Promise((r) => setTimeout(r, 100));
    expect(got.map(labelOf)).toEqual(['A1', 'B1', 'A2', 'B2', 'A3', 'B3', 'A4', 'B4']);
    await sub.close();
    await restartable.stop();
  });
});

describe('topic changes', () => {
  it('change the topic set on the open WebSocket without reconnecting', async () => {
    const [a, b, c] = [uniqueTopic('setA'), uniqueTopic('setB'), uniqueTopic('setC')];
    const { client, sockets } = subscriberClient(t.node.url);
    const got: Envelope[] = [];
    const sub = client.subscribe([a], (e) => got.push(e), { ...FAST, transport: 'ws' });
    const { events } = record(sub);
    await sub.once('caught-up');
    await publisher.publish([makeEnvelope(a, 'a1'), makeEnvelope(c, 'c-history', 5_000n)]);
    await waitFor(() => got.length >= 1);

    await sub.setTopics([b, c], { since: { [c]: 5_000n } });
    expect(sub.topics).toEqual([b, c]);
    await publisher.publish([makeEnvelope(a, 'a-gone'), makeEnvelope(b, 'b1'), makeEnvelope(c, 'c1')]);
    await waitFor(() => got.length >= 4);
    await new Promise((r) => setTimeout(r, 100));
    expect(got.map(labelOf)).toEqual(['a1', 'c-history', 'b1', 'c1']);
    expect(sockets).toHaveLength(1);
    expect(events).toEqual(['connected', 'caught-up', 'caught-up']);
    await sub.close();
  });

  it('query a topic added during another change only once the node has registered it', async () => {
    // Topic changes in quick succession (the extension's stream adds one per new conversation): the topic
    // added while the first change's registration is in flight must not be queried by that change, whose
    // registration lacks it, or what is published between that query and its own registration is lost.
    const [a, b, c] = [uniqueTopic('quickA'), uniqueTopic('quickB'), uniqueTopic('quickC')];
    const heldSets: (() => void)[] = [];
    let holdSets = false;
    class GatedWebSocket extends WebSocket {
      override send(data: string) {
        const sendNow = () => super.send(data);
        if (holdSets && (JSON.parse(data) as { method?: string }).method === 'set') heldSets.push(sendNow);
        else sendNow();
      }
    }
    const client = new ApiClient({
      nodes: [t.node.url],
      WebSocket: GatedWebSocket as unknown as WebSocketConstructor,
    });
    const got: Envelope[] = [];
    const sub = client.subscribe([a], (e) => got.push(e), { ...FAST, transport: 'ws' });
    await sub.once('caught-up');

    holdSets = true;
    const first = sub.setTopics([a, b], { since: { [b]: 0n } });
    await waitFor(() => heldSets.length === 1); // registering [a, b]
    const second = sub.setTopics([a, b, c], { since: { [c]: 0n } });
    heldSets.shift()!();
    await first; // the first change has registered [a, b] and caught up
    await waitFor(() => heldSets.length === 1); // registering [a, b, c]
    await publisher.publish([makeEnvelope(c, 'c-between')]); // c is not registered yet: no live copy
    holdSets = false;
    heldSets.shift()!();
    await second;
    await waitFor(() => got.length >= 1);
    expect(got.map(labelOf)).toEqual(['c-between']);
    await sub.close();
  });

  it('catch up a topic removed and added again while its first catch-up query runs, from the new since', async () => {
    const [a, b] = [uniqueTopic('againA'), uniqueTopic('againB')];
    await publisher.publish([makeEnvelope(b, 'b-history', 5_000n)]);
    let holdQueries = false;
    const heldQueries: (() => void)[] = [];
    const client = new ApiClient({
      nodes: [t.node.url],
      WebSocket: NodeWebSocket,
      fetch: async (input, init) => {
        if (holdQueries && String(input).includes('query'))
          await new Promise<void>((resolve) => heldQueries.push(resolve));
        return fetch(input, init);
      },
    });
    const got: Envelope[] = [];
    const sub = client.subscribe([a], (e) => got.push(e), { ...FAST, transport: 'ws' });
    await sub.once('caught-up');

    holdQueries = true;
    const added = sub.setTopics([a, b]); // from now on: b's history is not asked for
    await waitFor(() => heldQueries.length === 1);
    const removed = sub.setTopics([a]);
    const addedAgain = sub.setTopics([a, b], { since: { [b]: 0n } }); // now it is
    holdQueries = false;
    heldQueries.shift()!();
    await Promise.all([added, removed, addedAgain]);
    await waitFor(() => got.length >= 1);
    expect(got.map(labelOf)).toEqual(['b-history']);
    await sub.close();
  });

  it('reconnect an NDJSON stream with the new topics', async () => {
    const [a, b] = [uniqueTopic('ndA'), uniqueTopic('ndB')];
    const got: Envelope[] = [];
    const client = new ApiClient({ nodes: [t.node.url] });
    const sub = client.subscribe([a], (e) => got.push(e), { ...FAST, transport: 'ndjson' });
    const { events } = record(sub);
    await sub.once('caught-up');
    await sub.setTopics([a, b]);
    await publisher.publish([makeEnvelope(b, 'b1'), makeEnvelope(a, 'a1')]);
    await waitFor(() => got.length >= 2);
    expect(got.map(labelOf)).toEqual(['b1', 'a1']);
    expect(events).toEqual(['connected', 'caught-up', 'disconnected', 'connected', 'caught-up']);
    await sub.close();
  });
});

describe('subscription arguments', () => {
  it('refuses a topic over 300 bytes before sending it, and keeps streaming the old set', async () => {
    const topic = uniqueTopic('keep');
    const got: Envelope[] = [];
    const client = new ApiClient({ nodes: [t.node.url], WebSocket: NodeWebSocket });
    const sub = client.subscribe([topic], (e) => got.push(e), { ...FAST, transport: 'ws' });
    await sub.once('caught-up');
    await expect(sub.setTopics([topic, '/xmtp/0/' + 'x'.repeat(300)])).rejects.toMatchObject({
      code: 'invalid_topic',
    });
    expect(sub.topics).toEqual([topic]);
    await publisher.publish([makeEnvelope(topic, 'still here')]);
    await waitFor(() => got.length >= 1);
    await sub.close();
    await expect(sub.setTopics([topic])).rejects.toMatchObject({ code: 'subscription_closed' });
  });

  it('refuses the ws transport when told to use no WebSocket, and auto then streams over NDJSON', async () => {
    const client = new ApiClient({ nodes: [t.node.url], WebSocket: null });
    expect(() => client.subscribe([uniqueTopic('x')], () => {}, { transport: 'ws' })).toThrow(
      /needs a WebSocket/,
    );
    const sub = client.subscribe([uniqueTopic('y')], () => {}, FAST);
    expect(await sub.once('connected')).toMatchObject({ transport: 'ndjson' });
    await sub.close();
  });
});

describe('transport choice and recovery', () => {
  it('auto uses the WebSocket when the node has it', async () => {
    const client = new ApiClient({ nodes: [t.node.url], WebSocket: NodeWebSocket });
    const sub = client.subscribe([uniqueTopic('auto')], () => {}, FAST);
    expect(await sub.once('connected')).toEqual({ transport: 'ws', node: t.node.url });
    await sub.close();
  });

  it('auto falls back to NDJSON when the WebSocket endpoint is missing', async () => {
    // A socket to a path the node does not serve, as against a node without the WebSocket endpoint.
    class NoEndpoint extends WebSocket {
      constructor(address: string) {
        super(address.replace('/message/v1/ws', '/message/v1/missing'));
      }
    }
    const topic = uniqueTopic('fallback');
    const got: Envelope[] = [];
    const client = new ApiClient({
      nodes: [t.node.url],
      WebSocket: NoEndpoint as unknown as WebSocketConstructor,
    });
    const sub = client.subscribe([topic], (e) => got.push(e), FAST);
    expect(await sub.once('caught-up')).toEqual({ transport: 'ndjson', delivered: 0 });
    await publisher.publish([makeEnvelope(topic, 'via ndjson')]);
    await waitFor(() => got.length >= 1);
    await sub.close();
  });

  it.each(['ws', 'ndjson'] as const)(
    'reconnects over %s and catches up after the node drops it as too slow',
    async (transport) => {
      // One 11 MB publish makes the burst: above the default 2 MiB body cap, so this node takes more.
      const tiny = await startTestNode({ subscriberBufferBytes: 1024, maxBodyBytes: 16 * 1024 * 1024 });
      const topic = uniqueTopic('slow');
      const got: Envelope[] = [];
      const drops: SubscriptionEvents['disconnected'][] = [];
      const client = new ApiClient({ nodes: [tiny.node.url], WebSocket: NodeWebSocket });
      const sub = client.subscribe([topic], (e) => got.push(e), { ...FAST, transport });
      sub.on('disconnected', (e) => drops.push(e));
      await sub.once('caught-up');
      const big = (label: string) => {
        const e = makeEnvelope(topic, label);
        const message = new Uint8Array(e.message.length + 256 * 1024);
        message.set(e.message);
        return { ...e, message };
      };
      const sent = Array.from({ length: 32 }, (_, i) => big(`s${i}`));
      await new ApiClient({ nodes: [tiny.node.url] }).publish(sent);
      await waitFor(() => got.length >= 32, 20_000);
      await new Promise((r) => setTimeout(r, 100));
      expect(got.map(labelOf)).toEqual(sent.map(labelOf));
      // WebSocket: close code 1013; NDJSON: a final error line with RESOURCE_EXHAUSTED (8).
      if (transport === 'ws') expect(drops.map((d) => d.code)).toContain(1013);
      else expect(drops.map((d) => (d.error as ApiError | undefined)?.grpcCode)).toContain(8);
      await sub.close();
      await tiny.stop();
    },
  );

  it('keeps a quiet WebSocket open on the node pings and drops one that goes silent', async () => {
    const pinging = await startTestNode({ pingIntervalMs: 50 });
    const silent = await startTestNode({ pingIntervalMs: 60_000 });
    const client = (url: string) => new ApiClient({ nodes: [url], WebSocket: NodeWebSocket });
    const options = { ...FAST, transport: 'ws' as const, livenessTimeoutMs: 300 };
    const alive = client(pinging.node.url).subscribe([uniqueTopic('quiet')], () => {}, options);
    const dead = client(silent.node.url).subscribe([uniqueTopic('silent')], () => {}, options);
    const aliveDrops: unknown[] = [];
    alive.on('disconnected', (e) => aliveDrops.push(e));
    await Promise.all([alive.once('caught-up'), dead.once('caught-up')]);
    const dropped = await dead.once('disconnected');
    expect(dropped.reason).toMatch(/no frame for 300 ms/);
    await dead.once('caught-up');
    await new Promise((r) => setTimeout(r, 700));
    expect(aliveDrops).toEqual([]);
    await Promise.all([alive.close(), dead.close(), pinging.stop(), silent.stop()]);
  });
});

// More topics than one stream may hold, spread over several subscriptions: every envelope once, topic changes
// placed where there is room (a topic never moves), connection state told for the group.
describe('a subscription group', () => {
  const WS = { ...FAST, transport: 'ws' as const };

  it('streams more topics than one subscription may hold', { timeout: 60_000 }, async () => {
    const client = new ApiClient({ nodes: [t.node.url], WebSocket: NodeWebSocket });
    const topics = Array.from({ length: MAX_TOPICS + 5 }, (_, i) => uniqueTopic(`many${i}`));
    const got: Envelope[] = [];
    const group = client.subscribeMany(topics, (e) => got.push(e), WS);
    let connected = 0;
    group.on('connected', () => connected++);
    expect(group.size).toBe(2);
    await waitFor(() => connected === 1, 20_000);
    await publisher.publish([makeEnvelope(topics[0]!, 'first'), makeEnvelope(topics.at(-1)!, 'last')]);
    await waitFor(() => got.length >= 2);
    expect(got.map(labelOf).sort()).toEqual(['first', 'last']);
    await group.close();
  });

  it('places new topics where there is room, catches them up from since, and stops removed ones', async () => {
    const client = new ApiClient({ nodes: [t.node.url], WebSocket: NodeWebSocket });
    const [a, b, c, d, e, f] = ['a', 'b', 'c', 'd', 'e', 'f'].map((name) => uniqueTopic(`group-${name}`)) as [
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    const got: Envelope[] = [];
    const group = new SubscriptionGroup(
      (part, since) => client.subscribe(part, (env) => got.push(env), { ...WS, ...(since ? { since } : {}) }),
      [a, b, c],
      { perMember: 2 },
    );
    const events: string[] = [];
    group.on('connected', () => events.push('connected'));
    group.on('disconnected', () => events.push('disconnected'));
    expect(group.size).toBe(2); // [a, b] and [c]
    await waitFor(() => events.length === 1);

    await publisher.publish([makeEnvelope(e, 'e-history', 5_000n)]);
    await group.setTopics([a, c, d, e, f], { since: { [e]: 5_000n } }); // b goes; d and e fill the gaps; f is new
    expect(group.size).toBe(3);
    expect(group.topics.sort()).toEqual([a, c, d, e, f].sort());
    await publisher.publish([a, b, c, d, f].map((topic, i) => makeEnvelope(topic, `live-${'abcdf'[i]}`)));
    await waitFor(() => got.length >= 5);
    await new Promise((r) => setTimeout(r, 200));
    expect(got.map(labelOf).sort()).toEqual(['e-history', 'live-a', 'live-c', 'live-d', 'live-f']);
    expect(events).toEqual(['connected']); // adding a connection is not a drop

    // Emptied subscriptions end; the topics left stream on.
    await group.setTopics([a, d]);
    expect(group.size).toBe(1);
    await publisher.publish([makeEnvelope(c, 'c-gone'), makeEnvelope(d, 'live-d-2')]);
    await waitFor(() => got.length >= 6);
    await new Promise((r) => setTimeout(r, 200));
    expect(got.map(labelOf).slice(5)).toEqual(['live-d-2']);
    expect(events).toEqual(['connected']);
    await group.close();
  });
});
