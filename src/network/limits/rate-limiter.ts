// Token buckets per client IP (docs/protocol.md §2.4): PUB for publish (cost = envelopes), DEF for
// everything else (batch-query costs its number of queries), and BYTES (ours) for request body bytes, charged
// before a body is read when it declares its length and before it is parsed otherwise. Unlike the reference, which
// resets `lastSeen` on every touch and so never refills a steadily busy client, buckets refill
// continuously: rate × elapsed time, capped at the maximum.

export type LimitKind = 'PUB' | 'DEF' | 'BYTES';

export interface BucketConfig {
  /** Tokens added per minute. */
  perMinute: number;
  /** Bucket size; a new bucket starts full. */
  max: number;
}

export interface RateLimitConfig {
  publish: BucketConfig;
  default: BucketConfig;
  /** Request body bytes; DEFAULT_RATE_LIMITS.bytes when left out. */
  bytes?: BucketConfig;
}

/** The reference values of 2024 (§2.4). */
export const DEFAULT_RATE_LIMITS = {
  publish: { perMinute: 200, max: 1000 },
  default: { perMinute: 2000, max: 10000 },
  // 64 MiB a minute, bursts of 128 MiB: a busy client's publishes and queries are a few KiB each.
  bytes: { perMinute: 64 * 1024 * 1024, max: 128 * 1024 * 1024 },
} satisfies Required<RateLimitConfig>;

export type RateDecision = { ok: true } | { ok: false; bucket: string; retryAfterSeconds: number };

interface Bucket {
  tokens: number;
  lastMs: number;
}

const IDLE_MS = 60 * 60 * 1000;

export class RateLimiter {
  private buckets = new Map<string, Bucket>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(
    private readonly config: RateLimitConfig,
    private readonly now: () => number = Date.now,
  ) {
    // Drop buckets idle for an hour (they would be full again anyway).
    this.sweeper = setInterval(() => this.sweep(), 10 * 60 * 1000);
    this.sweeper.unref();
  }

  /** Takes `cost` tokens from the client's bucket of `kind`, or says how long to wait. */
  take(ip: string, kind: LimitKind, cost: number): RateDecision {
    const { perMinute, max } =
      kind === 'PUB'
        ? this.config.publish
        : kind === 'DEF'
          ? this.config.default
          : (this.config.bytes ?? DEFAULT_RATE_LIMITS.bytes);
    const key = `R${ip}${kind}`;
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = { tokens: max, lastMs: now };
      this.buckets.set(key, bucket);
    } else if (now > bucket.lastMs) {
      bucket.tokens = Math.min(max, bucket.tokens + ((now - bucket.lastMs) * perMinute) / 60_000);
      bucket.lastMs = now;
    }
    if (cost <= bucket.tokens) {
      bucket.tokens -= cost;
      return { ok: true };
    }
    // A cost above the bucket size can never pass; the client is told to wait for a full bucket.
    const missing = Math.min(cost, max) - bucket.tokens;
    const retryAfterSeconds = perMinute > 0 ? Math.max(1, Math.ceil((missing * 60) / perMinute)) : 3600;
    return { ok: false, bucket: key, retryAfterSeconds };
  }

  private sweep(): void {
    const cutoff = this.now() - IDLE_MS;
    for (const [key, bucket] of this.buckets) if (bucket.lastMs < cutoff) this.buckets.delete(key);
  }

  close(): void {
    clearInterval(this.sweeper);
  }
}

/** Parses `PUB_PER_MIN:PUB_MAX,DEF_PER_MIN:DEF_MAX` (the CLI's --rate-limit). */
export function parseRateLimit(text: string): RateLimitConfig {
  const m = /^(\d+(?:\.\d+)?):(\d+),(\d+(?:\.\d+)?):(\d+)$/.exec(text.trim());
  if (!m) throw new Error(`expected PUB_PER_MIN:PUB_MAX,DEF_PER_MIN:DEF_MAX or off, got "${text}"`);
  const [pubRate, pubMax, defRate, defMax] = m.slice(1).map(Number) as [number, number, number, number];
  if (pubMax < 1 || defMax < 1) throw new Error(`bucket sizes must be at least 1, got "${text}"`);
  return { publish: { perMinute: pubRate, max: pubMax }, default: { perMinute: defRate, max: defMax } };
}
