// Token buckets per key (the client address): `capacity` requests at once, refilled at
// `refillPerSecond`. Small and synchronous; the clock is a parameter.
export interface RateLimitOptions {
  capacity: number;
  refillPerSecond: number;
  /** buckets kept at most; the least recently used is dropped first */
  maxKeys?: number;
  now?: () => number;
}

export type RateDecision = { ok: true; remaining: number } | { ok: false; retryAfterMs: number };

export const DEFAULT_WEBHOOK_RATE: RateLimitOptions = { capacity: 60, refillPerSecond: 1 };

export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly now: () => number;
  private readonly maxKeys: number;

  constructor(private readonly opts: RateLimitOptions) {
    if (!(opts.capacity >= 1) || !(opts.refillPerSecond > 0)) throw new RangeError('capacity must be ≥ 1 and refillPerSecond > 0');
    this.now = opts.now ?? Date.now;
    this.maxKeys = opts.maxKeys ?? 10_000;
  }

  /** Takes one token from `key`'s bucket, or says how long until one is there. */
  take(key: string): RateDecision {
    const t = this.now();
    const { capacity, refillPerSecond } = this.opts;
    const prev = this.buckets.get(key);
    const tokens = prev ? Math.min(capacity, prev.tokens + ((t - prev.at) / 1000) * refillPerSecond) : capacity;
    // re-insert: a Map keeps insertion order, so the first key is the least recently used
    this.buckets.delete(key);
    if (tokens < 1) {
      this.buckets.set(key, { tokens, at: t });
      return { ok: false, retryAfterMs: Math.ceil(((1 - tokens) / refillPerSecond) * 1000) };
    }
    this.buckets.set(key, { tokens: tokens - 1, at: t });
    if (this.buckets.size > this.maxKeys) this.buckets.delete(this.buckets.keys().next().value!);
    return { ok: true, remaining: Math.floor(tokens - 1) };
  }
}
