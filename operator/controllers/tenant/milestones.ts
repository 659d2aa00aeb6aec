import { addOnsOf, entitlementOf } from '../../api/tenancy.ts';
import type { Tenant, TenantStatus } from '../../api/v1alpha1/index.ts';
import { describeMilestone, milestoneEvents } from '../../growth/milestones.ts';
import type { Outcome } from '../../runtime/reconcile/outcome.ts';
import type { GrowthDeps } from './growth-deps.ts';

/**
 * Milestones (feature growthInstrumentation): tenant created, each receipt, the first add-on
 * and the first invoice line go into the durable growth log, each once (their ids are derived),
 * and those new to the log get a Kubernetes Event. Switched off, nothing is recorded; switched
 * on again, what happened meanwhile is recorded then, with the time it happened.
 */
export async function milestones(
  deps: GrowthDeps,
  tenant: Tenant,
  status: Readonly<TenantStatus>,
): Promise<Outcome<TenantStatus> | undefined> {
  if (!deps.features.growthInstrumentation) return undefined;
  const name = tenant.metadata.name ?? '';
  const events = milestoneEvents({
    tenant,
    receipts: status.receipts ?? [],
    addons: addOnsOf(deps.addons, name),
    invoicePreview: entitlementOf(deps.entitlements, name)?.status?.invoicePreview,
    origin: deps.growthLog.origin,
  });
  for (const e of await deps.growthLog.record(name, events)) {
    const said = describeMilestone(e);
    if (said) deps.recorder.event(tenant, 'Normal', said.reason, said.message);
  }
  return undefined;
}
