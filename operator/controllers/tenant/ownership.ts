import { LABEL_TENANT } from '../../api/names.ts';
import { type Tenant, TenantResource } from '../../api/v1alpha1/index.ts';
import type { Namespace } from '../../runtime/kube/core.ts';

/** Whether a namespace of the tenant's may be made or kept as the tenant's. */
export type Claim = { state: 'free' } | { state: 'ours' } | { state: 'theirs'; message: string };

/**
 * Who holds a namespace. The operator knows its namespaces by the controller owner reference
 * to the Tenant's uid, which only it (and platform admins) may set: a namespace that lost its
 * labels is still this tenant's and gets them back, and a label alone never hands over a
 * namespace another Tenant owns. A namespace nobody owns is the tenant's only when a platform
 * admin labelled it for the tenant; anything else is never taken over.
 */
export function claimOf(ns: Namespace | undefined, tenant: Tenant): Claim {
  if (!ns) return { state: 'free' };
  const name = ns.metadata.name;
  const owner = ns.metadata.ownerReferences?.find(
    (r) =>
      r.controller && r.kind === TenantResource.kind && r.apiVersion.startsWith(`${TenantResource.group}/`),
  );
  if (owner) {
    return owner.uid === tenant.metadata.uid
      ? { state: 'ours' }
      : {
          state: 'theirs',
          message: `namespace ${name} belongs to tenant ${owner.name}; rename this tenant or its namespace`,
        };
  }
  const holder = ns.metadata.labels?.[LABEL_TENANT];
  if (holder === tenant.metadata.name) return { state: 'ours' };
  return {
    state: 'theirs',
    message: holder
      ? `namespace ${name} belongs to tenant ${holder}; rename this tenant or its namespace`
      : `namespace ${name} already exists and is not managed by Tenantry; rename the tenant's namespace or remove the existing one`,
  };
}
