import { LABEL_MANAGED_BY, LABEL_VALIDATION_RUN, MANAGED_BY } from '../api/names.ts';
import type { AnyObject } from '../runtime/kube/object.ts';
import { type Report, toCheckResult } from './judge.ts';
import type { RunRecord } from './record.ts';

/**
 * Where the last run's results wait for the DistributionBundle controller, which copies
 * them into the bundle's status (summary, results, evidence): one ConfigMap per bundle in
 * the operator's namespace, so the suite needs no write access to DistributionBundles. Its
 * `run.json` is the controller's contract (controllers/distributionbundle/validation-run.ts
 * reads it field by field); `summary.json` says the rest for people (digest, version, profile).
 */
export const resultsConfigMapName = (bundle: string): string => `tenantry-validation-${bundle}`;

/** The evidence files of the run, when it was signed, keyed as in the evidence directory. */
export type SignedEvidence = Record<string, string>;

const VERDICTS = { PASSED: 'passed', WARNED: 'warned', FAILED: 'failed' } as const;

export function resultsConfigMap(
  namespace: string,
  run: RunRecord & { bundle: NonNullable<RunRecord['bundle']> },
  report: Report,
  evidence: SignedEvidence,
): AnyObject {
  const durationSeconds = (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name: resultsConfigMapName(run.bundle.name),
      namespace,
      labels: { [LABEL_MANAGED_BY]: MANAGED_BY, [LABEL_VALIDATION_RUN]: run.bundle.name },
    },
    data: {
      'run.json': JSON.stringify({
        finishedAt: run.finishedAt,
        durationSeconds,
        result: VERDICTS[report.verdict],
        summary: report.summary,
        results: report.results.map(toCheckResult),
      }),
      'summary.json': JSON.stringify({
        bundle: run.bundle.name,
        bundleDigest: `sha256:${run.bundle.digest}`,
        version: run.bundle.version,
        profile: run.bundle.profile,
        verdict: report.verdict,
        lastRunTime: run.finishedAt,
        durationSeconds,
      }),
      ...evidence,
    },
  };
}
