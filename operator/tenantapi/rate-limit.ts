import type { Clock } from '../runtime/clock.ts';

export interface RateLimit {
  /** Requests a caller may make at once. */
  burst: number;
  /** Requests a second a caller gets back, up to the burst. */
  perSecond: number;
}

export const DEFAULT_RATE_LIMIT: RateLimit = { burst: 20, perSecond: 2 };

/** Parses `burst/perSecond`, e.g. `20/2`; throws naming what is wrong. */
export function parseRateLimit(text: string): RateLimit {
  const m = /^(\d+)\/(\d+(?:\.\d+)?)$/.exec(text.trim());
  const burst = Number(m?.[1]);
  const perSecond = Number(m?.[2]);
  if (!m || burst < 1 || perSecond <= 0)
    throw new Error(
      `"${text}" is no rate limit: give BURST/PER_SECOND, e.g. 20/2 (at least 1 and more than 0)`,
    );
  return { burst, perSecond };
}

/**
 * A token bucket per caller: `burst` requests at once, then `perSecond`. Buckets refill
 * lazily from the clock, and full ones are forgotten, so memory grows with active callers only.
 */
export class RateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  readonly limit: RateLimit;
  private readonly clock: Clock;

  constructor(limit: RateLimit, clock: Clock) {
    this.limit = limit;
    this.clock = clock;
  }

  /** Takes a token for `key`: 0 when granted, else the seconds until one is back (at least 1). */
  take(key: string): number {
    const now = this.clock.now();
    const b = this.bucket(key, now);
    if (b.tokens >= 1) {
      b.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - b.tokens) / this.limit.perSecond));
  }

  private bucket(key: string, now: number) {
    if (this.buckets.size > 10_000) this.forgetFull(now);
    const b = this.buckets.get(key) ?? { tokens: this.limit.burst, at: now };
    b.tokens = Math.min(this.limit.burst, b.tokens + ((now - b.at) / 1000) * this.limit.perSecond);
    b.at = now;
    this.buckets.set(key, b);
    return b;
  }

  private forgetFull(now: number) {
    for (const [k, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.limit.perSecond >= this.limit.burst) this.buckets.delete(k);
    }
  }
}
