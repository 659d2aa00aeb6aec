import { systemNamespaceOf } from '../api/names.ts';
import type { Tenant } from '../api/v1alpha1/index.ts';
import type { KubeClient } from '../runtime/kube/client.ts';
import type { Identity } from '../tenantapi/authenticate.ts';
import { TENANT_API_GROUP, TENANT_API_VERSION, type TenantApiResourceName } from '../tenantapi/names.ts';
import { type ResourceAttributes, reviewAccess } from '../tenantapi/reviews.ts';

/** Whether the signed-in person may do something: asked of the API server at every request. */
export type AccessCheck = (who: Identity, attributes: ResourceAttributes) => Promise<boolean>;

/** In the operator: a SubjectAccessReview with the operator's client for the session's identity. */
export const subjectAccess =
  (client: KubeClient): AccessCheck =>
  async (who, attributes) =>
    (await reviewAccess(client, who, attributes)).allowed;

/**
 * With her own kubeconfig (`tenantry switchboard`): a SelfSubjectAccessReview, which anyone may
 * ask and which answers for whoever the credentials are.
 */
export const selfAccess =
  (client: KubeClient): AccessCheck =>
  async (_who, attributes) => {
    const r = await client.request<{ status?: { allowed?: boolean } }>(
      'POST',
      '/apis/authorization.k8s.io/v1/selfsubjectaccessreviews',
      {
        body: {
          apiVersion: 'authorization.k8s.io/v1',
          kind: 'SelfSubjectAccessReview',
          spec: { resourceAttributes: attributes },
        },
        signal: AbortSignal.timeout(5_000),
      },
    );
    return r.status?.allowed === true;
  };

const TENANTS = { group: 'tenantry.dev', resource: 'tenants' };

/** A platform admin: may list Tenants cluster-wide. She sees every tenant and the cohorts. */
export const isPlatformAdmin = (check: AccessCheck, who: Identity) =>
  check(who, { ...TENANTS, verb: 'list' });

/** May she use this tenant API resource of the tenant (get, or update)? */
export const mayUse = (
  check: AccessCheck,
  who: Identity,
  tenant: string,
  resource: TenantApiResourceName,
  verb: 'get' | 'update' = 'get',
) =>
  check(who, {
    group: TENANT_API_GROUP,
    version: TENANT_API_VERSION,
    resource,
    verb,
    namespace: systemNamespaceOf(tenant),
    name: tenant,
  });

/**
 * May she see the tenant's page? Either RBAC lets her get that Tenant (a platform admin, or
 * whoever the platform granted it), or she holds the tenant's system role: owners do not get
 * their cluster-scoped Tenant object (GitOps owns it), but the operator binds
 * tenantry:tenant-system for them in `<tenant>-system`, and the tenant API's `get evidence`
 * there is exactly "an admin of this tenant". Nothing of the Tenant's spec decides it.
 */
export async function maySeeTenant(check: AccessCheck, who: Identity, tenant: string): Promise<boolean> {
  if (await check(who, { ...TENANTS, verb: 'get', name: tenant })) return true;
  return mayUse(check, who, tenant, 'evidence');
}

/**
 * Tenants whose spec.owners name her (her user, a group of hers, her ServiceAccount): where to
 * look for her tenants among thousands without a review each. Only a hint: each is then
 * confirmed with maySeeTenant, so an owners entry RBAC does not back shows nothing.
 */
export function namedOwner(t: Tenant, who: Identity): boolean {
  return (t.spec.owners ?? []).some((o) => {
    const kind = o.kind ?? 'User';
    if (kind === 'Group') return who.groups.includes(o.name);
    if (kind === 'ServiceAccount') return who.user === `system:serviceaccount:${o.namespace}:${o.name}`;
    return who.user === o.name;
  });
}

/** The tenants she may see: all for a platform admin, else those she owns and RBAC confirms. */
export async function visibleTenants(
  check: AccessCheck,
  who: Identity,
  tenants: readonly Tenant[],
  admin: boolean,
): Promise<Tenant[]> {
  if (admin) return [...tenants];
  const candidates = tenants.filter((t) => namedOwner(t, who));
  const allowed = await Promise.all(candidates.map((t) => maySeeTenant(check, who, t.metadata.name ?? '')));
  return candidates.filter((_, i) => allowed[i]);
}
