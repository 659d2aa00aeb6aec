/**
 * Labels and annotations Tenantry sets. They are part of the API: admission policies,
 * NetworkPolicies and users' selectors rely on them.
 */
export const LABEL_TENANT = 'tenantry.dev/tenant';
/** `system` for the tenant's system namespace, `workload` for the others. */
export const LABEL_NAMESPACE_ROLE = 'tenantry.dev/namespace-role';
export const LABEL_PROFILE = 'tenantry.dev/policy-profile';
export const LABEL_REGION = 'topology.kubernetes.io/region';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'tenantry';
/** Selects every object Tenantry manages; owned-object informers watch only these. */
export const MANAGED_SELECTOR = `${LABEL_MANAGED_BY}=${MANAGED_BY}`;

export const TENANT_FINALIZER = 'tenantry.dev/tenant-cleanup';

/** ClusterRoles the chart installs and the operator binds (it holds `bind` on exactly these). */
export const CLUSTERROLE_TENANT_OWNER = 'tenantry:tenant-owner';
export const CLUSTERROLE_TENANT_SYSTEM = 'tenantry:tenant-system';

export const SYSTEM_NAMESPACE_SUFFIX = 'system';

export function systemNamespaceOf(tenant: string): string {
  return `${tenant}-${SYSTEM_NAMESPACE_SUFFIX}`;
}

/** The tenant whose system namespace `ns` is, if it is one by name. */
export function tenantOfSystemNamespace(ns: string | undefined): string | undefined {
  const suffix = `-${SYSTEM_NAMESPACE_SUFFIX}`;
  return ns?.endsWith(suffix) && ns.length > suffix.length ? ns.slice(0, -suffix.length) : undefined;
}
