import type { Clock } from './clock.ts';
import type { RateLimiter } from './ratelimit.ts';

/** Observes the queue; the runtime's metrics implement it. */
export interface QueueMetrics {
  add(): void;
  depth(n: number): void;
  /** Seconds a key waited between being added and being handed to a worker. */
  latency(seconds: number): void;
  retry(): void;
}

const noMetrics: QueueMetrics = { add() {}, depth() {}, latency() {}, retry() {} };

/**
 * A de-duplicating work queue in the manner of client-go's: a key is queued at most once, is
 * never handed to two workers at once, and a key added while it is being processed is
 * handed out again after done(). Delayed adds keep only the earliest deadline per key.
 */
export class WorkQueue {
  private readonly order: string[] = [];
  private readonly dirty = new Set<string>();
  private readonly processing = new Set<string>();
  private readonly addedAt = new Map<string, number>();
  private readonly delayed = new Map<string, { at: number; cancel: () => void }>();
  private readonly waiters: Array<(key: string | undefined) => void> = [];
  private shuttingDown = false;
  private readonly clock: Clock;
  private readonly limiter: RateLimiter;
  private readonly metrics: QueueMetrics;

  constructor(clock: Clock, limiter: RateLimiter, metrics: QueueMetrics = noMetrics) {
    this.clock = clock;
    this.limiter = limiter;
    this.metrics = metrics;
  }

  add(key: string): void {
    if (this.shuttingDown || this.dirty.has(key)) return;
    this.metrics.add();
    this.dirty.add(key);
    if (!this.addedAt.has(key)) this.addedAt.set(key, this.clock.now());
    if (this.processing.has(key)) return;
    this.push(key);
  }

  /** Adds the key after ms, unless an earlier add for it is already scheduled. */
  addAfter(key: string, ms: number): void {
    if (this.shuttingDown) return;
    if (ms <= 0) {
      this.add(key);
      return;
    }
    const at = this.clock.now() + ms;
    const pending = this.delayed.get(key);
    if (pending && pending.at <= at) return;
    pending?.cancel();
    const cancel = this.clock.setTimer(ms, () => {
      this.delayed.delete(key);
      this.add(key);
    });
    this.delayed.set(key, { at, cancel });
  }

  addRateLimited(key: string): void {
    this.metrics.retry();
    this.addAfter(key, this.limiter.when(key));
  }

  forget(key: string): void {
    this.limiter.forget(key);
  }

  retries(key: string): number {
    return this.limiter.failures(key);
  }

  /** Waits for the next key; undefined once the queue has shut down and drained. */
  get(): Promise<string | undefined> {
    const key = this.order.shift();
    if (key !== undefined) return Promise.resolve(this.take(key));
    if (this.shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  done(key: string): void {
    this.processing.delete(key);
    if (this.dirty.has(key)) this.push(key);
  }

  len(): number {
    return this.order.length;
  }

  isProcessing(key: string): boolean {
    return this.processing.has(key);
  }

  shutDown(): void {
    this.shuttingDown = true;
    for (const { cancel } of this.delayed.values()) cancel();
    this.delayed.clear();
    for (const w of this.waiters.splice(0)) w(undefined);
  }

  private push(key: string): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter(this.take(key));
      return;
    }
    this.order.push(key);
    this.metrics.depth(this.order.length);
  }

  private take(key: string): string {
    this.dirty.delete(key);
    this.processing.add(key);
    const since = this.addedAt.get(key);
    this.addedAt.delete(key);
    if (since !== undefined) this.metrics.latency((this.clock.now() - since) / 1000);
    this.metrics.depth(this.order.length);
    return key;
  }
}
