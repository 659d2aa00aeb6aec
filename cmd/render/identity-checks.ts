import type { IdentityCheck } from '../../operator/api/v1alpha1/index.ts';

const MARK: Record<IdentityCheck['status'], string> = { pass: '✓', warn: '!', fail: '✗', skip: '-' };

/**
 * The identity checks that did not pass, one line each under the IdentityConnected line of
 * `tenantry signup`, with the fix below a failure or warning; a check that could not run is
 * shown as skipped, not failed, since the failed check it waited for has the fix.
 */
export function identityCheckLines(checks: readonly IdentityCheck[]): string[] {
  return checks
    .filter((c) => c.status !== 'pass')
    .flatMap((c) => [
      `      ${MARK[c.status] ?? '?'} ${c.id} (${c.status}): ${c.message}`,
      ...(c.fix ? [`          fix: ${c.fix}`] : []),
    ]);
}
