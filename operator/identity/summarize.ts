import { type CheckResult, SKIPPED_DISCOVERY } from './result.ts';

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
 * check with what it found and its fix; checks skipped because discovery failed are counted,
 * not repeated, since discovery's own fix covers them.
 */
export function summarize(results: readonly CheckResult[]): IdentityVerdict {
  if (results.length === 0)
    return { connected: false, reason: 'NoChecks', message: 'no identity checks ran' };
  const failed = results.filter((r) => r.status === 'fail');
  const warned = results.filter((r) => r.status === 'warn');
  if (failed.length === 0) {
    if (warned.length === 0) {
      return {
        connected: true,
        reason: 'AllChecksPassed',
        message: `all ${results.length} identity checks passed`,
      };
    }
    return {
      connected: true,
      reason: 'PassedWithWarnings',
      message: cap(
        `no identity check failed; ${warned.length} warning${warned.length > 1 ? 's' : ''}: ${warned.map(line).join('; ')}`,
      ),
    };
  }
  const skipped = failed.filter((r) => r.message === SKIPPED_DISCOVERY);
  const real = failed.filter((r) => r.message !== SKIPPED_DISCOVERY);
  const discoveryFailed = real.some((r) => r.id === 'discovery');
  const head = `${real.length} identity check${real.length > 1 ? 's' : ''} failed: ${real.map(line).join('; ')}`;
  const tail =
    skipped.length > 0
      ? `; ${skipped.length} dependent checks skipped (${skipped.map((r) => r.id).join(', ')})`
      : '';
  return {
    connected: false,
    reason: discoveryFailed ? 'DiscoveryFailed' : 'ChecksFailed',
    message: cap(head + tail),
  };
}

function line(r: CheckResult): string {
  return `${r.id}: ${r.message}${r.fix ? ` (fix: ${r.fix})` : ''}`;
}

function cap(s: string): string {
  return s.length > MAX_MESSAGE ? `${s.slice(0, MAX_MESSAGE - 1)}…` : s;
}
