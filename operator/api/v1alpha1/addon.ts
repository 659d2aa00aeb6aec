import { typed } from '../../runtime/kube/resource.ts';
import type {
  AddOnType,
  Condition,
  int32,
  int64,
  LabelSelector,
  ObjectMeta,
  SecretReference,
  Time,
} from './common.ts';
import { GROUP, VERSION } from './common.ts';

/**
 * AddOn is namespaced: it lives in the tenant's system namespace, so tenant admins can
 * request one under their own RBAC.
 */
export const AddOnResource = typed<AddOn>()({
  group: GROUP,
  version: VERSION,
  kind: 'AddOn',
  plural: 'addons',
  namespaced: true,
});

/**
 * The approval of the add-on's current settings. It is bound to them: admission refuses any
 * change of the settings unless the same request changes the approval too, and stamps who
 * approved from the authenticated request. Who approved, for which generation and spec
 * digest, and when, are recorded in status, never taken from spec.
 */
export interface AddOnApproval {
  /**
   * Why the add-on, or the change of it, is needed, for the audit trail. A new reason is a
   * new approval by the user who sends it.
   * @minLength 1
   * @maxLength 1024
   */
  reason: string;
}

/** Settings of a DedicatedCompute add-on: nodes reserved for this tenant alone. */
export interface DedicatedComputeSettings {
  /**
   * How many nodes to reserve.
   * @minimum 1
   * @maximum 100
   */
  nodes: int32;
  /**
   * Which nodes may be reserved. Tenantry picks unreserved nodes matching this selector,
   * labels and taints them for the tenant, and pins the tenant's pods to them.
   */
  candidateSelector: LabelSelector;
}

/** An S3 bucket owned by the customer. */
export interface S3Bucket {
  /**
   * URL of the S3 endpoint, for example `https://s3.eu-west-1.amazonaws.com`. https, and an
   * address the platform allows: the operator refuses to call loopback, link-local (cloud
   * metadata), private and cluster-internal addresses unless the platform allowed them.
   * @format uri
   * @maxLength 2048
   * @validation rule=self.startsWith('https://') || self.startsWith('http://') message=must be an https:// URL (http:// only where the platform allows it)
   * @validation rule=size(self.split('/')) < 3 || !self.split('/')[2].contains('@') message=must not carry credentials: put them in the Secret named by credentialsSecretRef
   */
  endpoint: string;
  /**
   * Region of the bucket, for example `eu-west-1`.
   * @minLength 1
   * @maxLength 63
   */
  region: string;
  /**
   * Name of the bucket. It must have Object Lock enabled.
   * @minLength 3
   * @maxLength 63
   * @pattern ^[a-z0-9][a-z0-9.-]*[a-z0-9]$
   */
  name: string;
  /**
   * Secret, in the AddOn's namespace, with the keys `accessKeyId` and `secretAccessKey`
   * of credentials that may write to the bucket.
   */
  credentialsSecretRef: SecretReference;
}

/**
 * Settings of an AuditArchive add-on: a customer-owned bucket with Object Lock (WORM)
 * into which receipts, evidence and audit records are written.
 */
export interface AuditArchiveSettings {
  /** The bucket to archive into. */
  bucket: S3Bucket;
  /**
   * Object Lock retention of archived objects, in days. It can't be lower than the
   * entitlement's obligations.auditArchiveMinRetentionDays.
   * @minimum 1
   * @maximum 36500
   */
  retentionDays: int32;
}

/**
 * Desired state of an add-on. Exactly the settings block of its type is set.
 * @validation rule=has(self.dedicatedCompute) == (self.type == 'DedicatedCompute') message=spec.dedicatedCompute must be set when type is DedicatedCompute, and only then fieldPath=.dedicatedCompute
 * @validation rule=has(self.auditArchive) == (self.type == 'AuditArchive') message=spec.auditArchive must be set when type is AuditArchive, and only then fieldPath=.auditArchive
 */
export interface AddOnSpec {
  /**
   * Type of add-on: DedicatedCompute or AuditArchive. Immutable.
   * @immutable type is immutable: delete the add-on and create a new one instead
   */
  type: AddOnType;
  /**
   * Approval of the settings. Every change of the settings (type, dedicatedCompute,
   * auditArchive) must change it in the same request: a new spec.approval.reason approves
   * the change as the user who sends it. When the tenant's Entitlement asks for four eyes
   * (spec.obligations.addOnApproval: FourEyes), the requester sends the add-on or the change
   * without it (null) and another owner of the tenant approves by setting it; until then
   * nothing of the change is provisioned, and the settings can't change again. It can't be
   * removed on its own: delete the add-on to withdraw it.
   */
  approval?: AddOnApproval;
  /** Settings for type DedicatedCompute. */
  dedicatedCompute?: DedicatedComputeSettings;
  /** Settings for type AuditArchive. */
  auditArchive?: AuditArchiveSettings;
}

/**
 * The approval in force, recorded by Tenantry from what admission stamped from the
 * authenticated requests. Absent while the current settings are not approved.
 */
export interface AddOnApprovalStatus {
  /** User name of the approver, as the API server authenticated them. */
  approvedBy?: string;
  /**
   * User name of who asked for the approved settings (created the add-on or last changed
   * its settings), as the API server authenticated them.
   */
  requestedBy?: string;
  /**
   * The metadata.generation approved: any later change of the spec needs a new approval.
   * @minimum 1
   */
  generation?: int64;
  /**
   * sha256 of the approved spec as canonical JSON (RFC 8785), `sha256:<hex>`, computed by
   * Tenantry from the spec at that generation.
   * @pattern ^sha256:[0-9a-f]{64}$
   */
  digest?: string;
  /** When Tenantry first saw the approval. */
  approvedAt?: Time;
}

/** The archive bucket as Tenantry verified it. */
export interface ProvisionedBucket {
  /** Whether Object Lock is enabled on the bucket. */
  objectLockEnabled: boolean;
  /** Default retention of the bucket, in days. */
  defaultRetentionDays?: int32;
  /** When the bucket was last verified. */
  verifiedAt?: Time;
}

/** What Tenantry provisioned for the add-on. */
export interface AddOnProvisioned {
  /**
   * Nodes reserved for the tenant (DedicatedCompute).
   * @listType set
   */
  nodes?: string[];
  /** The verified archive bucket (AuditArchive). */
  bucket?: ProvisionedBucket;
  /** Further details that depend on the add-on type. */
  details?: Record<string, unknown>;
}

/** Observed state of an add-on, written by Tenantry. */
export interface AddOnStatus {
  /**
   * The metadata.generation this status describes.
   * @minimum 0
   */
  observedGeneration?: int64;
  /**
   * Current state: Entitled, Approved, Provisioned, Enforced and Ready.
   * @listType map
   * @listMapKey type
   */
  conditions?: Condition[];
  /** The approval in force: who asked, who approved which spec, and when. */
  approval?: AddOnApprovalStatus;
  /** What was provisioned. */
  provisioned?: AddOnProvisioned;
}

/**
 * AddOn is an enterprise add-on a tenant requests in its system namespace:
 * DedicatedCompute (nodes reserved for the tenant, enforced at admission) or AuditArchive
 * (a customer-owned S3 bucket with Object Lock). It must be allowed by the tenant's
 * Entitlement and approved before Tenantry provisions it.
 * @shortName ao
 * @category tenantry
 * @subresource status
 * @printColumn name=Type type=string jsonPath=.spec.type
 * @printColumn name=Ready type=string jsonPath=.status.conditions[?(@.type=="Ready")].status
 * @printColumn name=Reason type=string jsonPath=.status.conditions[?(@.type=="Ready")].reason priority=1
 * @printColumn name=Approved-By type=string jsonPath=.status.approval.approvedBy priority=1
 * @printColumn name=Message type=string jsonPath=.status.conditions[?(@.type=="Ready")].message priority=1
 * @printColumn name=Age type=date jsonPath=.metadata.creationTimestamp
 */
export interface AddOn {
  apiVersion: 'tenantry.dev/v1alpha1';
  kind: 'AddOn';
  metadata: ObjectMeta;
  /** Desired state of the add-on. */
  spec: AddOnSpec;
  /** Observed state of the add-on, written by Tenantry. */
  status?: AddOnStatus;
}
