import { systemNamespaceOf, tenantOfSystemNamespace } from '../../api/names.ts';
import type { ActiveNudge, Tenant, TenantStatus } from '../../api/v1alpha1/index.ts';
import { byOwner } from '../../growth/activation.ts';
import { type GrowthEvent, GrowthEventType } from '../../growth/events.ts';
import type { GrowthLogIndex } from '../../growth/log-index.ts';
import { describeMilestone, nudgeActedOnEvents } from '../../growth/milestones.ts';
import type { NudgeSettings } from '../../growth/nudges/config.ts';
import { deliveriesIn, type NudgeDelivery } from '../../growth/nudges/records.ts';
import type { TenantFacts } from '../../growth/nudges/rules.ts';
import { waitUntil } from '../../growth/nudges/schedule.ts';
import { nudgesStatus } from '../../growth/nudges/status.ts';
import { CLUSTERROLE_TENANT_AUDITOR } from '../../install/rbac.ts';
import { type Clock, isoTime } from '../../runtime/clock.ts';
import { Ready } from '../../runtime/conditions.ts';
import { type Watch, watch } from '../../runtime/controller.ts';
import type { Cache } from '../../runtime/informer.ts';
import type { KubeObject } from '../../runtime/kube/object.ts';
import { Builtin, type ResourceType } from '../../runtime/kube/resource.ts';
import type { Manager } from '../../runtime/manager.ts';
import type { Outcome } from '../../runtime/reconcile/outcome.ts';
import type { GrowthDeps } from './growth-deps.ts';

interface RoleBinding extends KubeObject {
  roleRef: { kind: string; name: string };
  subjects?: Array<{ kind: string; name: string; namespace?: string }>;
}
const RoleBindings = Builtin.RoleBinding as ResourceType<RoleBinding>;

/** What the nudges step reads besides the Tenant: the growth log and who is bound as auditor. */
export interface NudgeSources {
  settings: NudgeSettings;
  log: GrowthLogIndex;
  roleBindings: Cache<RoleBinding>;
}

const isAuditorBinding = (rb: RoleBinding) =>
  rb.roleRef.kind === 'ClusterRole' && rb.roleRef.name === CLUSTERROLE_TENANT_AUDITOR;

/**
 * The caches the step reads and the watches that re-check a tenant when they change: its growth
 * log (deliveries, evidence exports: its watch is the growth wiring's) and RoleBindings of the
 * auditor role in its system namespace (made by the platform, so not labelled as Tenantry's:
 * every RoleBinding is watched).
 */
export function nudgeSources(
  manager: Manager,
  log: GrowthLogIndex,
  settings: NudgeSettings,
): { sources: NudgeSources; watches: Watch[] } {
  return {
    sources: { settings, log, roleBindings: manager.informer(RoleBindings) },
    watches: [
      watch(RoleBindings, (rb) => {
        const tenant = isAuditorBinding(rb) ? tenantOfSystemNamespace(rb.metadata.namespace) : undefined;
        return tenant ? [tenant] : [];
      }),
    ],
  };
}

function factsOf(
  sources: NudgeSources,
  tenant: Tenant,
  status: Readonly<TenantStatus>,
  log: readonly GrowthEvent<unknown>[],
): TenantFacts {
  const name = tenant.metadata.name ?? '';
  const sys = systemNamespaceOf(name);
  // The tenant's own admins' exports: a platform admin looking at its evidence is not one.
  const exports = log
    .filter((e) => e.type === GrowthEventType.EvidenceExported && byOwner(e, tenant.spec.owners))
    .map((e) => Date.parse(e.time));
  const ready = status.conditions?.find((c) => c.type === Ready);
  return {
    tenant: name,
    profile: tenant.spec.policyProfile ?? 'baseline',
    createdAt: Date.parse(tenant.metadata.creationTimestamp ?? ''),
    activation: status.activation,
    ready: ready && { status: ready.status, reason: ready.reason, message: ready.message },
    quotaOverrides: Object.keys(tenant.spec.quota?.hard ?? {}),
    namespaces: (tenant.spec.namespaces ?? [{ name: 'default' }]).map((n) => `${name}-${n.name}`),
    lastEvidenceExportAt: exports.length ? Math.max(...exports) : undefined,
    auditors: sources.roleBindings
      .list()
      .filter((rb) => rb.metadata.namespace === sys && isAuditorBinding(rb))
      .flatMap((rb) => (rb.subjects ?? []).map((s) => `${s.kind}:${s.name}`)),
    healthBand: status.health?.band,
  };
}

/**
 * status.nudges (feature adminNudges): the nudges in force, with their deliveries from the log
 * the nudges controller writes. Switched off (no sources), the field goes.
 */
export function nudgesOutcome(
  sources: NudgeSources | undefined,
  tenant: Tenant,
  status: Readonly<TenantStatus>,
  clock: Clock,
): Outcome<TenantStatus> {
  return evaluate(sources, tenant, status, clock).outcome;
}

/**
 * The nudges step: status.nudges, and (with growthInstrumentation) the "nudge acted on"
 * milestone for each delivered nudge whose condition is now met, in the growth log and as an
 * Event.
 */
export async function nudges(
  sources: NudgeSources | undefined,
  growth: GrowthDeps,
  tenant: Tenant,
  status: Readonly<TenantStatus>,
): Promise<Outcome<TenantStatus>> {
  const { outcome, resolved, deliveries } = evaluate(sources, tenant, status, growth.clock);
  if (resolved.length && growth.features.growthInstrumentation) {
    const events = nudgeActedOnEvents({
      tenant,
      resolved,
      deliveries,
      now: isoTime(growth.clock),
      origin: growth.growthLog.origin,
    });
    for (const e of await growth.growthLog.record(tenant.metadata.name ?? '', events)) {
      const said = describeMilestone(e);
      if (said) growth.recorder.event(tenant, 'Normal', said.reason, said.message);
    }
  }
  return outcome;
}

function evaluate(
  sources: NudgeSources | undefined,
  tenant: Tenant,
  status: Readonly<TenantStatus>,
  clock: Clock,
): { outcome: Outcome<TenantStatus>; resolved: ActiveNudge[]; deliveries: GrowthEvent<NudgeDelivery>[] } {
  if (!sources) return { outcome: { status: { nudges: undefined } }, resolved: [], deliveries: [] };
  const now = clock.now();
  const log = sources.log.events(tenant.metadata.name ?? '');
  const deliveries = deliveriesIn(log);
  const result = nudgesStatus({
    facts: factsOf(sources, tenant, status, log),
    settings: sources.settings,
    previous: status.nudges,
    deliveries,
    now,
  });
  return {
    outcome: {
      status: { nudges: result.status },
      ...(result.changesAt !== undefined ? { requeueAfterMs: waitUntil(result.changesAt, now) } : {}),
    },
    resolved: result.resolved,
    deliveries,
  };
}
