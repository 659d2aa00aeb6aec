import type { KubeClient } from './kube/client.ts';
import type { KubeObject } from './kube/object.ts';
import type { ResourceType } from './kube/resource.ts';

export function hasFinalizer(obj: KubeObject, finalizer: string): boolean {
  return obj.metadata.finalizers?.includes(finalizer) ?? false;
}

/**
 * Sets the finalizer list with the object's resourceVersion as a precondition, so a
 * concurrent change to the list (another controller's finalizer) is a conflict, not a loss.
 */
async function setFinalizers(client: KubeClient, type: ResourceType, obj: KubeObject, finalizers: string[]) {
  const { name = '', namespace, resourceVersion } = obj.metadata;
  return client.patch(type, name, namespace, { metadata: { resourceVersion, finalizers } }, 'merge');
}

/** Adds the finalizer when missing. Returns true if it wrote (the write triggers the next reconcile). */
export async function ensureFinalizer(
  client: KubeClient,
  type: ResourceType,
  obj: KubeObject,
  finalizer: string,
): Promise<boolean> {
  if (hasFinalizer(obj, finalizer)) return false;
  await setFinalizers(client, type, obj, [...(obj.metadata.finalizers ?? []), finalizer]);
  return true;
}

export async function removeFinalizer(
  client: KubeClient,
  type: ResourceType,
  obj: KubeObject,
  finalizer: string,
): Promise<void> {
  if (!hasFinalizer(obj, finalizer)) return;
  const rest = (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
  await setFinalizers(client, type, obj, rest);
}
