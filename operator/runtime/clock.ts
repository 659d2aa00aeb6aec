/**
 * Time as the runtime sees it. Everything that waits or stamps a time takes a Clock, so the
 * queue, backoff and condition timestamps can be tested deterministically on a FakeClock.
 */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
  /** Calls fn after ms; the returned function cancels it. */
  setTimer(ms: number, fn: () => void): () => void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimer(ms, fn) {
    const t = setTimeout(fn, Math.max(0, ms));
    // Pending requeues must not keep a finished process alive.
    t.unref();
    return () => clearTimeout(t);
  },
};

/** Resolves after ms on the given clock, or early (without error) when the signal aborts. */
export function sleep(clock: Clock, ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const onAbort = () => {
      cancel();
      resolve();
    };
    const cancel = clock.setTimer(ms, () => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    });
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

export function isoTime(clock: Clock): string {
  return isoSeconds(clock.now());
}

/** A time as Kubernetes writes one (metav1.Time): RFC 3339 in UTC, whole seconds. */
export function isoSeconds(ms: number): string {
  // Sub-second digits would make every write look like a change.
  return new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');
}
