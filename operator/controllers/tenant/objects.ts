import { apply } from '../../runtime/apply.ts';
import type { KubeClient } from '../../runtime/kube/client.ts';
import { isNotFound } from '../../runtime/kube/errors.ts';
import type { KubeObject } from '../../runtime/kube/object.ts';
import { Builtin, type ResourceType } from '../../runtime/kube/resource.ts';

/** Deletes the object if it is still the one we saw (uid precondition); gone already is fine. */
export async function deleteIgnoringMissing(
  client: KubeClient,
  type: ResourceType,
  o: KubeObject,
): Promise<void> {
  try {
    await client.delete(type, o.metadata.name ?? '', o.metadata.namespace, {
      propagationPolicy: 'Background',
      ...(o.metadata.uid ? { uid: o.metadata.uid } : {}),
    });
  } catch (e) {
    if (!isNotFound(e)) throw e;
  }
}

/**
 * Leaves a namespace in place but no longer the tenant's: applying an empty configuration
 * with our field manager drops every label and owner reference Tenantry set, so the
 * garbage collector will not delete it with the Tenant.
 */
export async function releaseNamespace(client: KubeClient, ns: KubeObject): Promise<void> {
  await apply(client, Builtin.Namespace, { metadata: { name: ns.metadata.name ?? '' } });
}
