import { LABEL_MANAGED_BY, LABEL_VALIDATION_RUN, MANAGED_BY } from '../api/names.ts';
import { sha256Hex } from '../evidence/statement.ts';
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

/**
 * The run's signed evidence, when it was signed: each statement's bundle (Sigstore bundle JSON)
 * by statement name, the blob its cluster subject covers (cluster.json) and the signing key.
 */
export interface RecordedEvidence {
  bundles: Record<string, string>;
  subject: string;
  keyId: string;
}

/**
 * The ConfigMap keys hold what `tenantry validate --evidence` writes to a directory
 * (NAME.bundle.json beside NAME.subject.json), so copying them out gives a directory
 * `tenantry evidence verify` and cosign check as they are. status.evidence names the
 * testResult bundle: its digest, the key and this ConfigMap.
 */
export const EVIDENCE_BUNDLE = 'testResult';
const bundleKey = (name: string) => `${name}.bundle.json`;
const subjectKey = (name: string) => `${name}.subject.json`;

const VERDICTS = { PASSED: 'passed', WARNED: 'warned', FAILED: 'failed' } as const;

export function resultsConfigMap(
  namespace: string,
  run: RunRecord & { bundle: NonNullable<RunRecord['bundle']> },
  report: Report,
  evidence?: RecordedEvidence,
): AnyObject {
  const name = resultsConfigMapName(run.bundle.name);
  const files: Record<string, string> = {};
  let reference: { digest: string; keyId: string; configMap: string } | undefined;
  if (evidence) {
    for (const [statement, bundle] of Object.entries(evidence.bundles)) {
      files[bundleKey(statement)] = bundle;
      files[subjectKey(statement)] = evidence.subject;
    }
    const main = evidence.bundles[EVIDENCE_BUNDLE];
    if (main !== undefined)
      reference = { digest: `sha256:${sha256Hex(main)}`, keyId: evidence.keyId, configMap: name };
  }
  const durationSeconds = (Date.parse(run.finishedAt) - Date.parse(run.startedAt)) / 1000;
  return {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: {
      name,
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
        ...(reference ? { evidence: reference } : {}),
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
      ...files,
    },
  };
}
