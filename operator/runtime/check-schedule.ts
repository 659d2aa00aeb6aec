import type { Clock } from './clock.ts';

interface Entry {
  input: string;
  nextAt: number;
  attempt: number;
}

/**
 * When each tenant's outside checks (DNS, identity provider) are due again. Kept in memory:
 * after a restart every check simply runs once more, and nothing is written to the API
 * server just to remember a time.
 */
export class CheckSchedule {
  private readonly entries = new Map<string, Entry>();
  private readonly clock: Clock;

  constructor(clock: Clock) {
    this.clock = clock;
  }

  /** Whether the check is due; a changed input (spec) makes it due at once and resets backoff. */
  due(key: string, input: string): boolean {
    const e = this.entries.get(key);
    return !e || e.input !== input || this.clock.now() >= e.nextAt;
  }

  /** Milliseconds until the check is due (0 when due). */
  remaining(key: string): number {
    const e = this.entries.get(key);
    return e ? Math.max(0, e.nextAt - this.clock.now()) : 0;
  }

  /** Records a run; delay(attempt) gives the wait before the next one. Returns that wait. */
  ran(key: string, input: string, ok: boolean, delay: (attempt: number) => number): number {
    const prev = this.entries.get(key);
    const attempt = ok ? 0 : prev && prev.input === input ? prev.attempt + 1 : 1;
    const wait = delay(attempt);
    this.entries.set(key, { input, nextAt: this.clock.now() + wait, attempt });
    return wait;
  }

  forget(key: string): void {
    this.entries.delete(key);
  }
}
