import type { CheckResult } from './result.ts';

/** The IdentityConnected condition derived from check results. */
export interface IdentityVerdict {
  /** True when no check failed (warnings don't block sign-in). */
  connected: boolean;
  /** CamelCase condition reason. */
  reason: 'AllChecksPassed' | 'PassedWithWarnings' | 'DiscoveryFailed' | 'ChecksFailed' | 'NoChecks';
  message: string;
}

/** Kubernetes allows 32 KiB; status stays readable in `kubectl describe` well below that. */
const MAX_MESSAGE = 4096;

/**
 * Folds check results into the IdentityConnected condition. The message names each failing
 * check with what it found and its fix; skipped checks (those that could not run because one
 * they need failed) are no failures of their own: counted, not repeated, since the failed
 * check's fix covers them.
 */
export function summarize(results: readonly CheckResult[]): IdentityVerdict {
  if (results.length === 0)
    return { connected: false, reason: 'NoChecks', message: 'no identity checks ran' };
  const failed = results.filter((r) => r.status === 'fail');
  const warned = results.filter((r) => r.status === 'warn');
  const skipped = results.filter((r) => r.status === 'skip');
  const tail =
    skipped.length > 0
      ? `; ${skipped.length} dependent check${skipped.length > 1 ? 's' : ''} skipped (${skipped.map((r) => r.id).join(', ')})`
      : '';
  if (failed.length === 0) {
    if (warned.length === 0 && skipped.length === 0) {
      return {
        connected: true,
        reason: 'AllChecksPassed',
        message: `all ${results.length} identity checks passed`,
      };
    }
    const warnings = warned.length
      ? `; ${warned.length} warning${warned.length > 1 ? 's' : ''}: ${warned.map(line).join('; ')}`
      : '';
    return {
      connected: true,
      reason: 'PassedWithWarnings',
      message: cap(`no identity check failed${warnings}${tail}`),
    };
  }
  const head = `${failed.length} identity check${failed.length > 1 ? 's' : ''} failed: ${failed.map(line).join('; ')}`;
  return {
    connected: false,
    reason: failed.some((r) => r.id === 'discovery') ? 'DiscoveryFailed' : 'ChecksFailed',
    message: cap(head + tail),
  };
}

function line(r: CheckResult): string {
  return `${r.id}: ${r.message}${r.fix ? ` (fix: ${r.fix})` : ''}`;
}

function cap(s: string): string {
  return s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE - 1)}…` : s;
}
