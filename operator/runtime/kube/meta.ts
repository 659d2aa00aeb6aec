// The metav1 vocabulary (ObjectMeta, OwnerReference, Condition) in its JSON form, shared by the
// runtime and the API types, as apimachinery's metav1 sits below both in Kubernetes. The CRD
// generator (hack/gen-crds.ts) follows the API types' imports here: the JSDoc and tags of
// Condition become the schema of every `status.conditions`.

// Integers are plain numbers at run time; these aliases only tell the generator to emit
// `type: integer` (JSON Schema has no other way to tell 30 from 30.5 apart).
/** A whole number that fits in 32 bits. */
export type int32 = number;
/** A whole number that fits in 64 bits (JavaScript numbers are exact up to 2^53). */
export type int64 = number;

/**
 * A point in time, RFC 3339 (`2026-01-31T12:00:00Z`), as Kubernetes serialises metav1.Time.
 * @format date-time
 */
export type Time = string;

/** Reference from an object to its owner, as in metav1.OwnerReference. */
export interface OwnerReference {
  /** API version of the owner. */
  apiVersion: string;
  /** Kind of the owner. */
  kind: string;
  /** Name of the owner. */
  name: string;
  /** UID of the owner. */
  uid: string;
  /** Whether the owner is the managing controller. */
  controller?: boolean;
  /** Whether the owner can't be deleted before this object (foreground deletion). */
  blockOwnerDeletion?: boolean;
}

/**
 * The part of metav1.ObjectMeta that Tenantry reads and writes, in its JSON form (times
 * are RFC 3339 strings). The CRD schema leaves `metadata` to the API server.
 */
export interface ObjectMeta {
  /** Name, unique per kind (and namespace, for namespaced kinds). */
  name?: string;
  /** Prefix from which the API server generates a unique name when name is empty. */
  generateName?: string;
  /** Namespace of namespaced objects; empty for cluster-scoped ones. */
  namespace?: string;
  /** Unique identifier assigned by the API server. */
  uid?: string;
  /** Opaque version used for optimistic concurrency and watches. */
  resourceVersion?: string;
  /** Incremented by the API server on every change of spec. */
  generation?: int64;
  /** When the object was created. */
  creationTimestamp?: Time;
  /** When deletion was requested; finalizers still hold the object. */
  deletionTimestamp?: Time;
  /** Labels used for selection. */
  labels?: Record<string, string>;
  /** Annotations for tools. */
  annotations?: Record<string, string>;
  /** Finalizers that must be removed before the object is deleted. */
  finalizers?: string[];
  /** Owners of this object, for garbage collection. */
  ownerReferences?: OwnerReference[];
}

/** Status of a condition: whether it holds, does not hold, or is not known yet. */
export type ConditionStatus = 'True' | 'False' | 'Unknown';

/**
 * One aspect of an object's state, following the Kubernetes API conventions
 * (metav1.Condition), so `kubectl wait --for=condition=Ready` and kstatus understand it.
 */
export interface Condition {
  // The pattern says `[/]` where metav1.Condition has `/`: a `*` right before `/` would
  // close this comment.
  /**
   * Type of the condition in CamelCase, for example Ready. Each type appears at most once.
   * @maxLength 316
   * @pattern ^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*[/])?(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])$
   */
  type: string;
  /** Whether the condition holds: True, False or Unknown. */
  status: ConditionStatus;
  /**
   * The metadata.generation the condition was computed from. When it is lower than the
   * object's current generation, the condition is out of date.
   * @minimum 0
   */
  observedGeneration?: int64;
  /** When the condition last changed status (not when it was last checked). */
  lastTransitionTime: Time;
  /**
   * Machine-readable CamelCase reason for the last transition, for example
   * NamespacesProvisioned or QuotaExceeded.
   * @minLength 1
   * @maxLength 1024
   * @pattern ^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$
   */
  reason: string;
  /**
   * Human-readable explanation of the reason, including what to do about it when the
   * condition signals a problem. May be empty.
   * @maxLength 32768
   */
  message: string;
}
