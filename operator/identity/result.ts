import type { IdentityCheckStatus } from '../api/v1alpha1/index.ts';

/**
 * Outcome of one identity check: pass, warn (works, but worth fixing), fail (sign-in breaks)
 * or skip (could not run because a check it needs failed), as Tenant status shows it.
 */
export type CheckStatus = IdentityCheckStatus;

/** One identity provider or SCIM health check, as shown in Tenant status. */
export interface CheckResult {
  /** Stable identifier, e.g. `discovery`, `redirectUri`, `scimUsers`. */
  id: string;
  /** Human title, e.g. "Redirect URI accepted". */
  title: string;
  status: CheckStatus;
  /** What the check found. Never contains a secret or token. */
  message: string;
  /** What to change to make it pass, in the identity provider's own terms. */
  fix?: string;
}

/** What a single check computes; the runner adds id and title. */
export interface Verdict {
  status: CheckStatus;
  message: string;
  fix?: string | undefined;
}

export const pass = (message: string): Verdict => ({ status: 'pass', message });
export const warn = (message: string, fix?: string): Verdict => ({ status: 'warn', message, fix });
export const fail = (message: string, fix?: string): Verdict => ({ status: 'fail', message, fix });
export const skip = (message: string): Verdict => ({ status: 'skip', message });

/** Message of a check that could not run because discovery failed. */
export const SKIPPED_DISCOVERY = 'skipped: discovery failed';

export function toResult(id: string, title: string, v: Verdict): CheckResult {
  return { id, title, status: v.status, message: v.message, ...(v.fix ? { fix: v.fix } : {}) };
}

/**
 * Replaces every occurrence of the secrets in messages and fixes. Checks never put a secret in
 * a message themselves; this guards against a provider echoing one back in an error text.
 */
export function redact(results: CheckResult[], secrets: Array<string | undefined>): CheckResult[] {
  const hide = secrets.filter((s): s is string => typeof s === 'string' && s.length >= 4);
  if (hide.length === 0) return results;
  const clean = (s: string) => hide.reduce((acc, secret) => acc.split(secret).join('[redacted]'), s);
  return results.map((r) => ({
    ...r,
    message: clean(r.message),
    ...(r.fix !== undefined ? { fix: clean(r.fix) } : {}),
  }));
}
