import { LABEL_TENANT, TENANT_FINALIZER } from '../../api/labels.ts';
import type { Tenant } from '../../api/v1alpha1/index.ts';
import { TenantResource } from '../../api/v1alpha1/index.ts';
import type { ReconcileContext, Result } from '../../runtime/controller.ts';
import { hasFinalizer, removeFinalizer } from '../../runtime/finalizer.ts';
import { deleteIgnoringMissing, releaseNamespace } from './objects.ts';
import type { TenantReconcilerDeps } from './reconciler.ts';

/**
 * Removes what the tenant made before letting the Tenant go. With deletionPolicy Delete the
 * namespaces are deleted and the finalizer stays until they are really gone, so
 * `kubectl delete tenant` returning means the data is gone; with Retain they are released.
 */
export async function cleanupTenant(
  tenant: Tenant,
  deps: TenantReconcilerDeps,
  ctx: ReconcileContext,
): Promise<Result | undefined> {
  if (!hasFinalizer(tenant, TENANT_FINALIZER)) return undefined;
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
      return { requeueAfterMs: 5_000 };
    }
  }
  await removeFinalizer(deps.client, TenantResource, tenant, TENANT_FINALIZER);
  ctx.log.info('tenant cleaned up');
  return undefined;
}
