import { setTimeout as delay } from 'node:timers/promises';

export interface PollOptions {
  /** What is being waited for, used in the timeout error. */
  what: string;
  timeoutMs: number;
  intervalMs?: number;
  /** Called before every attempt; throwing ends the wait early (e.g. the process being waited on died). */
  abortIf?: () => void;
  signal?: AbortSignal;
}

/**
 * Calls `attempt` until it returns a value other than undefined, or the deadline passes.
 * Errors thrown by `attempt` count as "not yet" and the last one is reported on timeout.
 */
export async function pollUntil<T>(attempt: () => Promise<T | undefined>, opts: PollOptions): Promise<T> {
  const deadline = Date.now() + opts.timeoutMs;
  const interval = opts.intervalMs ?? 100;
  let lastError: unknown;
  for (;;) {
    opts.signal?.throwIfAborted();
    opts.abortIf?.();
    try {
      const value = await attempt();
      if (value !== undefined) return value;
      lastError = undefined;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() >= deadline) {
      const cause =
        lastError === undefined
          ? ''
          : `: ${lastError instanceof Error ? lastError.message : String(lastError)}`;
      throw new Error(`timed out after ${opts.timeoutMs}ms waiting for ${opts.what}${cause}`);
    }
    await delay(
      Math.min(interval, Math.max(1, deadline - Date.now())),
      undefined,
      opts.signal ? { signal: opts.signal } : {},
    );
  }
}
