import type { OnboardingTiming, Tenant, TenantStatus } from '../../api/v1alpha1/index.ts';
import { type Clock, isoTime } from '../../runtime/clock.ts';

/**
 * Onboarding milestones: the first receipt and the first Ready, each stamped once and
 * measured from the Tenant's creation. Whole seconds, as Kubernetes times are.
 */
export function onboardingTiming(
  tenant: Tenant,
  next: TenantStatus,
  clock: Clock,
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
  return Object.keys(timing).length ? timing : undefined;
}
