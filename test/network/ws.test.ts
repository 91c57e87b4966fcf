// The WebSocket subscription GET /message/v1/ws (docs/node-api.md §3) against a real node.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { envelopeJson, post, startTestNode, T0 } from './helpers';
import type { TestNode } from './helpers';

let node: TestNode;
let n = 0;
const freshTopic = () => `/xmtp/0/m-ws${++n}-${Date.now()}/proto`;

beforeAll(async () => {
  node = await startTestNode({ pingIntervalMs: 150 });
});
afterAll(() => node.close());

/** A socket whose frames are read in order, with pings kept apart. */
async function connect(target: { url: string } = node) {
  const ws = new WebSocket(target.url.replace('http', 'ws') + '/message/v1/ws');
  const frames: any[] = []; // eslint-disable-line @typescript-eslint/no-explicit-any
  const pings: number[] = [];
  let wake: (() => void) | undefined;
  ws.on('message', (data) => {
    const frame = JSON.parse(data.toString());
    if ('ping' in frame) pings.push(frame.ping);
    else frames.push(frame);
    wake?.();
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) =>
    ws.on('close', (code, reason) => resolve({ code, reason: reason.toString() })),
  );
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('error', reject);
  });
  const next = async (ms = 2000) => {
    const deadline = Date.now() + ms;
    while (frames.length === 0) {
      if (Date.now() > deadline) throw new Error('no frame');
      await new Promise<void>((r) => {
        wake = r;
        setTimeout(r, 50);
      });
    }
    return frames.shift();
  };
  const call = async (frame: unknown) => {
    ws.send(typeof frame === 'string' ? frame : JSON.stringify(frame));
    return next();
  };
  return { ws, next, call, pings, closed, frames };
}

describe('WebSocket subscription', () => {
  it('delivers envelopes of subscribed topics and follows topic changes on the open socket', async () => {
    const [a, b] = [freshTopic(), freshTopic()];
    const s = await connect();
    try {
      expect(await s.call({ id: 1, method: 'subscribe', contentTopics: [a] })).toEqual({
        id: 1,
        result: { topics: 1 },
      });
      await post(node, '/message/v1/publish', {
        envelopes: [envelopeJson(a, T0, 'a1'), envelopeJson(b, T0, 'b1')],
      });
      expect(await s.next()).toEqual({ result: envelopeJson(a, T0, 'a1') });

      expect(await s.call({ id: 'two', method: 'subscribe', contentTopics: [b, a] })).toEqual({
        id: 'two',
        result: { topics: 2 },
      });
      await post(node, '/message/v1/publish', { envelopes: [envelopeJson(b, T0, 'b2')] });
      expect(await s.next()).toEqual({ result: envelopeJson(b, T0, 'b2') });

      expect(await s.call({ id: 3, method: 'unsubscribe', contentTopics: [a] })).toEqual({
        id: 3,
        result: { topics: 1 },
      });
      await post(node, '/message/v1/publish', {
        envelopes: [envelopeJson(a, T0, 'a3'), envelopeJson(b, T0, 'b3')],
      });
      expect(await s.next()).toEqual({ result: envelopeJson(b, T0, 'b3') });

      expect(await s.call({ id: 4, method: 'set', contentTopics: [a] })).toEqual({
        id: 4,
        result: { topics: 1 },
      });
      await post(node, '/message/v1/publish', {
        envelopes: [envelopeJson(b, T0, 'b4'), envelopeJson(a, T0, 'a4')],
      });
      expect(await s.next()).toEqual({ result: envelopeJson(a, T0, 'a4') });

      expect(await s.call({ id: 5, method: 'set', contentTopics: [] })).toEqual({
        id: 5,
        result: { topics: 0 },
      });
      await post(node, '/message/v1/publish', { envelopes: [envelopeJson(a, T0, 'a5')] });
      await new Promise((r) => setTimeout(r, 100));
      expect(s.frames).toEqual([]);
    } finally {
      s.ws.close();
    }
  });

  it('delivers envelopes of every frame length class byte for byte (7-bit, 16-bit and 64-bit lengths)', async () => {
    const topic = freshTopic();
    const s = await connect();
    try {
      await s.call({ id: 1, method: 'subscribe', contentTopics: [topic] });
      // Frame payloads of about 100 bytes, 1.5 KB and 130 KB: the three header forms of RFC 6455 §5.2.
      const messages = ['x', 'y'.repeat(1000), 'z'.repeat(100_000)];
      for (const [i, message] of messages.entries()) {
        await post(node, '/message/v1/publish', {
          envelopes: [envelopeJson(topic, T0 + BigInt(i), message)],
        });
      }
      for (const [i, message] of messages.entries()) {
        expect(await s.next()).toEqual({ result: envelopeJson(topic, T0 + BigInt(i), message) });
      }
    } finally {
      s.ws.close();
    }
  });

  it('subscribeAll receives every /xmtp/0/ envelope once', async () => {
    const topic = freshTopic();
    const s = await connect();
    try {
      expect(await s.call({ id: 1, method: 'subscribeAll' })).toEqual({ id: 1, result: { topics: 0 } });
      expect(await s.call({ id: 2, method: 'subscribe', contentTopics: [topic] })).toEqual({
        id: 2,
        result: { topics: 1 },
      });
      await post(node, '/message/v1/publish', {
        envelopes: [envelopeJson('/elsewhere', T0, 'no'), envelopeJson(topic, T0, 'once')],
      });
      expect(await s.next()).toEqual({ result: envelopeJson(topic, T0, 'once') });
      await new Promise((r) => setTimeout(r, 100));
      expect(s.frames).toEqual([]);
    } finally {
      s.ws.close();
    }
  });

  it('answers bad frames with an error and keeps the socket open', async () => {
    const s = await connect();
    try {
      const bad = [
        ['not json', 'malformed JSON frame'],
        ['[1]', 'a frame must be a JSON object'],
        [{ id: 1, method: 'launch' }, 'unknown method "launch"'],
        [{ id: 1, method: 'subscribe', contentTopics: 'x' }, 'contentTopics must be an array of strings'],
        [{ id: 1, method: 'subscribe', contentTopics: ['x'.repeat(301)] }, 'topic length too big'],
        [
          { id: 1, method: 'set', contentTopics: Array.from({ length: 10_001 }, (_, i) => `t${i}`) },
          'more than',
        ],
      ] as const;
      for (const [frame, message] of bad) {
        const reply = await s.call(frame);
        expect(reply.error.code).toBe(3);
        expect(reply.error.message).toContain(message);
        expect(reply.error.details).toEqual([]);
      }
      const many = Array.from({ length: 10_000 }, (_, i) => `t${i}`);
      expect(await s.call({ id: 9, method: 'subscribe', contentTopics: many })).toEqual({
        id: 9,
        result: { topics: 10_000 },
      });
      expect(
        (await s.call({ id: 10, method: 'subscribe', contentTopics: ['one-more'] })).error.message,
      ).toContain('more than 10000');
      expect(s.ws.readyState).toBe(WebSocket.OPEN);
    } finally {
      s.ws.close();
    }
  });

  it('sends {"ping": ms} keepalive frames', async () => {
    const s = await connect();
    try {
      const before = Date.now();
      await new Promise((r) => setTimeout(r, 400));
      expect(s.pings.length).toBeGreaterThanOrEqual(2);
      expect(s.pings[0]).toBeGreaterThanOrEqual(before - 1000);
    } finally {
      s.ws.close();
    }
  });

  it('closes a socket that stops reading with 1013 "subscriber too slow"', async () => {
    const slow = await startTestNode({ subscriberBufferBytes: 64 * 1024 });
    const topic = freshTopic();
    try {
      const s = await connect(slow);
      await s.call({ id: 1, method: 'subscribe', contentTopics: [topic] });
      // Stop reading at the TCP level so the server's send buffer fills.
      (s.ws as unknown as { _socket: { pause(): void } })._socket.pause();
      const big = Buffer.alloc(512 * 1024, 1).toString('base64');
      for (let i = 0; i < 60; i++) {
        await post(slow, '/message/v1/publish', {
          envelopes: [{ contentTopic: topic, timestampNs: String(i + 1), message: big }],
        });
      }
      const metrics = await (await fetch(slow.url + '/metrics')).text();
      expect(metrics).toMatch(/xmtp_subscriptions_open\{transport="websocket"\} 0\b/);
      (s.ws as unknown as { _socket: { resume(): void } })._socket.resume();
      const closed = await s.closed;
      expect(closed).toEqual({ code: 1013, reason: 'subscriber too slow' });
    } finally {
      await slow.close();
    }
  });

  it('closes sockets with 1001 when the node shuts down', async () => {
    const other = await startTestNode();
    const s = await connect(other);
    await other.close();
    expect((await s.closed).code).toBe(1001);
  });

  it('rate-limits frames with a code-8 reply and keeps the socket open', async () => {
    const limited = await startTestNode({
      rateLimit: { publish: { perMinute: 60, max: 10 }, default: { perMinute: 1, max: 3 } },
    });
    try {
      // Opening the socket takes one DEF token, each frame one more.
      const s = await connect(limited);
      expect((await s.call({ id: 1, method: 'subscribe', contentTopics: ['a'] })).result).toEqual({
        topics: 1,
      });
      expect((await s.call({ id: 2, method: 'subscribe', contentTopics: ['b'] })).result).toEqual({
        topics: 2,
      });
      expect(await s.call({ id: 3, method: 'subscribe', contentTopics: ['c'] })).toEqual({
        id: 3,
        error: { code: 8, message: '1 exceeds rate limit R127.0.0.1DEF', details: [] },
      });
      expect(s.ws.readyState).toBe(WebSocket.OPEN);
      s.ws.close();
    } finally {
      await limited.close();
    }
  });

  it('refuses upgrades on other paths with 404', async () => {
    const ws = new WebSocket(node.url.replace('http', 'ws') + '/elsewhere');
    const status = await new Promise<number>((resolve) =>
      ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0)),
    );
    expect(status).toBe(404);
  });
});
