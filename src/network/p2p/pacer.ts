// Token buckets that pace instead of refusing: a cost is always taken, the bucket may go into debt, and the
// caller is told how long to wait before its next step so the debt is paid off at the configured rate.
// Used where refusing would lose work or fail a sync that should only slow down (peer-limits.ts): a
// page already received from a peer is kept, and the next one is asked for later.

/** Keys kept before idle (full) buckets are swept. */
const SWEEP_ABOVE = 1024;

interface Bucket {
  tokens: number;
  lastMs: number;
}

export class Pacer {
  private readonly buckets = new Map<string, Bucket>();

  constructor(
    private readonly perSecond: number,
    private readonly burst: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Takes `cost` tokens from `key`'s bucket (a new bucket starts full); returns the ms to wait (0: none). */
  take(key: string, cost: number): number {
    const now = this.now();
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= SWEEP_ABOVE) this.sweep(now);
      bucket = { tokens: this.burst, lastMs: now };
      this.buckets.set(key, bucket);
    } else {
      this.refill(bucket, now);
    }
    bucket.tokens -= cost;
    return bucket.tokens >= 0 ? 0 : Math.ceil((-bucket.tokens / this.perSecond) * 1000);
  }

  private refill(bucket: Bucket, now: number): void {
    if (now <= bucket.lastMs) return;
    bucket.tokens = Math.min(this.burst, bucket.tokens + ((now - bucket.lastMs) * this.perSecond) / 1000);
    bucket.lastMs = now;
  }

  /** A full bucket is the same as none. */
  private sweep(now: number): void {
    for (const [key, bucket] of this.buckets) {
      this.refill(bucket, now);
      if (bucket.tokens >= this.burst) this.buckets.delete(key);
    }
  }
}
