import type { KubeClient } from './kube/client.ts';
import { isAlreadyExists } from './kube/errors.ts';
import type { KubeObject, OwnerReference } from './kube/object.ts';
import { apiVersionOf, type ResourceType } from './kube/resource.ts';

/** Every write the operator makes carries this field manager, so ownership is one name. */
export const FIELD_MANAGER = 'tenantry';

/**
 * True when every field of `desired` is present with the same value in `actual`. Fields the
 * server adds (defaults, status, metadata) are ignored, lists must match element by element.
 * Used to skip no-op applies: an unchanged object costs no write, which keeps an idle
 * operator from writing at all.
 */
export function isSubset(desired: unknown, actual: unknown): boolean {
  if (desired === actual) return true;
  if (desired === null || typeof desired !== 'object') return false;
  if (actual === null || typeof actual !== 'object') return false;
  if (Array.isArray(desired)) {
    if (!Array.isArray(actual) || actual.length !== desired.length) return false;
    return desired.every((d, i) => isSubset(d, actual[i]));
  }
  if (Array.isArray(actual)) return false;
  const a = actual as Record<string, unknown>;
  return Object.entries(desired as Record<string, unknown>).every(
    ([k, v]) => v === undefined || isSubset(v, a[k]),
  );
}

/**
 * A subset check cannot see a field that should be gone. For our own labels and annotations
 * (prefix tenantry.dev/) that matters: a stale one (say, an entitlement that was withdrawn)
 * changes what admission allows, so its absence from the desired object forces an apply,
 * which removes it because the field manager owns it.
 */
function hasStaleOwnKeys(desired: KubeObject, actual: KubeObject): boolean {
  const stale = (want: Record<string, string> | undefined, have: Record<string, string> | undefined) =>
    Object.keys(have ?? {}).some((k) => k.startsWith(OWN_PREFIX) && !(k in (want ?? {})));
  return (
    stale(desired.metadata.labels, actual.metadata.labels) ||
    stale(desired.metadata.annotations, actual.metadata.annotations)
  );
}

const OWN_PREFIX = 'tenantry.dev/';

/** The desired object with apiVersion and kind filled in from its type. */
export function withTypeMeta<T extends KubeObject>(type: ResourceType, obj: T): T {
  return { ...obj, apiVersion: apiVersionOf(type), kind: type.kind };
}

/** Server-side apply with the operator's field manager; force takes over conflicting fields. */
export function apply<T extends KubeObject>(client: KubeClient, type: ResourceType, obj: T): Promise<T> {
  const { name = '', namespace } = obj.metadata;
  return client.patch<T>(type, name, namespace, withTypeMeta(type, obj), 'apply', {
    fieldManager: FIELD_MANAGER,
    force: true,
  });
}

/** Applies only when the cached object differs from the desired one. Returns whether it wrote. */
export async function applyIfChanged<T extends KubeObject>(
  client: KubeClient,
  type: ResourceType,
  desired: T,
  actual: KubeObject | undefined,
): Promise<boolean> {
  // List items carry no apiVersion/kind, so compare without them.
  const { apiVersion: _v, kind: _k, ...fields } = desired;
  if (actual && isSubset(fields, actual) && !hasStaleOwnKeys(desired, actual)) return false;
  await apply(client, type, desired);
  return true;
}

/** Writes status through the status subresource by server-side apply. */
export function applyStatus<T extends KubeObject>(
  client: KubeClient,
  type: ResourceType,
  obj: { metadata: { name?: string; namespace?: string } },
  status: unknown,
): Promise<T> {
  const { name = '', namespace } = obj.metadata;
  const body = {
    apiVersion: apiVersionOf(type),
    kind: type.kind,
    metadata: { name, ...(namespace ? { namespace } : {}) },
    status,
  };
  return client.patch<T>(type, name, namespace, body, 'apply', {
    subresource: 'status',
    fieldManager: FIELD_MANAGER,
    force: true,
  });
}

export function controllerRef(type: ResourceType, owner: KubeObject): OwnerReference {
  return {
    apiVersion: apiVersionOf(type),
    kind: type.kind,
    name: owner.metadata.name ?? '',
    uid: owner.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/** Structural equality that ignores key order (objects as the API server returns them). */
export function deepEqual(a: unknown, b: unknown): boolean {
  return isSubset(a, b) && isSubset(b, a);
}

interface ManagedFieldsEntry {
  manager?: string;
  operation?: string;
}

/**
 * Creates the object (failing if it exists: an atomic claim, where an apply would take over
 * whatever is there) and then hands its fields to the operator's apply, so later applies can
 * remove them: fields a create sets are owned by the manager's Update entry, which an apply
 * configuration never lets go of. Returns false when the object already existed.
 */
export async function createForApply<T extends KubeObject>(
  client: KubeClient,
  type: ResourceType,
  obj: T,
): Promise<boolean> {
  try {
    await client.create(type, obj, { fieldManager: FIELD_MANAGER });
  } catch (e) {
    if (isAlreadyExists(e)) return false;
    throw e;
  }
  const applied = await apply(client, type, obj);
  const entries = (applied.metadata as { managedFields?: ManagedFieldsEntry[] }).managedFields ?? [];
  const kept = entries.filter((f) => !(f.manager === FIELD_MANAGER && f.operation === 'Update'));
  if (kept.length !== entries.length) {
    const { name = '', namespace, resourceVersion } = applied.metadata;
    await client.patch(
      type,
      name,
      namespace,
      { metadata: { resourceVersion, managedFields: kept } },
      'merge',
    );
  }
  return true;
}
