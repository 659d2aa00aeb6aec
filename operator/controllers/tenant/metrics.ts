import { Histogram, type Registry } from 'prom-client';
import type { Tenant, TenantStatus } from '../../api/v1alpha1/index.ts';
import type { EventRecorder } from '../../runtime/events.ts';

/** Onboarding durations, for the "signup to first receipt / to Ready" dashboard panels. */
export interface OnboardingMetrics {
  observe(milestone: OnboardingMilestone, seconds: number): void;
}

export const ONBOARDING_MILESTONES = [
  'first_receipt',
  'ready',
  'first_approval',
  'first_usage_report',
] as const;
export type OnboardingMilestone = (typeof ONBOARDING_MILESTONES)[number];

export function onboardingMetrics(registry: Registry): OnboardingMetrics {
  const histogram = new Histogram({
    name: 'tenantry_onboarding_duration_seconds',
    help: 'Time from Tenant creation to an onboarding milestone (first_receipt, ready, first_approval, first_usage_report)',
    labelNames: ['milestone'],
    buckets: [1, 2, 5, 10, 30, 60, 120, 300, 900, 3600, 86_400],
    registers: [registry],
  });
  // A series per milestone from the start, so a dashboard shows 0 before the first tenant.
  for (const milestone of ONBOARDING_MILESTONES) histogram.zero({ milestone });
  return { observe: (milestone, seconds) => histogram.observe({ milestone }, seconds) };
}

/**
 * After a status write: each milestone reached for the first time goes into the histogram
 * once, and becoming Ready and each new receipt get an Event (what `kubectl describe` shows).
 */
export function recordMilestones(
  deps: { metrics: OnboardingMetrics; recorder: EventRecorder },
  tenant: Tenant,
  next: TenantStatus,
): void {
  const before = tenant.status?.onboarding ?? {};
  const after = next.onboarding ?? {};
  if (after.firstReceiptSeconds !== undefined && before.firstReceiptSeconds === undefined) {
    deps.metrics.observe('first_receipt', after.firstReceiptSeconds);
  }
  if (after.firstApprovalSeconds !== undefined && before.firstApprovalSeconds === undefined) {
    deps.metrics.observe('first_approval', after.firstApprovalSeconds);
  }
  if (after.firstUsageReportSeconds !== undefined && before.firstUsageReportSeconds === undefined) {
    deps.metrics.observe('first_usage_report', after.firstUsageReportSeconds);
  }
  if (after.readySeconds !== undefined && before.readySeconds === undefined) {
    deps.metrics.observe('ready', after.readySeconds);
    deps.recorder.event(
      tenant,
      'Normal',
      'Onboarded',
      `tenant is Ready ${after.readySeconds}s after creation`,
    );
  }
  for (const r of next.receipts ?? []) {
    if (!tenant.status?.receipts?.some((p) => p.configMap === r.configMap)) {
      deps.recorder.event(
        tenant,
        'Normal',
        'ReceiptSigned',
        `${r.step} (generation ${r.generation}) ${r.digest}`,
      );
    }
  }
}
