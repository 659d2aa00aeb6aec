import { systemNamespaceOf } from './names.ts';
import type { AddOn, Entitlement } from './v1alpha1/index.ts';

// How Tenantry's objects relate to a tenant, for every part that asks: the controllers, the
// CLI and the tests read the same answer. Takes any list (an informer's cache, a list response).

/** A tenant's add-ons: those in its system namespace (admission keeps them nowhere else). */
export function addOnsOf<T extends AddOn>(addons: { list(): T[] }, tenant: string): T[] {
  const ns = systemNamespaceOf(tenant);
  return addons.list().filter((a) => a.metadata.namespace === ns);
}

/**
 * The tenant's Entitlement (one per tenant). `live` skips one being withdrawn: from then on
 * the tenant counts as having none, so its namespaces lose the entitlement label.
 */
export function entitlementOf<T extends Entitlement>(
  entitlements: { list(): T[] },
  tenant: string,
  opts: { live?: boolean } = {},
): T | undefined {
  return entitlements
    .list()
    .find((e) => e.spec.tenantRef.name === tenant && !(opts.live && e.metadata.deletionTimestamp));
}
