import { TenantCondition } from '../../api/conditions.ts';
import { entitlementOf } from '../../api/tenancy.ts';
import type { Tenant, TenantStatus } from '../../api/v1alpha1/index.ts';
import { activeEvent, meteredSince } from '../../growth/activity.ts';
import { healthStatus } from '../../growth/health.ts';
import { ACTIVITY_WINDOW_MS, healthInputs } from '../../growth/health-inputs.ts';
import { isoSeconds, isoTime } from '../../runtime/clock.ts';
import type { Outcome } from '../../runtime/reconcile/outcome.ts';
import { namespacesOf } from './desired.ts';
import type { GrowthDeps } from './growth-deps.ts';
import { dropForeignField } from './status-repair.ts';

/**
 * status.health (feature growthInstrumentation): the score of formula v1 from the tenant's
 * status, its growth log and an hourly sample of its namespaces, recomputed on every
 * reconcile but changing only when an input does; the next sample is the next look. A sample
 * that finds the tenant active records the week in the growth log (once a week), for cohorts.
 * Switched off, the field goes.
 */
export async function health(
  deps: GrowthDeps,
  tenant: Tenant,
  status: Readonly<TenantStatus>,
): Promise<Outcome<TenantStatus>> {
  if (!deps.features.growthInstrumentation) {
    await dropForeignField(deps.client, tenant, 'health', undefined);
    return { status: { health: undefined } };
  }
  const name = tenant.metadata.name ?? '';
  const uid = tenant.metadata.uid ?? '';
  const provisioned = status.conditions?.some(
    (c) => c.type === TenantCondition.Provisioned && c.status === 'True',
  );
  const plan = namespacesOf(tenant);
  const sample = provisioned
    ? await deps.sampler.sample(uid, {
        workload: plan.filter((n) => n.role === 'workload').map((n) => n.name),
        all: plan.map((n) => n.name),
      })
    : undefined;
  const entitlement = entitlementOf(deps.entitlements, name);
  const records = entitlement ? (entitlement.status?.records ?? []) : undefined;
  const inputs = healthInputs({
    tenant,
    status,
    checklist: deps.features.activationChecklist,
    sample,
    records,
    events: deps.log.events(name),
    now: deps.clock.now(),
  });
  if (sample) {
    const metered = meteredSince(records ?? [], sample.at - ACTIVITY_WINDOW_MS);
    if (sample.runningNamespaces > 0 || metered) {
      const data = { uid, runningNamespaces: sample.runningNamespaces, meteredUsage: metered };
      // Keyed by the ISO week: the week's first active sample is recorded, the others are known.
      await deps.growthLog.record(name, [
        activeEvent(name, isoSeconds(sample.at), data, deps.growthLog.origin),
      ]);
    }
  }
  const next = healthStatus(inputs, status.health, isoTime(deps.clock));
  await dropForeignField(deps.client, tenant, 'health', next);
  return { status: { health: next }, requeueAfterMs: deps.sampler.nextIn(uid) };
}
