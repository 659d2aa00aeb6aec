import type { CheckOutcome, CheckResult } from '../api/v1alpha1/common.ts';
import { CHECKS, type Check, type Outcome, type Severity } from './checks.ts';
import type { RunRecord } from './record.ts';

export interface Result {
  id: string;
  category: string;
  severity: Severity;
  outcome: Outcome;
  message: string;
  remediation?: string;
  /** Milliseconds spent observing for this check (0 when it only judged what others observed). */
  durationMs: number;
}

/** The test-result predicate's verdicts. */
export type Verdict = 'PASSED' | 'WARNED' | 'FAILED';

export interface Report {
  verdict: Verdict;
  summary: { passed: number; warned: number; failed: number; skipped: number };
  results: Result[];
}

/**
 * Judges a run record: a pure function of the record, so a replay of RUN.json gives the
 * same report on any machine. A check that throws on a malformed record fails with why
 * rather than hiding the others.
 */
export function judge(run: RunRecord, checks: readonly Check[] = CHECKS): Report {
  const results = checks.map((check): Result => {
    let j: ReturnType<Check['judge']>;
    try {
      j = check.judge(run);
    } catch (e) {
      j = {
        outcome: 'fail',
        message: `the record cannot be judged: ${(e as Error).message}`,
        remediation: 'run the validation again; a replayed RUN.json must come from this tool',
      };
    }
    return {
      id: check.id,
      category: check.category,
      severity: check.severity,
      outcome: j.outcome,
      message: j.message,
      ...(j.outcome !== 'pass' && j.remediation ? { remediation: j.remediation } : {}),
      durationMs: run.durations[check.id] ?? 0,
    };
  });
  const count = (o: Outcome) => results.filter((r) => r.outcome === o).length;
  const summary = {
    passed: count('pass'),
    warned: count('warn'),
    failed: count('fail'),
    skipped: count('skip'),
  };
  const verdict: Verdict = summary.failed ? 'FAILED' : summary.warned ? 'WARNED' : 'PASSED';
  return { verdict, summary, results };
}

const API_OUTCOME: Record<Outcome, CheckOutcome> = {
  pass: 'Passed',
  warn: 'Warned',
  fail: 'Failed',
  skip: 'Skipped',
};

/** A result as the DistributionBundle status and the results ConfigMap carry it. */
export function toCheckResult(r: Result): CheckResult {
  return {
    id: r.id,
    category: r.category,
    severity: r.severity,
    outcome: API_OUTCOME[r.outcome],
    message: r.message,
    ...(r.remediation ? { remediation: r.remediation } : {}),
  };
}
