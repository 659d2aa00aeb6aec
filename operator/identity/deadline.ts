import { TransportError } from './http.ts';

/**
 * Runs one check with its own deadline. The signal aborts the check's requests; the race makes
 * sure a check that ignores the signal still ends on time. Errors become values (via onError),
 * never exceptions, so one broken check can't take the others down.
 */
export async function withDeadline<T>(
  ms: number,
  run: (signal: AbortSignal) => Promise<T>,
  onError: (err: unknown) => T,
): Promise<T> {
  const ac = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<T>((resolve) => {
    timer = setTimeout(() => {
      const err = new TransportError('timeout', `no answer within ${ms} ms`);
      ac.abort(err);
      resolve(onError(err));
    }, ms);
  });
  try {
    return await Promise.race([run(ac.signal).catch(onError), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
