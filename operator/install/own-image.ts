import type { KubeClient } from '../runtime/kube/client.ts';
import type { KubeObject } from '../runtime/kube/object.ts';
import { Builtin } from '../runtime/kube/resource.ts';

interface PodImages extends KubeObject {
  spec?: { containers?: Array<{ name: string; image?: string }> };
  status?: { containerStatuses?: Array<{ name: string; imageID?: string }> };
}

const DIGEST_REF = /^[^\s@]+@sha256:[0-9a-f]{64}$/;

/**
 * The image the operator's own container runs, read from its Pod: what the validation Job
 * should run too. From the Pod, not from a value baked into the manifest, because a partner
 * who mirrors the image (kustomize `images:`, a Helm override) changes the container's image
 * and nothing else. A digest reference as written wins; else the digest the node resolved
 * (imageID); else the reference as written.
 */
export async function ownImage(
  client: KubeClient,
  pod: { namespace: string; name: string },
  container = 'operator',
): Promise<string | undefined> {
  // list by name, not get: the operator may list pods (to move them off pools), not get them.
  const found = await client.list<PodImages>(Builtin.Pod, {
    namespace: pod.namespace,
    fieldSelector: `metadata.name=${pod.name}`,
  });
  return imageOf(found.items[0], container);
}

export function imageOf(pod: PodImages | undefined, container: string): string | undefined {
  const spec = pod?.spec?.containers?.find((c) => c.name === container);
  if (!spec?.image) return undefined;
  if (DIGEST_REF.test(spec.image)) return spec.image;
  const id = pod?.status?.containerStatuses
    ?.find((c) => c.name === container)
    ?.imageID?.replace(/^[a-z-]+:\/\//, '');
  return id && DIGEST_REF.test(id) ? id : spec.image;
}
