import type { CheckResult, EvidenceReference } from '../../api/v1alpha1/common.ts';
import type { CheckSummary, DistributionBundleStatus } from '../../api/v1alpha1/distributionbundle.ts';
import type { ConfigMap } from '../../runtime/kube/core.ts';
import type { StatusFields } from '../../runtime/reconcile/outcome.ts';
import { VALIDATION_RESULTS } from './metrics.ts';

/**
 * The contract with the validation suite (`tenantry validate`, its Job): it writes a bundle's
 * latest run as JSON under `run.json` in the ConfigMap `tenantry-validation-<bundle>` of the
 * operator's namespace (labelled tenantry.dev/validation-run=<bundle>), and this controller is
 * the only writer of the bundle's status, which copies it. Who can write that ConfigMap can
 * write the operator's keys too, but the run is still read field by field: a malformed run is
 * reported as unreadable, never half-copied.
 */
export const RUN_KEY = 'run.json';

export interface ValidationRun {
  /** RFC 3339 time the run finished. */
  finishedAt: string;
  durationSeconds: number;
  /** The in-toto test-result verdict, lower case. */
  result: (typeof VALIDATION_RESULTS)[number];
  summary: CheckSummary;
  results: CheckResult[];
  evidence?: EvidenceReference;
}

const SEVERITIES = ['info', 'warning', 'critical'];
const OUTCOMES = ['Passed', 'Warned', 'Failed', 'Skipped'];
const MAX_RESULTS = 200;

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);
const count = (v: unknown, field: string): number => {
  if (!Number.isInteger(v) || (v as number) < 0)
    throw new Error(`${field} must be a whole number, got ${JSON.stringify(v)}`);
  return v as number;
};
const text = (v: unknown, field: string, max = 2048): string => {
  if (typeof v !== 'string' || v.length > max)
    throw new Error(`${field} must be a string of at most ${max} characters`);
  return v;
};

function checkResult(v: unknown, i: number): CheckResult {
  const at = `results[${i}]`;
  if (!isObject(v)) throw new Error(`${at} must be an object`);
  const severity = text(v.severity, `${at}.severity`);
  const outcome = text(v.outcome, `${at}.outcome`);
  if (!SEVERITIES.includes(severity))
    throw new Error(`${at}.severity must be one of ${SEVERITIES.join(', ')}, got "${severity}"`);
  if (!OUTCOMES.includes(outcome))
    throw new Error(`${at}.outcome must be one of ${OUTCOMES.join(', ')}, got "${outcome}"`);
  const id = text(v.id, `${at}.id`, 128);
  if (!id) throw new Error(`${at}.id must not be empty`);
  return {
    id,
    category: text(v.category, `${at}.category`, 64),
    severity: severity as CheckResult['severity'],
    outcome: outcome as CheckResult['outcome'],
    message: text(v.message, `${at}.message`),
    ...(v.remediation === undefined ? {} : { remediation: text(v.remediation, `${at}.remediation`) }),
  };
}

/** The run in a validation ConfigMap; throws naming the first field that is wrong. */
export function parseValidationRun(cm: ConfigMap): ValidationRun {
  const raw = cm.data?.[RUN_KEY];
  if (raw === undefined) throw new Error(`ConfigMap ${cm.metadata.name} has no ${RUN_KEY}`);
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (e) {
    throw new Error(`${RUN_KEY} is not JSON: ${(e as Error).message}`);
  }
  if (!isObject(v)) throw new Error(`${RUN_KEY} must be an object`);
  const finishedAt = text(v.finishedAt, 'finishedAt', 64);
  if (Number.isNaN(Date.parse(finishedAt)))
    throw new Error(`finishedAt must be an RFC 3339 time, got "${finishedAt}"`);
  const result = text(v.result, 'result', 16);
  if (!(VALIDATION_RESULTS as readonly string[]).includes(result))
    throw new Error(`result must be one of ${VALIDATION_RESULTS.join(', ')}, got "${result}"`);
  if (typeof v.durationSeconds !== 'number' || !(v.durationSeconds >= 0))
    throw new Error('durationSeconds must be a number ≥ 0');
  if (!Array.isArray(v.results) || v.results.length > MAX_RESULTS)
    throw new Error(`results must be a list of at most ${MAX_RESULTS} checks`);
  const results = v.results.map(checkResult);
  const ids = new Set(results.map((r) => r.id));
  if (ids.size !== results.length) throw new Error('results: check ids must be unique');
  const s = isObject(v.summary) ? v.summary : {};
  const summary = {
    passed: count(s.passed, 'summary.passed'),
    warned: count(s.warned, 'summary.warned'),
    failed: count(s.failed, 'summary.failed'),
    skipped: count(s.skipped, 'summary.skipped'),
  };
  let evidence: EvidenceReference | undefined;
  if (v.evidence !== undefined) {
    const e = isObject(v.evidence) ? v.evidence : {};
    const digest = text(e.digest, 'evidence.digest', 71);
    if (!/^sha256:[a-f0-9]{64}$/.test(digest))
      throw new Error(`evidence.digest must be sha256:<64 hex digits>, got "${digest}"`);
    evidence = {
      digest,
      keyId: text(e.keyId, 'evidence.keyId', 256),
      configMap: text(e.configMap, 'evidence.configMap', 253),
    };
  }
  return {
    finishedAt: new Date(finishedAt).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    durationSeconds: v.durationSeconds,
    result: result as ValidationRun['result'],
    summary,
    results,
    ...(evidence ? { evidence } : {}),
  };
}

/** The status fields a run fills in. */
export function runStatus(run: ValidationRun): StatusFields<DistributionBundleStatus> {
  return { lastRunTime: run.finishedAt, summary: run.summary, results: run.results, evidence: run.evidence };
}

/**
 * The digest of the bundle (name and spec) the run validated, from its `summary.json`
 * (`sha256:<hex>`), if it names one: how the controller tells a run of the current spec
 * from one of an earlier spec.
 */
export function runBundleDigest(cm: ConfigMap): string | undefined {
  try {
    const v: unknown = JSON.parse(cm.data?.['summary.json'] ?? '');
    const digest = isObject(v) ? v.bundleDigest : undefined;
    return typeof digest === 'string' && /^sha256:[a-f0-9]{64}$/.test(digest) ? digest : undefined;
  } catch {
    return undefined;
  }
}
