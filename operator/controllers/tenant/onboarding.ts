import type { OnboardingTiming, Tenant, TenantStatus } from '../../api/v1alpha1/index.ts';
import { type Clock, isoTime } from '../../runtime/clock.ts';

/** What other objects say about the tenant's milestones. */
export interface MilestoneSources {
  /** Approvals of the tenant's add-ons, as the AddOn controller recorded them. */
  approvals?: ReadonlyArray<{ approvedBy?: string; approvedAt?: string }>;
  /** The Entitlement's invoice preview, once it has lines: the first usage and cost report. */
  usageReportAt?: string | undefined;
}

/**
 * Onboarding milestones: the first receipt, the first Ready, the first privileged approval
 * and the first usage and cost report, each stamped once and measured from the Tenant's
 * creation. Whole seconds, as Kubernetes times are.
 */
export function onboardingTiming(
  tenant: Tenant,
  next: TenantStatus,
  clock: Clock,
  sources: MilestoneSources = {},
): OnboardingTiming | undefined {
  const timing: OnboardingTiming = { ...tenant.status?.onboarding };
  const created = Date.parse(tenant.metadata.creationTimestamp ?? '');
  const since = (iso: string) =>
    Number.isNaN(created) ? 0 : Math.max(0, Math.round((Date.parse(iso) - created) / 1000));
  const firstReceipt = next.receipts?.[0]?.time;
  if (!timing.firstReceiptAt && firstReceipt) {
    timing.firstReceiptAt = firstReceipt;
    timing.firstReceiptSeconds = since(firstReceipt);
  }
  const ready = next.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
  if (!timing.readyAt && ready) {
    timing.readyAt = isoTime(clock);
    timing.readySeconds = since(timing.readyAt);
  }
  const first = [...(sources.approvals ?? [])]
    .filter((a) => a.approvedAt && a.approvedBy)
    .sort((a, b) => Date.parse(a.approvedAt ?? '') - Date.parse(b.approvedAt ?? ''))[0];
  if (!timing.firstApprovalAt && first?.approvedAt && first.approvedBy) {
    timing.firstApprovalAt = first.approvedAt;
    timing.firstApprovalSeconds = since(first.approvedAt);
    timing.firstApprovedBy = first.approvedBy;
  }
  if (!timing.firstUsageReportAt && sources.usageReportAt) {
    timing.firstUsageReportAt = sources.usageReportAt;
    timing.firstUsageReportSeconds = since(sources.usageReportAt);
  }
  return Object.keys(timing).length ? timing : undefined;
}
