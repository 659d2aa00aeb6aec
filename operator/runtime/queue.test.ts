import { describe, expect, it } from 'vitest';
import { WorkQueue } from './queue.ts';
import { defaultRateLimiter, ExponentialBackoff, MaxOf, TokenBucket } from './ratelimit.ts';
import { FakeClock } from './testing/fake-clock.ts';

function queue(clock = new FakeClock()) {
  return { clock, q: new WorkQueue(clock, defaultRateLimiter(clock)) };
}

describe('WorkQueue', () => {
  it('hands out each key once however often it is added', async () => {
    const { q } = queue();
    q.add('a');
    q.add('b');
    q.add('a');
    expect(q.len()).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
    expect(q.len()).toBe(0);
  });

  it('never gives a key to two workers: an add during processing waits for done()', async () => {
    const { q } = queue();
    q.add('a');
    const key = await q.get();
    q.add('a');
    expect(q.len()).toBe(0);
    expect(q.isProcessing('a')).toBe(true);
    q.done(key ?? '');
    expect(q.len()).toBe(1);
    expect(await q.get()).toBe('a');
  });

  it('does not requeue a key on done() when nothing re-added it', async () => {
    const { q } = queue();
    q.add('a');
    q.done((await q.get()) ?? '');
    expect(q.len()).toBe(0);
  });

  it('wakes a waiting worker when a key arrives', async () => {
    const { q } = queue();
    const next = q.get();
    q.add('x');
    expect(await next).toBe('x');
  });

  it('delays addAfter until the clock passes the deadline', () => {
    const { q, clock } = queue();
    q.addAfter('a', 1000);
    clock.advance(999);
    expect(q.len()).toBe(0);
    clock.advance(1);
    expect(q.len()).toBe(1);
  });

  it('keeps the earliest of several delayed adds for a key', () => {
    const { q, clock } = queue();
    q.addAfter('a', 5000);
    q.addAfter('a', 1000);
    q.addAfter('a', 3000);
    clock.advance(1000);
    expect(q.len()).toBe(1);
    clock.advance(10_000);
    expect(q.len()).toBe(1);
    expect(clock.pendingTimers()).toBe(0);
  });

  it('backs a failing key off exponentially and forgets on success', async () => {
    const { q, clock } = queue();
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      q.addRateLimited('k');
      let waited = 0;
      while (q.len() === 0 && waited < 10_000) {
        clock.advance(1);
        waited++;
      }
      delays.push(waited);
      q.done((await q.get()) ?? '');
    }
    expect(delays).toEqual([5, 10, 20, 40, 80]);
    expect(q.retries('k')).toBe(5);
    q.forget('k');
    expect(q.retries('k')).toBe(0);
  });

  it('returns undefined to waiting workers on shutdown and ignores later adds', async () => {
    const { q } = queue();
    const waiting = q.get();
    q.shutDown();
    expect(await waiting).toBeUndefined();
    q.add('late');
    expect(q.len()).toBe(0);
    expect(await q.get()).toBeUndefined();
  });

  it('cancels pending delayed adds on shutdown', () => {
    const { q, clock } = queue();
    q.addAfter('a', 100);
    q.shutDown();
    expect(clock.pendingTimers()).toBe(0);
  });
});

describe('rate limiters', () => {
  it('caps exponential backoff', () => {
    const b = new ExponentialBackoff(5, 1_000_000);
    let last = 0;
    for (let i = 0; i < 40; i++) last = b.when('k');
    expect(last).toBe(1_000_000);
    expect(b.when('other')).toBe(5);
  });

  it('lets a burst through then spaces keys at the bucket rate', () => {
    const clock = new FakeClock();
    const bucket = new TokenBucket(clock, 10, 3);
    expect([bucket.when('a'), bucket.when('b'), bucket.when('c')]).toEqual([0, 0, 0]);
    expect(bucket.when('d')).toBe(100);
    expect(bucket.when('e')).toBe(200);
    clock.advance(1000);
    // Ten tokens refilled minus the two borrowed: the next one is free again.
    expect(bucket.when('f')).toBe(0);
  });

  it('combines limiters by taking the longest delay', () => {
    const clock = new FakeClock();
    const limiter = new MaxOf(new ExponentialBackoff(5, 1000), new TokenBucket(clock, 1, 1));
    expect(limiter.when('a')).toBe(5);
    expect(limiter.when('b')).toBe(1000);
    limiter.forget('a');
    expect(limiter.failures('a')).toBe(0);
  });
});
