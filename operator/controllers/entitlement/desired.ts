import { entitlementBinding } from '../../admission/addon-policies.ts';
import { LABEL_MANAGED_BY, LABEL_TENANT, MANAGED_BY, systemNamespaceOf } from '../../api/names.ts';
import type { AddOn, Entitlement } from '../../api/v1alpha1/index.ts';
import { EntitlementResource } from '../../api/v1alpha1/index.ts';
import { controllerRef } from '../../runtime/apply.ts';
import type { AnyObject, KubeObject } from '../../runtime/kube/object.ts';

/** The admission binding that makes this Entitlement the parameter for its tenant's add-ons. */
export function desiredBinding(e: Entitlement): AnyObject {
  const binding = entitlementBinding(e.spec.tenantRef.name, e.metadata.name ?? '');
  binding.metadata.labels = { ...binding.metadata.labels, [LABEL_MANAGED_BY]: MANAGED_BY };
  // Owned by the Entitlement: withdrawing it removes the binding, and with it every add-on grant.
  binding.metadata.ownerReferences = [controllerRef(EntitlementResource, e)];
  return binding;
}

/** Usage against quota, from the tenant's add-ons: what the reconcile re-checks after admission. */
export function usageOf(tenant: string, addons: Array<AddOn>): Record<string, number> {
  const mine = addons.filter(
    (a) => a.metadata.namespace === systemNamespaceOf(tenant) && !a.metadata.deletionTimestamp,
  );
  return {
    addons: mine.length,
    dedicatedNodes: mine.reduce(
      (n, a) => n + (a.spec.type === 'DedicatedCompute' ? (a.spec.dedicatedCompute?.nodes ?? 0) : 0),
      0,
    ),
    auditArchives: mine.filter((a) => a.spec.type === 'AuditArchive').length,
  };
}

/** Defence in depth: what admission should have refused, found again by the reconcile. */
export function violations(e: Entitlement, addons: Array<AddOn>, usage: Record<string, number>): string[] {
  const out: string[] = [];
  const allowed = e.spec.allowedAddOns ?? [];
  for (const a of addons) {
    if (!allowed.includes(a.spec.type))
      out.push(`${a.metadata.namespace}/${a.metadata.name}: ${a.spec.type} is not granted`);
  }
  const quota = e.spec.quotas?.dedicatedNodes;
  if (quota !== undefined && (usage.dedicatedNodes ?? 0) > quota) {
    out.push(`dedicated nodes in use ${usage.dedicatedNodes} exceed the quota of ${quota}`);
  }
  return out;
}

export const tenantOf = (o: KubeObject): string | undefined => o.metadata.labels?.[LABEL_TENANT];
