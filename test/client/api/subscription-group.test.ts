// More topics than one stream may hold, spread over several subscriptions against a real node: every envelope
// once, topic changes placed where there is room (a topic never moves), connection state told for the group.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ApiClient } from '@/client/api/api-client';
import type { Envelope } from '@/client/api/json';
import { MAX_TOPICS } from '@/client/api/subscription';
import { SubscriptionGroup } from '@/client/api/subscription-group';
import {
  NodeWebSocket,
  labelOf,
  makeEnvelope,
  removeTestDirs,
  startTestNode,
  uniqueTopic,
  waitFor,
  type TestNode,
} from './helpers';

const FAST = {
  reconnect: { baseDelayMs: 20, maxDelayMs: 100 },
  connectTimeoutMs: 5000,
  transport: 'ws' as const,
};

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

it('streams more topics than one subscription may hold', { timeout: 60_000 }, async () => {
  const client = new ApiClient({ nodes: [t.node.url], WebSocket: NodeWebSocket });
  const topics = Array.from({ length: MAX_TOPICS + 5 }, (_, i) => uniqueTopic(`many${i}`));
  const got: Envelope[] = [];
  const group = client.subscribeMany(topics, (e) => got.push(e), FAST);
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
    (part, since) => client.subscribe(part, (env) => got.push(env), { ...FAST, ...(since ? { since } : {}) }),
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
