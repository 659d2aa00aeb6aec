import { LABEL_TENANT } from '../../api/names.ts';
import type { Tenant } from '../../api/v1alpha1/index.ts';
import type { ReconcileContext } from '../../runtime/controller.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import type { Cache } from '../../runtime/informer.ts';
import type { KubeClient } from '../../runtime/kube/client.ts';
import type { ResourceType } from '../../runtime/kube/resource.ts';
import type { Finalized } from '../../runtime/reconcile/object.ts';
import { deleteIgnoringMissing, releaseNamespace } from './objects.ts';

export interface CleanupDeps {
  client: KubeClient;
  recorder: EventRecorder;
  /** Caches of the types the tenant owns, filtered to objects Tenantry manages. */
  owned: ReadonlyMap<ResourceType, Cache>;
}

/**
 * Removes what the tenant made before letting the Tenant go. With deletionPolicy Delete the
 * namespaces are deleted and the finalizer stays until they are really gone, so
 * `kubectl delete tenant` returning means the data is gone; with Retain they are released.
 */
export async function cleanupTenant(
  tenant: Tenant,
  deps: CleanupDeps,
  ctx: ReconcileContext,
): Promise<Finalized> {
  const nsType = [...deps.owned.keys()].find((t) => t.kind === 'Namespace');
  const namespaces = nsType
    ? (deps.owned.get(nsType)?.list() ?? []).filter(
        (n) => n.metadata.labels?.[LABEL_TENANT] === tenant.metadata.name,
      )
    : [];
  if (nsType && namespaces.length) {
    if (tenant.spec.deletionPolicy === 'Retain') {
      for (const ns of namespaces) await releaseNamespace(deps.client, ns);
      ctx.log.info({ namespaces: namespaces.length }, 'released namespaces (deletionPolicy Retain)');
    } else {
      const pending = namespaces.filter((n) => !n.metadata.deletionTimestamp);
      for (const ns of pending) await deleteIgnoringMissing(deps.client, nsType, ns);
      if (pending.length) {
        deps.recorder.event(
          tenant,
          'Normal',
          'DeletingNamespaces',
          `deleting ${namespaces.map((n) => n.metadata.name).join(', ')}`,
        );
      }
      // Namespace deletion events re-trigger this; the requeue is a safety net.
      const names = namespaces.map((n) => n.metadata.name).join(', ');
      return { requeueAfterMs: 5_000, waitingFor: `waiting for namespaces ${names} to be deleted` };
    }
  }
  ctx.log.info('tenant cleaned up');
  return 'done';
}
