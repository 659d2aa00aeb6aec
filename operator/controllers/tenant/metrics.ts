import { Histogram, type Registry } from 'prom-client';

/** Onboarding durations, for the "signup to first receipt / to Ready" dashboard panels. */
export interface OnboardingMetrics {
  observe(
    milestone: 'first_receipt' | 'ready' | 'first_approval' | 'first_usage_report',
    seconds: number,
  ): void;
}

export function onboardingMetrics(registry: Registry): OnboardingMetrics {
  const histogram = new Histogram({
    name: 'tenantry_onboarding_duration_seconds',
    help: 'Time from Tenant creation to an onboarding milestone (first_receipt, ready, first_approval, first_usage_report)',
    labelNames: ['milestone'],
    buckets: [1, 2, 5, 10, 30, 60, 120, 300, 900, 3600, 86_400],
    registers: [registry],
  });
  return { observe: (milestone, seconds) => histogram.observe({ milestone }, seconds) };
}
