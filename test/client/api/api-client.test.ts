import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generatePrivateKey, privateKeyToAccount } from 'viem/accounts';
import { ApiClient } from '@/client/api/api-client';
import { ApiError } from '@/client/api/api-error';
import { defaultSleep } from '@/client/api/backoff';
import { createAuthToken } from '@/protocol/authn';
import { createPrivateKeyBundle } from '@/protocol/identity';
import { labelOf, makeEnvelope, removeTestDirs, startTestNode, uniqueTopic, type TestNode } from './helpers';

interface Call {
  url: string;
  headers: Record<string, string>;
  body: string;
}

/** The real fetch, with every request written down. */
function recordingFetch(): { calls: Call[]; fetch: typeof fetch } {
  const calls: Call[] = [];
  return {
    calls,
    fetch: (input, init) => {
      calls.push({
        url: String(input),
        headers: { ...(init?.headers as Record<string, string>) },
        body: String(init?.body),
      });
      return fetch(input, init);
    },
  };
}

function recordingSleep(): { delays: number[]; sleep: (ms: number, signal?: AbortSignal) => Promise<void> } {
  const delays: number[] = [];
  return {
    delays,
    sleep: (ms, signal) => {
      delays.push(ms);
      return defaultSleep(ms, signal);
    },
  };
}

async function rejection(promise: Promise<unknown>): Promise<ApiError> {
  try {
    await promise;
  } catch (e) {
    expect(e).toBeInstanceOf(ApiError);
    return e as ApiError;
  }
  throw new Error('expected the call to fail');
}

let node: TestNode;
beforeAll(async () => {
  node = await startTestNode();
});
afterAll(async () => {
  await node.stop();
  removeTestDirs();
});

describe('ApiClient against a real node', () => {
  it('publishes envelopes and queries them back, bytes and timestamps intact', async () => {
    const client = new ApiClient({ nodes: [node.node.url] });
    const topic = uniqueTopic('roundtrip');
    const sent = [
      makeEnvelope(topic, 'b', 2_000n),
      makeEnvelope(topic, 'a', 1_000n),
      makeEnvelope(topic, 'c', 9_000_000_000_000_000_123n),
    ];
    await client.publish(sent);
    const got = await client.query(topic);
    expect(got).toEqual([sent[1], sent[0], sent[2]]);
    expect((await client.query(topic, { direction: 'descending' })).map(labelOf)).toEqual(['c', 'b', 'a']);
  });

  it('pages through with the cursor, honouring limit, page size and time bounds', async () => {
    const client = new ApiClient({ nodes: [node.node.url] });
    const topic = uniqueTopic('paging');
    const sent = Array.from({ length: 25 }, (_, i) => makeEnvelope(topic, `m${i}`, BigInt(1_000 + i)));
    await client.publish(sent);

    const pages: string[][] = [];
    for await (const page of client.queryPages(topic, { pageSize: 10 })) pages.push(page.map(labelOf));
    expect(pages.map((p) => p.length)).toEqual([10, 10, 5]);
    expect(pages.flat()).toEqual(sent.map(labelOf));

    expect((await client.query(topic, { pageSize: 10, limit: 12 })).map(labelOf)).toEqual(
      sent.slice(0, 12).map(labelOf),
    );
    expect(
      (
        await client.query(topic, {
          pageSize: 3,
          direction: 'descending',
          startTimeNs: 1_002n,
          endTimeNs: 1_008n,
        })
      ).map(labelOf),
    ).toEqual(['m8', 'm7', 'm6', 'm5', 'm4', 'm3', 'm2']);
    // 25 envelopes in pages of 5: the last full page still has a cursor and one more request sees none (§1.5).
    const { calls, fetch: f } = recordingFetch();
    const counted = new ApiClient({ nodes: [node.node.url], fetch: f });
    expect(await counted.query(topic, { pageSize: 5 })).toHaveLength(25);
    expect(calls).toHaveLength(6);
    const second = JSON.parse(calls[1]!.body) as { pagingInfo: { cursor: { index: { digest: string } } } };
    expect(second.pagingInfo.cursor.index.digest).toMatch(/^[A-Za-z0-9+/]+=*$/);
  });

  it('splits a batch query into groups of 50 sent in parallel, answers in request order', async () => {
    const { calls, fetch: f } = recordingFetch();
    const client = new ApiClient({ nodes: [node.node.url], fetch: f });
    const topics = Array.from({ length: 120 }, (_, i) => uniqueTopic(`batch${i}`));
    await client.publish(
      topics.flatMap((t, i) => (i % 7 === 0 ? [makeEnvelope(t, `x${i}`), makeEnvelope(t, `y${i}`)] : [])),
    );
    const calledBefore = calls.length;
    const results = await client.batchQuery(topics.map((t) => ({ contentTopics: [t], limit: 5 })));
    const batchCalls = calls.slice(calledBefore);
    expect(batchCalls.map((c) => (JSON.parse(c.body) as { requests: unknown[] }).requests.length)).toEqual([
      50, 50, 20,
    ]);
    expect(results).toHaveLength(120);
    results.forEach((envelopes, i) => {
      expect(envelopes.map(labelOf)).toEqual(i % 7 === 0 ? [`x${i}`, `y${i}`] : []);
    });
  });

  it('queries every envelope of many topics with batched first pages and cursor paging for the full ones', async () => {
    const { calls, fetch: f } = recordingFetch();
    const client = new ApiClient({ nodes: [node.node.url], fetch: f });
    const topics = Array.from({ length: 60 }, (_, i) => uniqueTopic(`all${i}`));
    const big = Array.from({ length: 230 }, (_, i) =>
      makeEnvelope(topics[3]!, `big${i}`, BigInt(10_000 + i)),
    );
    await client.publish([...big, makeEnvelope(topics[59]!, 'last', 5n)]);
    const before = calls.length;
    const results = await client.batchQueryAll(topics.map((t) => ({ contentTopics: [t], startTimeNs: 1n })));
    expect(results[3]!.map(labelOf)).toEqual(big.map(labelOf));
    expect(results[59]!.map(labelOf)).toEqual(['last']);
    expect(results.filter((r) => r.length === 0)).toHaveLength(58);
    // Two batch requests (50 + 10), then pages 2 and 3 of the one topic with more than 100.
    expect(calls.slice(before).map((c) => new URL(c.url).pathname)).toEqual([
      '/message/v1/batch-query',
      '/message/v1/batch-query',
      '/message/v1/query',
      '/message/v1/query',
    ]);
  });

  it('sends its client version and the app version on every request, Authorization only on publish', async () => {
    const { calls, fetch: f } = recordingFetch();
    const client = new ApiClient({
      nodes: [node.node.url],
      fetch: f,
      appVersion: 'inbox-test/1.2',
      authenticator: { getToken: async () => 'dG9rZW4=' },
    });
    const topic = uniqueTopic('headers');
    await client.query(topic);
    await client.publish([makeEnvelope(topic, 'h')]);
    expect(calls.map((c) => [c.headers['X-Client-Version'], c.headers['X-App-Version']])).toEqual([
      ['xmtp-inbox/0.1.0', 'inbox-test/1.2'],
      ['xmtp-inbox/0.1.0', 'inbox-test/1.2'],
    ]);
    expect(calls.map((c) => c.headers.Authorization)).toEqual([undefined, 'Bearer dG9rZW4=']);
  });

  it('does not retry a 400 and reports status, gRPC code and the node message', async () => {
    const { calls, fetch: f } = recordingFetch();
    const client = new ApiClient({ nodes: [node.node.url], fetch: f, retry: { baseDelayMs: 1 } });
    const error = await rejection(client.publish([makeEnvelope('/xmtp/0/' + 'x'.repeat(300), 'too long')]));
    expect([error.status, error.grpcCode, error.code, error.nodeMessage]).toEqual([
      400,
      3,
      'invalid_argument',
      'topic length too big',
    ]);
    expect(calls).toHaveLength(1);
  });

  it('gives up on an unreachable node after bounded retries with a network error', async () => {
    const { delays, sleep } = recordingSleep();
    const client = new ApiClient({
      nodes: ['http://127.0.0.1:9'],
      sleep,
      random: () => 0.5,
      retry: { maxAttempts: 3, baseDelayMs: 10 },
    });
    const error = await rejection(client.query(uniqueTopic('dead')));
    expect(error.code).toBe('network_error');
    expect(error.status).toBeUndefined();
    expect(delays).toEqual([5, 10]);
  });

  it('fails over to the next node when the first stays unreachable, and stays there', async () => {
    const { calls, fetch: f } = recordingFetch();
    const client = new ApiClient({
      nodes: ['http://127.0.0.1:9', node.node.url],
      fetch: f,
      retry: { maxAttempts: 2, baseDelayMs: 1 },
    });
    const topic = uniqueTopic('failover');
    await client.publish([makeEnvelope(topic, 'f')]);
    expect(client.nodeUrl).toBe(node.node.url);
    expect((await client.query(topic)).map(labelOf)).toEqual(['f']);
    expect(calls.map((c) => new URL(c.url).port)).toEqual([
      '9',
      '9',
      String(node.node.port),
      String(node.node.port),
    ]);
  });
});

describe('ApiClient under rate limits', () => {
  let limited: TestNode;
  beforeAll(async () => {
    // One publish token, refilled at one per second: the second publish is told to come back in 1 s.
    limited = await startTestNode({
      rateLimit: { publish: { perMinute: 60, max: 1 }, default: { perMinute: 6000, max: 1000 } },
    });
  });
  afterAll(() => limited.stop());

  it('waits as long as Retry-After says on a 429, then succeeds', async () => {
    const { delays, sleep } = recordingSleep();
    const client = new ApiClient({ nodes: [limited.node.url], sleep, retry: { baseDelayMs: 1 } });
    const topic = uniqueTopic('ratelimit');
    await client.publish([makeEnvelope(topic, 'first')]);
    const started = Date.now();
    await client.publish([makeEnvelope(topic, 'second')]);
    expect(delays).toEqual([1000]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect((await client.query(topic)).map(labelOf)).toEqual(['first', 'second']);
  });

  it('fails at once with resource_exhausted when Retry-After is longer than it will wait', async () => {
    const { delays, sleep } = recordingSleep();
    const client = new ApiClient({ nodes: [limited.node.url], sleep, retry: { maxRetryAfterMs: 500 } });
    const topic = uniqueTopic('ratelimit2');
    await client.publish([makeEnvelope(topic, 'a')]).catch(() => {});
    const error = await rejection(client.publish([makeEnvelope(topic, 'b'), makeEnvelope(topic, 'c')]));
    expect([error.status, error.code, error.retryAfterMs]).toEqual([
      429,
      'resource_exhausted',
      error.retryAfterMs,
    ]);
    expect(error.retryAfterMs).toBeGreaterThan(500);
    expect(error.nodeMessage).toMatch(/exceeds rate limit/);
    expect(delays).toEqual([]);
  });
});

describe('ApiClient with publish auth on', () => {
  let authed: TestNode;
  beforeAll(async () => {
    authed = await startTestNode({ auth: true });
  });
  afterAll(() => authed.stop());

  async function identity() {
    const account = privateKeyToAccount(generatePrivateKey());
    const bundle = await createPrivateKeyBundle({
      getAddress: async () => account.address,
      signMessage: (message) => account.signMessage({ message }),
    });
    return bundle.identityKey;
  }

  it('refreshes a rejected token once and replays the publish', async () => {
    const key = await identity();
    const asked: boolean[] = [];
    const client = new ApiClient({
      nodes: [authed.node.url],
      authenticator: {
        // The cached token has expired (created two hours ago); a refresh makes a new one.
        getToken: async ({ refresh }) => {
          asked.push(refresh);
          return createAuthToken(key, { nowMs: refresh ? Date.now() : Date.now() - 2 * 3_600_000 });
        },
      },
    });
    const topic = `/xmtp/0/m-${Math.random().toString(36).slice(2)}/proto`;
    await client.publish([makeEnvelope(topic, 'authed')]);
    expect(asked).toEqual([false, true]);
    expect((await client.query(topic)).map(labelOf)).toEqual(['authed']);
  });

  it('reports unauthenticated when the refreshed token is refused too, after exactly two requests', async () => {
    const key = await identity();
    const { calls, fetch: f } = recordingFetch();
    const client = new ApiClient({
      nodes: [authed.node.url],
      fetch: f,
      authenticator: { getToken: async () => createAuthToken(key, { nowMs: Date.now() - 2 * 3_600_000 }) },
    });
    const error = await rejection(client.publish([makeEnvelope(uniqueTopic('noauth'), 'x')]));
    expect([error.status, error.grpcCode, error.code]).toEqual([401, 16, 'unauthenticated']);
    expect(error.nodeMessage).toMatch(/token expired/);
    expect(calls).toHaveLength(2);
  });
});
