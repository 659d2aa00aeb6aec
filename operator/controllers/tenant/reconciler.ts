import { LABEL_TENANT, TENANT_FINALIZER } from '../../api/labels.ts';
import type { Tenant } from '../../api/v1alpha1/index.ts';
import { TenantResource } from '../../api/v1alpha1/index.ts';
import { applyIfChanged, applyStatus, deepEqual } from '../../runtime/apply.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { ReconcileContext, Reconciler, Request, Result } from '../../runtime/controller.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import { ensureFinalizer } from '../../runtime/finalizer.ts';
import type { Cache } from '../../runtime/informer.ts';
import type { KubeClient } from '../../runtime/kube/client.ts';
import type { KubeObject } from '../../runtime/kube/object.ts';
import { objectKey, type ResourceType } from '../../runtime/kube/resource.ts';
import { cleanupTenant } from './cleanup.ts';
import { type DesiredObject, desiredState, namespacesOf } from './desired.ts';
import { deleteIgnoringMissing, releaseNamespace } from './objects.ts';
import { type ProvisionOutcome, tenantStatus } from './status.ts';

export interface TenantReconcilerDeps {
  client: KubeClient;
  clock: Clock;
  recorder: EventRecorder;
  tenants: Cache<Tenant & KubeObject>;
  /** Caches of the types the tenant owns, filtered to objects Tenantry manages. */
  owned: ReadonlyMap<ResourceType, Cache>;
}

type Namespace = KubeObject & { status?: { phase?: string } };

/**
 * Keeps a tenant's namespaces, RBAC, quota and policies as its spec asks: computes the
 * desired objects, applies those that differ from the cache, deletes those no longer
 * wanted, and reports the outcome in status (written only when it changed).
 */
export class TenantReconciler implements Reconciler {
  private readonly deps: TenantReconcilerDeps;

  constructor(deps: TenantReconcilerDeps) {
    this.deps = deps;
  }

  async reconcile(req: Request, ctx: ReconcileContext): Promise<Result | undefined> {
    const cached = this.deps.tenants.get(req.key);
    if (!cached) return undefined;
    // The cache is shared: work on a copy.
    const tenant = structuredClone(cached);
    if (tenant.metadata.deletionTimestamp) return cleanupTenant(tenant, this.deps, ctx);

    await ensureFinalizer(this.deps.client, TenantResource, tenant, TENANT_FINALIZER);
    const outcome = await this.provision(tenant, ctx);
    await this.writeStatus(tenant, outcome);
    if (outcome.state === 'waiting') return { requeueAfterMs: 2_000 };
    // A namespace held by someone else is not watched: look again now and then.
    if (outcome.state === 'blocked') return { requeueAfterMs: 60_000 };
    return undefined;
  }

  private async provision(tenant: Tenant & KubeObject, ctx: ReconcileContext): Promise<ProvisionOutcome> {
    const plan = namespacesOf(tenant);
    const names = plan.map((n) => n.name);
    const conflict = await this.findConflict(tenant, names);
    if (conflict) {
      this.deps.recorder.event(tenant, 'Warning', 'NamespaceConflict', conflict);
      return { state: 'blocked', reason: 'NamespaceConflict', message: conflict, namespaces: names };
    }
    const desired = desiredState(tenant);
    let wrote = 0;
    for (const d of desired) {
      if (await applyIfChanged(this.deps.client, d.type, d.object, this.actual(d))) wrote++;
    }
    const removed = await this.prune(tenant, desired);
    if (wrote || removed) ctx.log.info({ wrote, removed }, 'applied tenant changes');
    const terminating = names.filter((n) => this.namespace(n)?.status?.phase === 'Terminating');
    if (terminating.length) {
      return {
        state: 'waiting',
        reason: 'NamespaceTerminating',
        message: `waiting for namespaces to finish deleting before recreating them: ${terminating.join(', ')}`,
        namespaces: names,
      };
    }
    return { state: 'provisioned', namespaces: names };
  }

  /**
   * A namespace of the same name that Tenantry does not manage for this tenant must never
   * be taken over: that would hand its workloads to this tenant's owners.
   */
  private async findConflict(tenant: Tenant, names: string[]): Promise<string | undefined> {
    const me = tenant.metadata.name;
    for (const name of names) {
      const cached = this.namespace(name);
      const ns =
        cached ?? (await this.deps.client.find<Namespace>(ownedType(this.deps.owned, 'Namespace'), name));
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
  private async prune(tenant: Tenant, desired: DesiredObject[]): Promise<number> {
    const wanted = new Set(
      desired.map(
        (d) => `${d.type.kind}/${objectKey(d.object.metadata.namespace, d.object.metadata.name ?? '')}`,
      ),
    );
    let removed = 0;
    for (const [type, cache] of this.deps.owned) {
      for (const o of cache.list()) {
        if (o.metadata.labels?.[LABEL_TENANT] !== tenant.metadata.name) continue;
        if (wanted.has(`${type.kind}/${objectKey(o.metadata.namespace, o.metadata.name ?? '')}`)) continue;
        // Objects inside a namespace that is going away go with it.
        if (o.metadata.namespace && !wanted.has(`Namespace/${o.metadata.namespace}`)) continue;
        if (o.metadata.deletionTimestamp) continue;
        if (type.kind === 'Namespace' && tenant.spec.deletionPolicy === 'Retain') {
          await releaseNamespace(this.deps.client, o);
        } else {
          await deleteIgnoringMissing(this.deps.client, type, o);
        }
        removed++;
      }
    }
    return removed;
  }

  private async writeStatus(tenant: Tenant & KubeObject, outcome: ProvisionOutcome): Promise<void> {
    const next = tenantStatus(tenant, outcome, this.deps.clock);
    if (deepEqual(next, tenant.status ?? {})) return;
    const wasReady = tenant.status?.conditions?.find((c) => c.type === 'Ready')?.status === 'True';
    await applyStatus(this.deps.client, TenantResource, tenant, next);
    if (outcome.state === 'provisioned' && !wasReady) {
      this.deps.recorder.event(
        tenant,
        'Normal',
        'Provisioned',
        `namespaces ${outcome.namespaces.join(', ')} are ready`,
      );
    }
  }

  private actual(d: DesiredObject): KubeObject | undefined {
    return this.deps.owned
      .get(d.type)
      ?.get(objectKey(d.object.metadata.namespace, d.object.metadata.name ?? ''));
  }

  private namespace(name: string): Namespace | undefined {
    return this.deps.owned.get(ownedType(this.deps.owned, 'Namespace'))?.get(name) as Namespace | undefined;
  }
}

function ownedType(owned: ReadonlyMap<ResourceType, Cache>, kind: string): ResourceType {
  for (const t of owned.keys()) if (t.kind === kind) return t;
  throw new Error(`no cache for ${kind}`);
}
