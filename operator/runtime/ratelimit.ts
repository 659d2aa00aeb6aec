import type { Clock } from './clock.ts';

/** Decides how long a key waits before its next retry. */
export interface RateLimiter {
  /** Delay in ms before the key may be processed again; each call counts as one failure. */
  when(key: string): number;
  /** Clears the key's failure history after a success. */
  forget(key: string): void;
  failures(key: string): number;
}

/** Per-key exponential backoff: base * 2^failures, capped. controller-runtime uses 5 ms → 1000 s. */
export class ExponentialBackoff implements RateLimiter {
  private readonly counts = new Map<string, number>();
  readonly baseMs: number;
  readonly maxMs: number;
  constructor(baseMs = 5, maxMs = 1_000_000) {
    this.baseMs = baseMs;
    this.maxMs = maxMs;
  }

  when(key: string): number {
    const n = this.counts.get(key) ?? 0;
    this.counts.set(key, n + 1);
    // 2^n overflows to Infinity long after it passed the cap, so min() is enough.
    return Math.min(this.baseMs * 2 ** n, this.maxMs);
  }

  forget(key: string): void {
    this.counts.delete(key);
  }

  failures(key: string): number {
    return this.counts.get(key) ?? 0;
  }
}

/**
 * A global token bucket shared by all keys, so a burst of failing keys cannot hammer the
 * API server even while each key's own backoff is still short.
 */
export class TokenBucket implements RateLimiter {
  private tokens: number;
  private last: number;
  private readonly clock: Clock;
  readonly perSecond: number;
  readonly burst: number;

  constructor(clock: Clock, perSecond = 10, burst = 100) {
    this.clock = clock;
    this.perSecond = perSecond;
    this.burst = burst;
    this.tokens = burst;
    this.last = clock.now();
  }

  when(_key: string): number {
    const now = this.clock.now();
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.last) / 1000) * this.perSecond);
    this.last = now;
    // Reserve a token even when it is not there yet: the debt is paid by waiting.
    this.tokens -= 1;
    return this.tokens >= 0 ? 0 : Math.ceil((-this.tokens / this.perSecond) * 1000);
  }

  forget(_key: string): void {}

  failures(_key: string): number {
    return 0;
  }
}

/** The longest delay of several limiters wins. */
export class MaxOf implements RateLimiter {
  private readonly limiters: RateLimiter[];
  constructor(...limiters: RateLimiter[]) {
    this.limiters = limiters;
  }

  when(key: string): number {
    return Math.max(0, ...this.limiters.map((l) => l.when(key)));
  }

  forget(key: string): void {
    for (const l of this.limiters) l.forget(key);
  }

  failures(key: string): number {
    return Math.max(0, ...this.limiters.map((l) => l.failures(key)));
  }
}

export function defaultRateLimiter(clock: Clock): RateLimiter {
  return new MaxOf(new ExponentialBackoff(5, 1_000_000), new TokenBucket(clock, 10, 100));
}
