import { describe, expect, it } from 'vitest';
import { FakeClock } from '../runtime/testing/fake-clock.ts';
import { parseRateLimit, RateLimiter } from './rate-limit.ts';

describe('the per-user token bucket', () => {
  it('grants the burst at once, then one a refill, and says how long to wait', () => {
    const clock = new FakeClock(0);
    const limiter = new RateLimiter({ burst: 3, perSecond: 0.5 }, clock);
    expect([1, 2, 3].map(() => limiter.take('alice'))).toEqual([0, 0, 0]);
    expect(limiter.take('alice')).toBe(2);
    clock.advance(1000);
    expect(limiter.take('alice')).toBe(1);
    clock.advance(1000);
    expect(limiter.take('alice')).toBe(0);
  });

  it('keeps users apart', () => {
    const limiter = new RateLimiter({ burst: 1, perSecond: 1 }, new FakeClock(0));
    expect(limiter.take('alice')).toBe(0);
    expect(limiter.take('alice')).toBe(1);
    expect(limiter.take('bob')).toBe(0);
  });

  it('refills no further than the burst', () => {
    const clock = new FakeClock(0);
    const limiter = new RateLimiter({ burst: 2, perSecond: 10 }, clock);
    clock.advance(60_000);
    expect([1, 2, 3].map(() => limiter.take('alice'))).toEqual([0, 0, 1]);
  });

  it('parses BURST/PER_SECOND and says what a wrong one should look like', () => {
    expect(parseRateLimit('20/2')).toEqual({ burst: 20, perSecond: 2 });
    expect(parseRateLimit('5/0.5')).toEqual({ burst: 5, perSecond: 0.5 });
    for (const bad of ['20', '0/1', '5/0', 'a/b'])
      expect(() => parseRateLimit(bad)).toThrow(/give BURST\/PER_SECOND, e\.g\. 20\/2/);
  });
});
