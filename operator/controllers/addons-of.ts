import { systemNamespaceOf } from '../api/labels.ts';
import type { AddOn } from '../api/v1alpha1/index.ts';

/** A tenant's add-ons: those in its system namespace (admission keeps them nowhere else). */
export function addOnsOf<T extends AddOn>(addons: { list(): T[] }, tenant: string): T[] {
  const ns = systemNamespaceOf(tenant);
  return addons.list().filter((a) => a.metadata.namespace === ns);
}
