import { Counter, Histogram, type Registry } from 'prom-client';

/** The install profiles of the distribution pack (issue 13). */
export const BUNDLE_PROFILES = ['S', 'M', 'L'] as const;
/** A validation run's verdict, as the in-toto test-result predicate names them (lower case). */
export const VALIDATION_RESULTS = ['passed', 'warned', 'failed'] as const;

export interface ValidationMetrics {
  /** One validation run of the installed bundle finished, with its verdict and how long it took. */
  run(
    profile: (typeof BUNDLE_PROFILES)[number],
    result: (typeof VALIDATION_RESULTS)[number],
    seconds: number,
  ): void;
}

/**
 * Bundle validation metrics, registered before the DistributionBundle controller that will
 * record each validation run (issue 13) exists, so that the bundle-validation dashboard and
 * alert query real series from the start. Every profile and verdict has a series, zero
 * included: a dashboard shows "0 failed" instead of "no data", and `increase()` sees the
 * first failure (a counter born at 1 would hide it).
 */
export function validationMetrics(registry: Registry): ValidationMetrics {
  const runs = new Counter({
    name: 'tenantry_bundle_validation_runs_total',
    help: 'Validation suite runs of the installed DistributionBundle by profile (S, M, L) and result (passed, warned, failed)',
    labelNames: ['profile', 'result'],
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'tenantry_bundle_validation_duration_seconds',
    help: 'Duration of validation suite runs of the installed DistributionBundle by profile',
    labelNames: ['profile'],
    buckets: [5, 10, 30, 60, 120, 300, 600, 1800],
    registers: [registry],
  });
  for (const profile of BUNDLE_PROFILES) {
    duration.zero({ profile });
    for (const result of VALIDATION_RESULTS) runs.inc({ profile, result }, 0);
  }
  return {
    run(profile, result, seconds) {
      runs.inc({ profile, result });
      duration.observe({ profile }, seconds);
    },
  };
}
