/**
 * Token buckets keyed by client address: a burst is allowed, a steady flood is refused with
 * 429. In memory, so limits are per process; the map is pruned so it cannot grow without bound.
 */
export interface RateLimit {
  /** Requests allowed per minute, sustained. */
  perMinute: number;
  /** Requests allowed at once before the sustained rate applies. */
  burst: number;
}

interface Bucket {
  tokens: number;
  updatedAt: number;
}

const MAX_KEYS = 50_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(private readonly limit: RateLimit, private readonly now: () => number = Date.now) {}

  /** Takes one token; returns 0 when allowed, else the seconds until the next token. */
  take(key: string): number {
    const now = this.now();
    const ratePerMs = this.limit.perMinute / 60_000;
    let bucket = this.buckets.get(key);
    if (!bucket) {
      if (this.buckets.size >= MAX_KEYS) this.prune(now);
      bucket = { tokens: this.limit.burst, updatedAt: now };
      this.buckets.set(key, bucket);
    } else {
      bucket.tokens = Math.min(this.limit.burst, bucket.tokens + (now - bucket.updatedAt) * ratePerMs);
      bucket.updatedAt = now;
    }
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / ratePerMs / 1000));
  }

  private prune(now: number): void {
    const fullAfterMs = (this.limit.burst / this.limit.perMinute) * 60_000;
    for (const [key, bucket] of this.buckets) {
      if (now - bucket.updatedAt >= fullAfterMs) this.buckets.delete(key);
    }
    // Everyone is active: forget the oldest half rather than grow.
    if (this.buckets.size >= MAX_KEYS) {
      let drop = this.buckets.size / 2;
      for (const key of this.buckets.keys()) {
        if (drop-- <= 0) break;
        this.buckets.delete(key);
      }
    }
  }
}
