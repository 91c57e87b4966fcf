import { describe, expect, it } from 'vitest';
import { backoffDelay, parseRetryAfter } from '@/client/api/backoff';
import { messageId, SeenIds } from '@/client/api/seen-ids';
import { CLIENT_VERSION } from '@/client/api/version';
import { createRequire } from 'node:module';

describe('reconnect and retry timing', () => {
  const policy = { baseDelayMs: 100, maxDelayMs: 2000 };

  it('doubles the ceiling per attempt up to the maximum', () => {
    const almostOne = () => 0.999999;
    expect([0, 1, 2, 3, 4, 5, 40].map((a) => backoffDelay(policy, a, almostOne))).toEqual([
      99, 199, 399, 799, 1599, 1999, 1999,
    ]);
  });

  it('draws the whole range from zero (full jitter)', () => {
    expect(backoffDelay(policy, 3, () => 0)).toBe(0);
    expect(backoffDelay(policy, 3, () => 0.5)).toBe(400);
  });

  it('reads Retry-After as seconds or as an HTTP date relative to the clock', () => {
    const now = Date.parse('2024-06-10T12:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter(' 0 ', now)).toBe(0);
    expect(parseRetryAfter('Mon, 10 Jun 2024 12:00:03 GMT', now)).toBe(3000);
    expect(parseRetryAfter('Mon, 10 Jun 2024 11:59:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(null, now)).toBeUndefined();
  });
});

describe('message ids', () => {
  it('are hex sha256 of the message bytes', () => {
    expect(messageId(new TextEncoder().encode('abc'))).toBe(
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad',
    );
  });

  it('are remembered up to a bound, oldest forgotten first', () => {
    const seen = new SeenIds(2);
    expect(seen.add('a')).toBe(true);
    expect(seen.add('a')).toBe(false);
    seen.add('b');
    seen.add('c');
    expect([seen.has('a'), seen.has('b'), seen.has('c'), seen.size]).toEqual([false, true, true, 2]);
  });
});

describe('client version header', () => {
  it('matches package.json', () => {
    const pkg = createRequire(import.meta.url)('../../../package.json') as { version: string };
    expect(CLIENT_VERSION).toBe(pkg.version);
  });
});
