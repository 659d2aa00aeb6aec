// Types shared by every Tenantry kind. The CRD generator (hack/gen-crds.ts) reads this
// file too: the JSDoc on each field becomes its `kubectl explain` text and the tags
// (@pattern, @maxLength, ...) become schema constraints. See operator/api/README.md.

/** API group of every Tenantry resource. */
export const GROUP = 'tenantry.dev';
/** The one API version served so far; it is also the storage version. */
export const VERSION = 'v1alpha1';
/** `apiVersion` of every Tenantry object in this version. */
export const API_VERSION = 'tenantry.dev/v1alpha1';

// The metav1 types live with the runtime, which needs them too; the API re-exports them so API
// files import everything from here.
import type { int64 } from '../../runtime/kube/meta.ts';

export type {
  Condition,
  ConditionStatus,
  int32,
  int64,
  ObjectMeta,
  OwnerReference,
  Time,
} from '../../runtime/kube/meta.ts';

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
 * A DNS name with at least two labels, such as `acme.example.com`: lower case, each label at most
 * 63 characters, and a top-level domain that is not all digits (so never an IP address).
 * @pattern ^([a-z0-9]([-a-z0-9]*[a-z0-9])?\.)+[a-z0-9]([-a-z0-9]*[a-z0-9])?$
 * @maxLength 253
 * @validation rule=!self.matches('^[0-9]+([.][0-9]+)*$') message=must be a DNS name, not an IP address
 * @validation rule=self.matches('^[0-9]+([.][0-9]+)*$') || !self.matches('[.][0-9]+$') message=the top-level domain must not be all digits
 * @validation rule=self.split('.').all(l, l.size() <= 63) message=each label (between dots) must be at most 63 characters
 */
export type Hostname = string;

/**
 * A semantic version without a leading `v`, such as `1.4.0` or `2.0.0-rc.1`.
 * @pattern ^(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$
 * @maxLength 64
 */
export type SemVer = string;

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
