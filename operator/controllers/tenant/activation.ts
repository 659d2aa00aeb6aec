import { TenantCondition } from '../../api/conditions.ts';
import { addOnsOf } from '../../api/tenancy.ts';
import type { Tenant, TenantStatus } from '../../api/v1alpha1/index.ts';
import {
  activationChecklist,
  checklistCompletedEvent,
  itemDoneEvent,
  observedCompletions,
  recordedCompletions,
  secondsSince,
} from '../../growth/activation.ts';
import type { GrowthEvent } from '../../growth/events.ts';
import { describeMilestone } from '../../growth/milestones.ts';
import type { Outcome } from '../../runtime/reconcile/outcome.ts';
import type { GrowthDeps } from './growth-deps.ts';
import { dropForeignField } from './status-repair.ts';

/**
 * status.activation (feature activationChecklist): the checklist recomputed from its sources
 * on every reconcile, never read back from status. An item seen done for the first time is
 * recorded in the growth log, which is what keeps it done; with growthInstrumentation on it
 * also gets a Kubernetes Event. Switched off, the field goes.
 */
export async function activation(
  deps: GrowthDeps,
  tenant: Tenant,
  status: Readonly<TenantStatus>,
): Promise<Outcome<TenantStatus>> {
  if (!deps.features.activationChecklist) {
    await dropForeignField(deps.client, tenant, 'activation', undefined);
    return { status: { activation: undefined } };
  }
  const name = tenant.metadata.name ?? '';
  const uid = tenant.metadata.uid ?? '';
  const created = tenant.metadata.creationTimestamp ?? '';
  const events = deps.log.events(name);
  const identity = status.conditions?.find((c) => c.type === TenantCondition.IdentityConnected);
  const observed = observedCompletions({
    tenant: name,
    created,
    identityConnectedAt: identity?.status === 'True' ? identity.lastTransitionTime : undefined,
    approvals: addOnsOf(deps.addons, name).flatMap((a) => (a.status?.approval ? [a.status.approval] : [])),
    events,
    owners: tenant.spec.owners,
  });
  const checklist = activationChecklist(recordedCompletions(events, uid), observed);
  const origin = deps.growthLog.origin;
  const entries: GrowthEvent<unknown>[] = checklist.fresh.map((c) => itemDoneEvent(name, uid, c, origin));
  const completedAt = checklist.status.completedAt;
  if (completedAt) {
    entries.push(checklistCompletedEvent(name, uid, completedAt, secondsSince(created, completedAt), origin));
  }
  for (const e of await deps.growthLog.record(name, entries)) {
    const d = e.data as { item?: string; seconds?: number };
    if (d.item) deps.activationMetrics.itemDone(d.item, secondsSince(created, e.time));
    else deps.activationMetrics.completed(d.seconds ?? 0);
    const said = deps.features.growthInstrumentation ? describeMilestone(e) : undefined;
    if (said) deps.recorder.event(tenant, 'Normal', said.reason, said.message);
  }
  await dropForeignField(deps.client, tenant, 'activation', checklist.status);
  return { status: { activation: checklist.status } };
}
