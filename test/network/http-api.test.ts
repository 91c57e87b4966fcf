// The message API over real HTTP (docs/protocol.md §1, §13) against a node on port 0 with SQLite.
import { createHash } from 'node:crypto';
import { gunzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { b64, envelopeJson, post, startTestNode, subscribe, T0 } from './helpers';
import type { TestNode } from './helpers';

const SECOND = 1_000_000_000n;
let node: TestNode;
let n = 0;
/** A topic no other test uses. */
const freshTopic = (kind = 'm') => `/xmtp/0/${kind}-test${++n}-${Date.now()}/proto`;

beforeAll(async () => {
  node = await startTestNode();
});
afterAll(() => node.close());

describe('publish and query', () => {
  it('stores envelopes and returns them in EmitUnpopulated JSON', async () => {
    const topic = freshTopic();
    const pub = await post(node, '/message/v1/publish', { envelopes: [envelopeJson(topic, T0, 'hello')] });
    expect(pub.status).toBe(200);
    expect(pub.json).toEqual({});
    const q = await post(node, '/message/v1/query', { contentTopics: [topic] });
    expect(q.status).toBe(200);
    expect(q.json).toEqual({
      envelopes: [{ contentTopic: topic, timestampNs: T0.toString(), message: b64('hello') }],
      pagingInfo: { limit: 0, cursor: null, direction: 'SORT_DIRECTION_DESCENDING' },
    });
    expect(q.headers.get('content-type')).toBe('application/json');
  });

  it('pages through the reference vector: start 3rd, end 9th, limit 3, descending', async () => {
    const topic = freshTopic();
    const envs = Array.from({ length: 10 }, (_, i) =>
      envelopeJson(topic, T0 + BigInt(i) * SECOND, `msg ${i}`),
    );
    expect((await post(node, '/message/v1/publish', { envelopes: envs })).status).toBe(200);
    const pages: string[][] = [];
    let cursor: unknown;
    for (let i = 0; i < 5; i++) {
      const q = await post(node, '/message/v1/query', {
        contentTopics: [topic],
        startTimeNs: envs[2]!.timestampNs,
        endTimeNs: envs[8]!.timestampNs,
        pagingInfo: { limit: 3, direction: 'SORT_DIRECTION_DESCENDING', ...(cursor ? { cursor } : {}) },
      });
      expect(q.status).toBe(200);
      pages.push(
        q.json.envelopes.map((e: { message: string }) => Buffer.from(e.message, 'base64').toString()),
      );
      cursor = q.json.pagingInfo.cursor;
      if (!cursor) {
        expect(q.json.pagingInfo).toEqual({ limit: 0, cursor: null, direction: 'SORT_DIRECTION_DESCENDING' });
        break;
      }
      const last = q.json.envelopes.at(-1);
      // The cursor names the last envelope of the page: its digest and timestamp.
      const digest = createHash('sha256')
        .update(topic)
        .update(Buffer.from(last.message, 'base64'))
        .digest('base64');
      expect(q.json.pagingInfo).toEqual({
        limit: 3,
        cursor: { index: { digest, senderTimeNs: last.timestampNs } },
        direction: 'SORT_DIRECTION_DESCENDING',
      });
    }
    expect(pages).toEqual([['msg 8', 'msg 7', 'msg 6'], ['msg 5', 'msg 4', 'msg 3'], ['msg 2']]);
  });

  it('defaults to descending, pages ascending on request, and accepts enum numbers', async () => {
    const topic = freshTopic();
    const envs = [0, 1, 2].map((i) => envelopeJson(topic, T0 + BigInt(i), `e${i}`));
    await post(node, '/message/v1/publish', { envelopes: envs });
    const desc = await post(node, '/message/v1/query', { contentTopics: [topic] });
    expect(desc.json.envelopes.map((e: { timestampNs: string }) => e.timestampNs)).toEqual(
      [2, 1, 0].map((i) => (T0 + BigInt(i)).toString()),
    );
    const asc = await post(node, '/message/v1/query', {
      contentTopics: [topic],
      pagingInfo: { direction: 1 },
    });
    expect(asc.json.envelopes.map((e: { timestampNs: string }) => e.timestampNs)).toEqual(
      [0, 1, 2].map((i) => (T0 + BigInt(i)).toString()),
    );
    expect(asc.json.pagingInfo.direction).toBe('SORT_DIRECTION_ASCENDING');
  });

  it('returns a cursor after a full last page, then an empty page', async () => {
    const topic = freshTopic();
    await post(node, '/message/v1/publish', {
      envelopes: [envelopeJson(topic, T0, 'a'), envelopeJson(topic, T0 + 1n, 'b')],
    });
    const first = await post(node, '/message/v1/query', { contentTopics: [topic], pagingInfo: { limit: 2 } });
    expect(first.json.envelopes).toHaveLength(2);
    expect(first.json.pagingInfo.cursor).not.toBeNull();
    const second = await post(node, '/message/v1/query', {
      contentTopics: [topic],
      pagingInfo: { limit: 2, cursor: first.json.pagingInfo.cursor },
    });
    expect(second.json).toEqual({
      envelopes: [],
      pagingInfo: { limit: 0, cursor: null, direction: 'SORT_DIRECTION_DESCENDING' },
    });
  });

  it('merges several topics in (timestamp, digest) order', async () => {
    const a = freshTopic();
    const b = freshTopic();
    await post(node, '/message/v1/publish', {
      envelopes: [
        envelopeJson(a, T0 + 2n, 'a2'),
        envelopeJson(b, T0 + 1n, 'b1'),
        envelopeJson(a, T0 + 3n, 'a3'),
      ],
    });
    const q = await post(node, '/message/v1/query', {
      contentTopics: [a, b],
      pagingInfo: { direction: 'SORT_DIRECTION_ASCENDING' },
    });
    expect(
      q.json.envelopes.map((e: { message: string }) => Buffer.from(e.message, 'base64').toString()),
    ).toEqual(['b1', 'a2', 'a3']);
  });

  it('accepts snake_case names, URL-safe unpadded base64 and numeric uint64', async () => {
    const topic = freshTopic();
    const bytes = Buffer.from([0xfb, 0xff, 0xfe]); // "+//+" in std, "-__-" url-safe
    const pub = await post(node, '/message/v1/publish', {
      envelopes: [{ content_topic: topic, timestamp_ns: 12345, message: bytes.toString('base64url') }],
    });
    expect(pub.status).toBe(200);
    const q = await post(node, '/message/v1/query', {
      content_topics: [topic],
      paging_info: { limit: 5, direction: 'SORT_DIRECTION_ASCENDING' },
    });
    expect(q.json.envelopes).toEqual([
      { contentTopic: topic, timestampNs: '12345', message: bytes.toString('base64') },
    ]);
  });

  it('stores a timestamp of exactly 2^63-1 given as a string', async () => {
    const topic = freshTopic();
    const pub = await post(node, '/message/v1/publish', {
      envelopes: [envelopeJson(topic, (1n << 63n) - 1n, 'last')],
    });
    expect(pub.status).toBe(200);
    const q = await post(node, '/message/v1/query', { contentTopics: [topic] });
    expect(q.json.envelopes).toEqual([envelopeJson(topic, (1n << 63n) - 1n, 'last')]);
  });

  it('keeps uint64 numbers above 2^53 exact', async () => {
    const topic = freshTopic();
    const ts = '1718000000123456789';
    const pub = await post(
      node,
      '/message/v1/publish',
      `{"envelopes":[{"contentTopic":"${topic}","timestampNs":${ts},"message":"${b64('x')}"}]}`,
    );
    expect(pub.status).toBe(200);
    const q = await post(node, '/message/v1/query', { contentTopics: [topic] });
    expect(q.json.envelopes[0].timestampNs).toBe(ts);
  });

  it('parses JSON whatever the Content-Type', async () => {
    const topic = freshTopic();
    const pub = await post(
      node,
      '/message/v1/publish',
      { envelopes: [envelopeJson(topic, T0, 'typed')] },
      { 'Content-Type': 'text/plain;charset=UTF-8' },
    );
    expect(pub.status).toBe(200);
  });

  it('treats an empty body as the empty request', async () => {
    expect((await post(node, '/message/v1/publish', '')).status).toBe(200);
    const q = await post(node, '/message/v1/query', '');
    expect(q.status).toBe(400);
    expect(q.json).toEqual({ code: 3, message: 'content topics required', details: [] });
  });

  it('stores a duplicate (topic, message) once, whatever its timestamp', async () => {
    const topic = freshTopic();
    await post(node, '/message/v1/publish', { envelopes: [envelopeJson(topic, T0, 'same')] });
    await post(node, '/message/v1/publish', { envelopes: [envelopeJson(topic, T0 + 5n, 'same')] });
    const q = await post(node, '/message/v1/query', { contentTopics: [topic] });
    expect(q.json.envelopes).toEqual([envelopeJson(topic, T0, 'same')]);
  });

  it('never stores ephemeral mE- and dmE- envelopes', async () => {
    const mE = `/xmtp/0/mE-${Date.now()}/proto`;
    const dmE = `/xmtp/0/dmE-0xA-0xB${Date.now()}/proto`;
    const pub = await post(node, '/message/v1/publish', {
      envelopes: [envelopeJson(mE, T0, 'gone'), envelopeJson(dmE, T0, 'gone')],
    });
    expect(pub.status).toBe(200);
    const q = await post(node, '/message/v1/query', { contentTopics: [mE, dmE] });
    expect(q.json.envelopes).toEqual([]);
  });

  it('returns nothing for an unknown topic', async () => {
    const q = await post(node, '/message/v1/query', { contentTopics: ['does-not-exist'] });
    expect(q.status).toBe(200);
    expect(q.json.envelopes).toEqual([]);
  });
});

describe('limits', () => {
  it('rejects a limit over 100 rows, but allows 500 for a single userpreferences topic', async () => {
    const over = await post(node, '/message/v1/query', {
      contentTopics: ['foo'],
      pagingInfo: { limit: 101 },
    });
    expect(over.status).toBe(400);
    expect(over.json).toEqual({ code: 3, message: 'cannot exceed 100 rows per query', details: [] });
    const prefs = '/xmtp/0/userpreferences-abc/proto';
    const ok = await post(node, '/message/v1/query', { contentTopics: [prefs], pagingInfo: { limit: 500 } });
    expect(ok.status).toBe(200);
    const tooMany = await post(node, '/message/v1/query', {
      contentTopics: [prefs],
      pagingInfo: { limit: 501 },
    });
    expect(tooMany.status).toBe(400);
    const two = await post(node, '/message/v1/query', {
      contentTopics: [prefs, 'x'],
      pagingInfo: { limit: 500 },
    });
    expect(two.status).toBe(400);
  });

  it('rejects a topic over 300 bytes and a message over 1,048,214 bytes', async () => {
    const long = await post(node, '/message/v1/publish', {
      envelopes: [envelopeJson('x'.repeat(301), T0, 'a')],
    });
    expect(long.status).toBe(400);
    expect(long.json).toEqual({ code: 3, message: 'topic length too big', details: [] });
    const multibyte = await post(node, '/message/v1/publish', {
      envelopes: [envelopeJson('é'.repeat(151), T0, 'a')],
    });
    expect(multibyte.json.message).toBe('topic length too big');
    const big = await post(node, '/message/v1/publish', {
      envelopes: [
        { contentTopic: freshTopic(), timestampNs: '1', message: Buffer.alloc(1_048_215).toString('base64') },
      ],
    });
    expect(big.status).toBe(400);
    expect(big.json.message).toBe('message too big');
    const max = await post(node, '/message/v1/publish', {
      envelopes: [
        { contentTopic: freshTopic(), timestampNs: '1', message: Buffer.alloc(1_048_214).toString('base64') },
      ],
    });
    expect(max.status).toBe(200);
  });

  it('publishes nothing when one envelope of a request is invalid', async () => {
    const topic = freshTopic();
    const res = await post(node, '/message/v1/publish', {
      envelopes: [envelopeJson(topic, T0, 'ok'), envelopeJson('y'.repeat(400), T0, 'bad')],
    });
    expect(res.status).toBe(400);
    const q = await post(node, '/message/v1/query', { contentTopics: [topic] });
    expect(q.json.envelopes).toEqual([]);
  });

  it('caps batch-query at 50 requests and answers each in order', async () => {
    const topics = [freshTopic(), freshTopic()];
    await post(node, '/message/v1/publish', { envelopes: topics.map((t) => envelopeJson(t, T0, t)) });
    const ok = await post(node, '/message/v1/batch-query', {
      requests: topics.map((t) => ({ contentTopics: [t] })),
    });
    expect(ok.status).toBe(200);
    expect(
      ok.json.responses.map((r: { envelopes: { contentTopic: string }[] }) => r.envelopes[0]!.contentTopic),
    ).toEqual(topics);
    const over = await post(node, '/message/v1/batch-query', {
      requests: Array.from({ length: 51 }, () => ({ contentTopics: ['a'] })),
    });
    expect(over.status).toBe(400);
    expect(over.json.message).toBe('cannot exceed 50 requests in single batch');
    const bad = await post(node, '/message/v1/batch-query', { requests: [{ contentTopics: ['a'] }, {}] });
    expect(bad.status).toBe(400);
    expect(bad.json.message).toBe('requests[1]: content topics required');
  });

  it('refuses a body over the cap with 413 and code 8', async () => {
    const small = await startTestNode({ maxBodyBytes: 1000 });
    try {
      const res = await post(small, '/message/v1/publish', {
        envelopes: [envelopeJson('t', T0, 'x'.repeat(2000))],
      });
      expect(res.status).toBe(413);
      expect(res.json.code).toBe(8);
      expect((await post(small, '/message/v1/query', { contentTopics: ['t'] })).status).toBe(200);
    } finally {
      await small.close();
    }
  });
});

describe('bad input', () => {
  const cases: [string, unknown, string][] = [
    ['malformed JSON', '{"envelopes": [', 'malformed JSON'],
    ['a body that is not an object', '[1,2]', 'request body must be a JSON object'],
    ['envelopes that are not an array', { envelopes: 'x' }, 'envelopes must be an array'],
    [
      'bad base64',
      { envelopes: [{ contentTopic: 't', message: 'no!pe' }] },
      'invalid base64 in envelopes[0].message',
    ],
    [
      'a fractional timestamp',
      { envelopes: [{ contentTopic: 't', timestampNs: 1.5 }] },
      'envelopes[0].timestampNs',
    ],
    [
      'a negative timestamp',
      { envelopes: [{ contentTopic: 't', timestampNs: '-1' }] },
      'envelopes[0].timestampNs',
    ],
    [
      'a timestamp above 2^63-1',
      { envelopes: [{ contentTopic: 't', timestampNs: '9223372036854775808' }] },
      'out of range',
    ],
    [
      'a 19-digit timestamp above 2^63-1 beside a valid message',
      { envelopes: [{ contentTopic: 't', timestampNs: '9223372036854775808', message: 'QQ==' }] },
      'out of range',
    ],
    [
      'base64 mixing the standard and URL-safe alphabets',
      { envelopes: [{ contentTopic: 't', timestampNs: '1', message: 'ab-/' }] },
      'invalid base64 in envelopes[0].message',
    ],
    [
      'base64 with padding in the middle',
      { envelopes: [{ contentTopic: 't', timestampNs: '1', message: 'QQ==QUFB' }] },
      'invalid base64 in envelopes[0].message',
    ],
    [
      'a number in exponent notation beyond 2^53',
      '{"envelopes":[{"contentTopic":"t","timestampNs":1e18}]}',
      'send it as a decimal string',
    ],
    [
      'a topic that is not a string',
      { envelopes: [{ contentTopic: 5 }] },
      'envelopes[0].contentTopic must be a string',
    ],
  ];
  for (const [what, body, message] of cases) {
    it(`answers 400 naming the problem for ${what}`, async () => {
      const res = await post(node, '/message/v1/publish', body);
      expect(res.status).toBe(400);
      expect(res.json.code).toBe(3);
      expect(res.json.details).toEqual([]);
      expect(res.json.message).toContain(message);
    });
  }

  it('checks query types', async () => {
    const topics = await post(node, '/message/v1/query', { contentTopics: 'x' });
    expect(topics.json.message).toBe('contentTopics must be an array of strings');
    const dir = await post(node, '/message/v1/query', {
      contentTopics: ['x'],
      pagingInfo: { direction: 'UP' },
    });
    expect(dir.status).toBe(400);
    const limit = await post(node, '/message/v1/query', { contentTopics: ['x'], pagingInfo: { limit: -1 } });
    expect(limit.status).toBe(400);
    const cursor = await post(node, '/message/v1/query', {
      contentTopics: ['x'],
      pagingInfo: { cursor: { index: { digest: '%%' } } },
    });
    expect(cursor.json.message).toBe('invalid base64 in pagingInfo.cursor.index.digest');
  });

  it('answers unknown paths with 404 and wrong methods with 405, both with the error body', async () => {
    const missing = await fetch(node.url + '/nope');
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ code: 5, message: 'Not Found', details: [] });
    const get = await fetch(node.url + '/message/v1/publish');
    expect(get.status).toBe(405);
    expect(await get.json()).toEqual({ code: 12, message: 'Method Not Allowed', details: [] });
  });
});

describe('HTTP details', () => {
  it('sends CORS headers and answers preflight', async () => {
    const res = await post(node, '/message/v1/query', { contentTopics: ['x'] });
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const err = await post(node, '/message/v1/query', {});
    expect(err.headers.get('access-control-allow-origin')).toBe('*');
    const pre = await fetch(node.url + '/message/v1/publish', {
      method: 'OPTIONS',
      headers: { Origin: 'chrome-extension://abc', 'Access-Control-Request-Method': 'POST' },
    });
    expect(pre.status).toBe(200);
    expect(pre.headers.get('access-control-allow-origin')).toBe('*');
    expect(pre.headers.get('access-control-allow-headers')).toContain('Authorization');
    expect(pre.headers.get('access-control-allow-headers')).toContain('X-Client-Version');
    expect(pre.headers.get('access-control-allow-methods')).toBe('GET,HEAD,POST,PUT,PATCH,DELETE');
  });

  it('gzips query and batch-query responses when asked, and never publish responses', async () => {
    const topic = freshTopic();
    await post(node, '/message/v1/publish', { envelopes: [envelopeJson(topic, T0, 'zip')] });
    const { request } = await import('node:http');
    const raw = (path: string, body: unknown) =>
      new Promise<{ encoding?: string; body: Buffer }>((resolve, reject) => {
        const req = request(
          node.url + path,
          { method: 'POST', headers: { 'Accept-Encoding': 'gzip, deflate' } },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({ encoding: res.headers['content-encoding'], body: Buffer.concat(chunks) }),
            );
          },
        );
        req.on('error', reject);
        req.end(JSON.stringify(body));
      });
    const q = await raw('/message/v1/query', { contentTopics: [topic] });
    expect(q.encoding).toBe('gzip');
    expect(JSON.parse(gunzipSync(q.body).toString()).envelopes).toHaveLength(1);
    const bq = await raw('/message/v1/batch-query', { requests: [{ contentTopics: [topic] }] });
    expect(bq.encoding).toBe('gzip');
    expect(JSON.parse(gunzipSync(bq.body).toString()).responses).toHaveLength(1);
    const pub = await raw('/message/v1/publish', {});
    expect(pub.encoding).toBeUndefined();
    expect(pub.body.toString()).toBe('{}');
  });

  it('serves /healthz and Prometheus /metrics', async () => {
    const health = await fetch(node.url + '/healthz');
    expect(await health.json()).toEqual({ status: 'ok' });
    const metrics = await (await fetch(node.url + '/metrics')).text();
    expect(metrics).toMatch(/xmtp_http_requests_total\{route="\/message\/v1\/publish",status="200"\} \d+/);
    expect(metrics).toMatch(/xmtp_envelopes_published_total \d+/);
    expect(metrics).toMatch(/xmtp_envelopes_stored_total \d+/);
    expect(metrics).toContain('xmtp_query_duration_seconds_bucket');
    expect(metrics).toContain('xmtp_subscriptions_open');
    expect(metrics).toContain('xmtp_rate_limit_rejections_total');
  });
});

describe('subscribe', () => {
  it('streams only envelopes published after subscribing, headers first', async () => {
    const topic = freshTopic();
    await post(node, '/message/v1/publish', { envelopes: [envelopeJson(topic, T0, 'before')] });
    const stream = subscribe(node, '/message/v1/subscribe', { contentTopics: [topic] });
    try {
      expect(await stream.status).toBe(200);
      const headers = await stream.headers;
      expect(headers['content-type']).toBe('application/json');
      expect(headers['access-control-allow-origin']).toBe('*');
      await post(node, '/message/v1/publish', {
        envelopes: [envelopeJson(freshTopic(), T0, 'other'), envelopeJson(topic, T0 + 1n, 'after')],
      });
      expect(await stream.next()).toEqual({ result: envelopeJson(topic, T0 + 1n, 'after') });
    } finally {
      stream.close();
    }
  });

  it('relays duplicates and ephemeral envelopes to subscribers', async () => {
    const topic = freshTopic();
    const ephemeral = topic.replace('/xmtp/0/m-', '/xmtp/0/mE-');
    const stream = subscribe(node, '/message/v1/subscribe', { contentTopics: [topic, ephemeral] });
    try {
      await stream.status;
      await post(node, '/message/v1/publish', { envelopes: [envelopeJson(topic, T0, 'dup')] });
      await post(node, '/message/v1/publish', { envelopes: [envelopeJson(topic, T0, 'dup')] });
      await post(node, '/message/v1/publish', { envelopes: [envelopeJson(ephemeral, T0, 'eph')] });
      expect(await stream.next()).toEqual({ result: envelopeJson(topic, T0, 'dup') });
      expect(await stream.next()).toEqual({ result: envelopeJson(topic, T0, 'dup') });
      expect(await stream.next()).toEqual({ result: envelopeJson(ephemeral, T0, 'eph') });
    } finally {
      stream.close();
    }
  });

  it('subscribe-all receives /xmtp/0/ topics only', async () => {
    const stream = subscribe(node, '/message/v1/subscribe-all', {});
    try {
      await stream.status;
      const topic = freshTopic();
      await post(node, '/message/v1/publish', {
        envelopes: [envelopeJson('/other/topic', T0, 'no'), envelopeJson(topic, T0, 'yes')],
      });
      expect(await stream.next()).toEqual({ result: envelopeJson(topic, T0, 'yes') });
    } finally {
      stream.close();
    }
  });

  it('ends the stream of a subscriber that does not read, and keeps serving the others', async () => {
    const slowNode = await startTestNode({ subscriberBufferBytes: 64 * 1024 });
    const topic = freshTopic();
    const { request } = await import('node:http');
    try {
      let received = 0;
      let ended = false;
      const url = new URL(slowNode.url + '/message/v1/subscribe');
      const req = request(
        { host: url.hostname, port: url.port, path: url.pathname, method: 'POST' },
        (res) => {
          res.pause(); // never reads
          res.on('close', () => (ended = true));
          res.on('data', () => received++);
        },
      );
      req.end(JSON.stringify({ contentTopics: [topic] }));
      const fast = subscribe(slowNode, '/message/v1/subscribe', { contentTopics: [topic] });
      await fast.status;
      await new Promise((r) => setTimeout(r, 100));
      const big = Buffer.alloc(512 * 1024, 7).toString('base64');
      for (let i = 0; i < 40 && !ended; i++) {
        const res = await post(slowNode, '/message/v1/publish', {
          envelopes: [{ contentTopic: topic, timestampNs: String(i + 1), message: big }],
        });
        expect(res.status).toBe(200);
        expect((await fast.next()).result.timestampNs).toBe(String(i + 1));
      }
      const metrics = await (await fetch(slowNode.url + '/metrics')).text();
      // Only the fast subscriber is still registered.
      expect(metrics).toMatch(/xmtp_subscriptions_open\{transport="http"\} 1\b/);
      expect(received).toBe(0);
      fast.close();
      req.destroy();
    } finally {
      await slowNode.close();
    }
  });

  it('ends open streams when the node closes', async () => {
    const other = await startTestNode();
    const stream = subscribe(other, '/message/v1/subscribe', { contentTopics: ['t'] });
    await stream.status;
    await other.close();
    await stream.ended;
  });
});

describe('start-up', () => {
  it('fails cleanly when the port is taken, releasing its store', async () => {
    const { mkdtempSync, rmSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const { join } = await import('node:path');
    const { startNode } = await import('@/network/node');
    const dataDir = mkdtempSync(join(tmpdir(), 'xmtp-port-taken-'));
    try {
      await expect(startNode({ port: node.port, dataDir, rateLimit: false })).rejects.toThrow(/EADDRINUSE/);
      // The store was closed: a second node opens the same data dir.
      const again = await startNode({ port: 0, dataDir, rateLimit: false });
      await again.close();
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
