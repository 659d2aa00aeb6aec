import { TenantCondition, TenantReason } from '../../api/conditions.ts';
import { LABEL_TENANT } from '../../api/names.ts';
import { addOnsOf, entitlementOf } from '../../api/tenancy.ts';
import type { AddOn, Entitlement, Tenant, TenantStatus } from '../../api/v1alpha1/index.ts';
import { applyIfChanged, createForApply } from '../../runtime/apply.ts';
import type { ReconcileContext } from '../../runtime/controller.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import type { Cache } from '../../runtime/informer.ts';
import type { KubeClient } from '../../runtime/kube/client.ts';
import type { Namespace } from '../../runtime/kube/core.ts';
import type { KubeObject } from '../../runtime/kube/object.ts';
import { Builtin, keyOf, type ResourceType } from '../../runtime/kube/resource.ts';
import type { Outcome } from '../../runtime/reconcile/outcome.ts';
import { type DesiredObject, desiredState, namespacesOf } from './desired.ts';
import { deleteIgnoringMissing, releaseNamespace } from './objects.ts';
import { type Claim, claimOf } from './ownership.ts';

export interface ProvisionDeps {
  client: KubeClient;
  recorder: EventRecorder;
  /** Caches of the types the tenant owns, filtered to objects Tenantry manages. */
  owned: ReadonlyMap<ResourceType, Cache>;
  /** Entitlements, to label the tenant's namespaces with the one granted to it. */
  entitlements: Cache<Entitlement>;
  /** Add-ons: a provisioned dedicated pool pins the tenant's workload namespaces to it. */
  addons: Cache<AddOn>;
}

/**
 * Makes the tenant's namespaces, RBAC, quota and policies match its spec: applies what
 * differs from the cache, deletes what is no longer wanted, never takes over a namespace
 * that is not the tenant's (Provisioned=False NamespaceConflict, looked at again now and
 * then, since a namespace held by someone else is not watched).
 */
export async function provision(
  deps: ProvisionDeps,
  tenant: Tenant,
  ctx: ReconcileContext,
): Promise<Outcome<TenantStatus>> {
  const names = namespacesOf(tenant).map((n) => n.name);
  const claims = await claimsOf(deps, tenant, names);
  const conflict = claims.find((c) => c.state === 'theirs');
  if (conflict) {
    deps.recorder.event(tenant, 'Warning', TenantReason.NamespaceConflict, conflict.message);
    return notProvisioned(names, TenantReason.NamespaceConflict, conflict.message, 60_000);
  }
  const free = new Set(names.filter((_, i) => claims[i]?.state === 'free'));
  const entitlement = entitlementOf(deps.entitlements, tenant.metadata.name ?? '', { live: true });
  const dedicatedPool = addOnsOf(deps.addons, tenant.metadata.name ?? '').some(
    (a) =>
      a.spec.type === 'DedicatedCompute' &&
      !a.metadata.deletionTimestamp &&
      (a.status?.provisioned?.nodes?.length ?? 0) > 0,
  );
  const desired = desiredState(tenant, { entitlement: entitlement?.metadata.name, dedicatedPool });
  let wrote = 0;
  for (const d of desired) {
    if (d.type === Builtin.Namespace && free.has(d.object.metadata.name ?? '')) {
      // Created, not applied: a create fails when someone else made the namespace meanwhile,
      // where an apply would take it over. Exactly one claimant wins.
      if (!(await createForApply(deps.client, Builtin.Namespace, d.object))) {
        const message = `namespace ${d.object.metadata.name} was created by someone else just now; looking at who holds it`;
        return notProvisioned(names, TenantReason.NamespaceConflict, message, 1_000);
      }
      wrote++;
      continue;
    }
    const actual = deps.owned.get(d.type)?.get(keyOf(d.object));
    if (await applyIfChanged(deps.client, d.type, d.object, actual)) wrote++;
  }
  const removed = await prune(deps, tenant, desired);
  if (wrote || removed) ctx.log.info({ wrote, removed }, 'applied tenant changes');
  const terminating = names.filter((n) => namespace(deps, n)?.status?.phase === 'Terminating');
  if (terminating.length) {
    const message = `waiting for namespaces to finish deleting before recreating them: ${terminating.join(', ')}`;
    return notProvisioned(names, TenantReason.NamespaceTerminating, message, 2_000);
  }
  return {
    conditions: [
      {
        type: TenantCondition.Provisioned,
        status: 'True',
        reason: TenantReason.Provisioned,
        message: `${names.length} namespaces with RBAC, quota and policies in place`,
      },
    ],
    status: { namespaces: names },
  };
}

function notProvisioned(
  names: string[],
  reason: string,
  message: string,
  requeueAfterMs: number,
): Outcome<TenantStatus> {
  return {
    conditions: [{ type: TenantCondition.Provisioned, status: 'False', reason, message }],
    status: { namespaces: names },
    requeueAfterMs,
  };
}

function namespace(deps: ProvisionDeps, name: string): Namespace | undefined {
  return deps.owned.get(Builtin.Namespace)?.get(name) as Namespace | undefined;
}

/** Who holds each of the tenant's namespaces. The cache holds only those Tenantry manages; any other needs a look. */
async function claimsOf(deps: ProvisionDeps, tenant: Tenant, names: string[]): Promise<Claim[]> {
  const out: Claim[] = [];
  for (const name of names) {
    const ns = namespace(deps, name) ?? (await deps.client.find<Namespace>(Builtin.Namespace, name));
    out.push(claimOf(ns, tenant));
  }
  return out;
}

/** Deletes managed objects of this tenant that the spec no longer asks for. */
async function prune(deps: ProvisionDeps, tenant: Tenant, desired: DesiredObject[]): Promise<number> {
  const id = (kind: string, o: KubeObject) => `${kind}/${keyOf(o)}`;
  const wanted = new Set(desired.map((d) => id(d.type.kind, d.object)));
  let removed = 0;
  for (const [type, cache] of deps.owned) {
    for (const o of cache.list()) {
      if (o.metadata.labels?.[LABEL_TENANT] !== tenant.metadata.name) continue;
      if (wanted.has(id(type.kind, o)) || o.metadata.deletionTimestamp) continue;
      // Objects inside a namespace that is going away go with it.
      if (o.metadata.namespace && !wanted.has(`Namespace/${o.metadata.namespace}`)) continue;
      if (type.kind === 'Namespace' && tenant.spec.deletionPolicy === 'Retain') {
        await releaseNamespace(deps.client, o);
      } else {
        await deleteIgnoringMissing(deps.client, type, o);
      }
      removed++;
    }
  }
  return removed;
}
