import type { WormFindings } from './findings.ts';
import type { WormFailure } from './result.ts';

/**
 * One link of the chain: a failure, or nothing when the check passed (having added its
 * finding for the checks after it).
 */
export type WormCheck = (f: WormFindings) => WormFailure | undefined | Promise<WormFailure | undefined>;

/** Runs the checks in order and stops at the first failure, so later ones may rely on earlier findings. */
export async function firstFailure(
  checks: readonly WormCheck[],
  f: WormFindings,
): Promise<WormFailure | undefined> {
  for (const check of checks) {
    const failure = await check(f);
    if (failure !== undefined) return failure;
  }
  return undefined;
}
