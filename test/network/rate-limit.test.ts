// Token buckets per client IP (docs/protocol.md §2.4) with continuous refill.
import { afterEach, describe, expect, it } from 'vitest';
import { RateLimiter } from '@/network/limits/rate-limiter';
import { envelopeJson, post, sleep, startTestNode, T0 } from './helpers';
import type { TestNode } from './helpers';

let node: TestNode | undefined;
afterEach(async () => {
  await node?.close();
  node = undefined;
});

describe('rate limits', () => {
  it('answers a publish burst over the bucket with 429 and Retry-After, and serves again after refill', async () => {
    // 3 tokens, 600 per minute = one token every 100 ms.
    node = await startTestNode({
      rateLimit: { publish: { perMinute: 600, max: 3 }, default: { perMinute: 6000, max: 100 } },
    });
    const body = { envelopes: [envelopeJson('/xmtp/0/m-rl/proto', T0, 'x')] };
    for (let i = 0; i < 3; i++) expect((await post(node, '/message/v1/publish', body)).status).toBe(200);
    const limited = await post(node, '/message/v1/publish', body);
    expect(limited.status).toBe(429);
    expect(limited.json).toEqual({ code: 8, message: '1 exceeds rate limit R127.0.0.1PUB', details: [] });
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Queries use the other bucket.
    expect((await post(node, '/message/v1/query', { contentTopics: ['x'] })).status).toBe(200);
    await sleep(250);
    expect((await post(node, '/message/v1/publish', body)).status).toBe(200);
    const metrics = await (await fetch(node.url + '/metrics')).text();
    expect(metrics).toMatch(/xmtp_rate_limit_rejections_total\{kind="PUB"\} 1\b/);
  });

  it('charges a publish by its envelopes and a batch-query by its queries', async () => {
    node = await startTestNode({
      rateLimit: { publish: { perMinute: 1, max: 5 }, default: { perMinute: 1, max: 4 } },
    });
    const six = { envelopes: Array.from({ length: 6 }, (_, i) => envelopeJson('/t', T0, `m${i}`)) };
    const res = await post(node, '/message/v1/publish', six);
    expect(res.status).toBe(429);
    expect(res.json.message).toBe('6 exceeds rate limit R127.0.0.1PUB');
    const batch = await post(node, '/message/v1/batch-query', {
      requests: Array.from({ length: 5 }, () => ({ contentTopics: ['t'] })),
    });
    expect(batch.json.message).toBe('5 exceeds rate limit R127.0.0.1DEF');
  });

  it('keys buckets by X-Forwarded-For only behind a trusted proxy', async () => {
    const limits = { publish: { perMinute: 1, max: 1 }, default: { perMinute: 1, max: 100 } };
    node = await startTestNode({ rateLimit: limits, trustProxy: true });
    const body = { envelopes: [envelopeJson('/t', T0, 'x')] };
    expect(
      (await post(node, '/message/v1/publish', body, { 'X-Forwarded-For': '10.0.0.1, 1.2.3.4' })).status,
    ).toBe(200);
    expect((await post(node, '/message/v1/publish', body, { 'X-Forwarded-For': '10.0.0.2' })).status).toBe(
      200,
    );
    const again = await post(node, '/message/v1/publish', body, { 'X-Forwarded-For': '10.0.0.1' });
    expect(again.json.message).toBe('1 exceeds rate limit R10.0.0.1PUB');
    await node.close();
    node = await startTestNode({ rateLimit: limits });
    expect((await post(node, '/message/v1/publish', body, { 'X-Forwarded-For': '10.0.0.1' })).status).toBe(
      200,
    );
    const spoofed = await post(node, '/message/v1/publish', body, { 'X-Forwarded-For': '10.0.0.9' });
    expect(spoofed.json.message).toBe('1 exceeds rate limit R127.0.0.1PUB');
  });

  it('refills continuously, even for a client that keeps calling', () => {
    let now = 0;
    const limiter = new RateLimiter(
      { publish: { perMinute: 60, max: 2 }, default: { perMinute: 60, max: 2 } },
      () => now,
    );
    try {
      expect(limiter.take('ip', 'PUB', 2).ok).toBe(true);
      // Touching the bucket every 500 ms never refills it in the reference; here it does.
      now += 500;
      expect(limiter.take('ip', 'PUB', 1)).toEqual({ ok: false, bucket: 'RipPUB', retryAfterSeconds: 1 });
      now += 500;
      expect(limiter.take('ip', 'PUB', 1).ok).toBe(true);
      now += 250;
      const denied = limiter.take('ip', 'PUB', 2);
      expect(denied.ok).toBe(false);
      now += 1750;
      expect(limiter.take('ip', 'PUB', 2).ok).toBe(true);
    } finally {
      limiter.close();
    }
  });
});
