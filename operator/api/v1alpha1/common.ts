// Types shared by every Tenantry kind. The CRD generator (hack/gen-crds.ts) reads this
// file too: the JSDoc on each field becomes its `kubectl explain` text and the tags
// (@pattern, @maxLength, ...) become schema constraints. See operator/api/README.md.

/** API group of every Tenantry resource. */
export const GROUP = 'tenantry.dev';
/** The one API version served so far; it is also the storage version. */
export const VERSION = 'v1alpha1';
/** `apiVersion` of every Tenantry object in this version. */
export const API_VERSION = 'tenantry.dev/v1alpha1';

/**
 * What a client needs to address a kind over the Kubernetes API. The CRD generator takes
 * group, version, kind, plural and scope from the `<Kind>Resource` constants, so they
 * are the single source of truth.
 */
export interface ResourceDescriptor {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
}

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

/**
 * A Kubernetes resource quantity such as `500m`, `2Gi` or `10`.
 * @pattern ^(\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\+|-)?(([0-9]+(\.[0-9]*)?)|(\.[0-9]+))))?$
 */
export type Quantity = int64 | string;

/**
 * An RFC 1123 DNS label: lower-case alphanumerics and '-', starting and ending alphanumeric.
 * @pattern ^[a-z0-9]([-a-z0-9]*[a-z0-9])?$
 * @maxLength 63
 */
export type DNSLabel = string;

/**
 * A DNS name with at least two labels, such as `acme.example.com`.
 * @pattern ^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z0-9]([-a-z0-9]*[a-z0-9])?$
 * @maxLength 253
 */
export type Hostname = string;

/**
 * A semantic version without a leading `v`, such as `1.4.0` or `2.0.0-rc.1`.
 * @pattern ^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$
 * @maxLength 64
 */
export type SemVer = string;

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

/** Set-based operator of a label selector requirement. */
export type LabelSelectorOperator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

/** One requirement of a label selector: a key, an operator and values. */
export interface LabelSelectorRequirement {
  /**
   * The label key the requirement applies to.
   * @minLength 1
   * @maxLength 317
   */
  key: string;
  /** How the key relates to the values: In, NotIn, Exists or DoesNotExist. */
  operator: LabelSelectorOperator;
  /**
   * Values to compare with. Must be non-empty for In and NotIn and empty for Exists and
   * DoesNotExist.
   * @listType atomic
   */
  values?: string[];
}

/**
 * Selects objects by their labels, as metav1.LabelSelector does. The requirements are
 * ANDed; an empty selector matches every object.
 */
export interface LabelSelector {
  /** Labels that must be present with exactly these values. */
  matchLabels?: Record<string, string>;
  /**
   * Set-based requirements on labels.
   * @listType atomic
   */
  matchExpressions?: LabelSelectorRequirement[];
}

/** Names a Tenant (Tenants are cluster-scoped, so a name is enough). */
export interface TenantReference {
  /**
   * Name of the Tenant.
   * @minLength 1
   * @maxLength 40
   */
  name: string;
}

/** Names a Secret in the same namespace as the object that refers to it. */
export interface SecretReference {
  /**
   * Name of the Secret.
   * @minLength 1
   * @maxLength 253
   */
  name: string;
}

/** How serious a failed check is. */
export type CheckSeverity = 'info' | 'warning' | 'critical';

/** What a check concluded. */
export type CheckOutcome = 'Passed' | 'Warned' | 'Failed' | 'Skipped';

/** The result of one check of a validation suite or an upgrade preflight. */
export interface CheckResult {
  /**
   * Stable identifier of the check, for example `rbac.least-privilege`. Unique in the list.
   * @minLength 1
   * @maxLength 128
   */
  id: string;
  /** Area the check belongs to, for example security, networking or observability. */
  category: string;
  /** How serious a failure of this check is: info, warning or critical. */
  severity: CheckSeverity;
  /** What the check concluded: Passed, Warned, Failed or Skipped. */
  outcome: CheckOutcome;
  /** What the check found, in one or two sentences. */
  message: string;
  /** What to do to make the check pass. Empty when it passed. */
  remediation?: string;
}

/**
 * Where the signed evidence of a run is kept. The full Sigstore bundle (an in-toto
 * statement in a DSSE envelope) is stored in a ConfigMap; the status keeps its digest so
 * any change to it is detectable.
 */
export interface EvidenceReference {
  /**
   * Digest of the signed bundle, `sha256:` followed by 64 hex digits.
   * @pattern ^sha256:[a-f0-9]{64}$
   */
  digest: string;
  /** Identifier of the key that signed the bundle (the fingerprint of its public key). */
  keyId: string;
  /** Name of the ConfigMap, in the operator's namespace, that holds the signed bundle. */
  configMap: string;
}

/** The policy profile of a tenant. */
export type PolicyProfile = 'baseline' | 'restricted' | 'regulated';

/** Kinds of add-on a tenant can request. */
export type AddOnType = 'DedicatedCompute' | 'AuditArchive';
