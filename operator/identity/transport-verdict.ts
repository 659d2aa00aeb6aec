import { TransportError, transportFix } from './http.ts';
import { fail, type Verdict } from './result.ts';

/** A request that got no response, as a failed check; `what` says which request it was. */
export function transportVerdict(err: unknown, what?: string): Verdict {
  const prefix = what ? `${what}: ` : '';
  if (err instanceof TransportError) return fail(`${prefix}${err.message}`, transportFix(err));
  return fail(`${prefix}unexpected error: ${err instanceof Error ? err.message : String(err)}`);
}
