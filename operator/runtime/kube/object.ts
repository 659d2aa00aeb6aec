import type { ObjectMeta } from './meta.ts';

export type { Condition, ConditionStatus, ObjectMeta, OwnerReference } from './meta.ts';

export interface KubeObject {
  apiVersion?: string;
  kind?: string;
  metadata: ObjectMeta;
}

/** Any object with fields beyond metadata (spec, data, roleRef, ...), as built by desired-state functions. */
export type AnyObject = KubeObject & { [field: string]: unknown };

export interface ObjectList<T extends KubeObject = KubeObject> {
  metadata: { resourceVersion?: string; continue?: string };
  items: T[];
}

export function nameOf(obj: KubeObject): string {
  return obj.metadata.name ?? '';
}
