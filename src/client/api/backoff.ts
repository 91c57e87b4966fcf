// Retry timing shared by unary calls and stream reconnects.

export interface BackoffPolicy {
  /** First retry waits up to this long (ms). */
  baseDelayMs: number;
  /** No single wait exceeds this (ms). */
  maxDelayMs: number;
}

/**
 * "Full jitter" exponential backoff: a uniform draw in [0, min(max, base·2^attempt)), so many
 * clients that failed together do not retry together. `attempt` counts from 0.
 */
export function backoffDelay(policy: BackoffPolicy, attempt: number, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/**
 * Parses a Retry-After header (RFC 9110 §10.2.3): delay-seconds or an HTTP date. Returns the wait in
 * ms from `nowMs`, never negative; undefined when absent or unparsable.
 */
export function parseRetryAfter(value: string | null | undefined, nowMs: number): number | undefined {
  if (value === null || value === undefined) return undefined;
  const text = value.trim();
  if (text === '') return undefined;
  if (/^[0-9]+$/.test(text)) return Number(text) * 1000;
  const at = Date.parse(text);
  if (Number.isNaN(at)) return undefined;
  return Math.max(0, at - nowMs);
}

/** A sleep that ends early (rejecting nothing, just resolving) when `signal` aborts. */
export function defaultSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
