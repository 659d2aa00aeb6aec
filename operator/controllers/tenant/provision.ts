import { TenantCondition, TenantReason } from '../../api/conditions.ts';
import { LABEL_TENANT } from '../../api/names.ts';
import { addOnsOf, entitlementOf } from '../../api/tenancy.ts';
import type { AddOn, Entitlement, Tenant, TenantStatus } from '../../api/v1alpha1/index.ts';
import { applyIfChanged } from '../../runtime/apply.ts';
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
  const conflict = await findConflict(deps, tenant, names);
  if (conflict) {
    deps.recorder.event(tenant, 'Warning', TenantReason.NamespaceConflict, conflict);
    return notProvisioned(names, TenantReason.NamespaceConflict, conflict, 60_000);
  }
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

/**
 * A namespace of the same name that Tenantry does not manage for this tenant must never
 * be taken over: that would hand its workloads to this tenant's owners.
 */
async function findConflict(
  deps: ProvisionDeps,
  tenant: Tenant,
  names: string[],
): Promise<string | undefined> {
  const me = tenant.metadata.name;
  for (const name of names) {
    // The cache holds only namespaces Tenantry manages; anything else needs a look.
    const ns = namespace(deps, name) ?? (await deps.client.find<Namespace>(Builtin.Namespace, name));
    if (!ns) continue;
    const holder = ns.metadata.labels?.[LABEL_TENANT];
    if (holder !== me) {
      return holder
        ? `namespace ${name} belongs to tenant ${holder}; rename this tenant or its namespace`
        : `namespace ${name} already exists and is not managed by Tenantry; rename the tenant's namespace or remove the existing one`;
    }
  }
  return undefined;
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
