import type {
  Condition,
  DNSLabel,
  Hostname,
  int32,
  int64,
  ObjectMeta,
  PolicyProfile,
  Quantity,
  ResourceDescriptor,
} from './common.ts';
import { GROUP, VERSION } from './common.ts';

/** Tenant is cluster-scoped: a tenant owns namespaces, so it can't live in one. */
export const TenantResource = {
  group: GROUP,
  version: VERSION,
  kind: 'Tenant',
  plural: 'tenants',
  namespaced: false,
} as const satisfies ResourceDescriptor;

/** Kind of subject that owns a tenant, as in an RBAC subject. */
export type TenantOwnerKind = 'User' | 'Group' | 'ServiceAccount';

/** What happens to a tenant's namespaces when the Tenant is deleted. */
export type DeletionPolicy = 'Delete' | 'Retain';

/**
 * An administrator of the tenant. Owners are bound to the tenant-admin role in every
 * namespace of the tenant.
 * @validation rule=self.kind != 'ServiceAccount' || has(self.namespace) message=namespace is required when kind is ServiceAccount fieldPath=.namespace
 * @validation rule=self.kind == 'ServiceAccount' || !has(self.namespace) message=namespace may only be set when kind is ServiceAccount fieldPath=.namespace
 */
export interface TenantOwner {
  /**
   * Kind of subject: User or Group (as your identity provider names them) or
   * ServiceAccount (for automation).
   * @default User
   */
  kind?: TenantOwnerKind;
  /**
   * Name of the user, group or service account, exactly as the API server authenticates it.
   * @minLength 1
   * @maxLength 253
   */
  name: string;
  /** Namespace of the service account. Required when kind is ServiceAccount, not allowed otherwise. */
  namespace?: DNSLabel;
}

/** A namespace the tenant gets, in addition to its system namespace. */
export interface TenantNamespace {
  /**
   * Suffix of the namespace: the namespace is named `<tenant>-<name>`. "system" is
   * reserved for the tenant's system namespace.
   * @maxLength 20
   * @validation rule=self != 'system' message=the name "system" is reserved for the tenant's system namespace
   */
  name: DNSLabel;
  /** Extra labels to put on the namespace. Labels under tenantry.dev/ are set by Tenantry and win. */
  labels?: Record<string, string>;
}

/** Overrides of the ResourceQuota that the policy profile gives each namespace. */
export interface TenantQuota {
  /**
   * Hard limits by resource name, as in a ResourceQuota's spec.hard (for example
   * `requests.cpu: "8"`, `limits.memory: 32Gi`, `pods: 200`). Resources not listed keep
   * the profile's limit.
   */
  hard?: Record<string, Quantity>;
}

/** The tenant's own DNS domain. */
export interface TenantDomain {
  /** Fully qualified domain name, for example `acme.example.com`. */
  name: Hostname;
}

/** Settings for the admin nudges Tenantry sends to owners. */
export interface TenantNudges {
  /**
   * Stop sending nudges (onboarding reminders and suggestions) to the tenant's owners.
   * @default false
   */
  optOut?: boolean;
}

/**
 * Desired state of a tenant.
 * @validation rule=self.policyProfile != 'regulated' || self.retentionDays >= 365 message=spec.retentionDays must be at least 365 when spec.policyProfile is regulated fieldPath=.retentionDays
 * @validation rule=self.policyProfile != 'restricted' || self.retentionDays >= 90 message=spec.retentionDays must be at least 90 when spec.policyProfile is restricted fieldPath=.retentionDays
 */
export interface TenantSpec {
  /**
   * Human-readable name of the tenant, shown in reports, invoices and the CLI.
   * @minLength 1
   * @maxLength 128
   */
  displayName: string;
  /**
   * Administrators of the tenant. At least one is required.
   * @minItems 1
   * @maxItems 50
   */
  owners: TenantOwner[];
  /**
   * Region the tenant's data lives in, for example `eu-west-1`. Immutable: a tenant's data
   * stays in the region it was created in.
   * @immutable region is immutable: a tenant's data stays in the region it was created in
   */
  region: DNSLabel;
  /**
   * How many days audit records, receipts and evidence are kept. The policy profile sets
   * a minimum: 90 for restricted, 365 for regulated.
   * @default 30
   * @minimum 1
   * @maximum 3650
   */
  retentionDays?: int32;
  /**
   * Policy profile: baseline, restricted or regulated. It selects the Pod Security level,
   * the default NetworkPolicies, the ResourceQuota and LimitRange defaults and the minimum
   * retention.
   * @default baseline
   */
  policyProfile?: PolicyProfile;
  /**
   * Namespaces of the tenant besides its system namespace `<tenant>-system`. Each is
   * named `<tenant>-<name>`.
   * @default [{name: default}]
   * @listType map
   * @listMapKey name
   * @maxItems 50
   */
  namespaces?: TenantNamespace[];
  /**
   * What happens to the tenant's namespaces when the Tenant is deleted: Delete removes
   * them with everything in them, Retain leaves them (unlabelled from the tenant).
   * @default Delete
   */
  deletionPolicy?: DeletionPolicy;
  /** Overrides of the policy profile's ResourceQuota. */
  quota?: TenantQuota;
  /** The tenant's own DNS domain, verified through a DNS TXT challenge. */
  domain?: TenantDomain;
  /**
   * Admin nudge settings.
   * @default {}
   */
  nudges?: TenantNudges;
}

/** Observed state of a tenant, written by Tenantry. */
export interface TenantStatus {
  /**
   * The metadata.generation this status describes.
   * @minimum 0
   */
  observedGeneration?: int64;
  /**
   * Current state: Ready and the conditions that contribute to it.
   * @listType map
   * @listMapKey type
   */
  conditions?: Condition[];
  /**
   * Names of the namespaces Tenantry manages for the tenant, system namespace included.
   * @listType set
   */
  namespaces?: string[];
}

/**
 * Tenant is one customer organisation on the platform: its owners, the region its data
 * lives in, its policy profile and its namespaces. Tenantry creates and keeps the
 * namespaces, RBAC, quotas and policies that follow from it.
 * @shortName tn
 * @category tenantry
 * @subresource status
 * @printColumn name=Region type=string jsonPath=.spec.region
 * @printColumn name=Profile type=string jsonPath=.spec.policyProfile
 * @printColumn name=Ready type=string jsonPath=.status.conditions[?(@.type=="Ready")].status
 * @printColumn name=Reason type=string jsonPath=.status.conditions[?(@.type=="Ready")].reason
 * @printColumn name=Age type=date jsonPath=.metadata.creationTimestamp
 * @validation rule=self.metadata.name != 'kube' && !self.metadata.name.startsWith('kube-') && self.metadata.name != 'tenantry' message=metadata.name must not be "kube", start with "kube-" or be "tenantry": the tenant's namespaces would collide with system namespaces (kube-system, tenantry-system)
 * @validation rule=self.metadata.name.size() <= 40 && self.metadata.name.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?$') message=metadata.name must be a DNS label of at most 40 characters: the tenant's namespaces are named <tenant>-<suffix> and must fit in 63
 */
export interface Tenant {
  apiVersion: 'tenantry.dev/v1alpha1';
  kind: 'Tenant';
  metadata: ObjectMeta;
  /** Desired state of the tenant. */
  spec: TenantSpec;
  /** Observed state of the tenant, written by Tenantry. */
  status?: TenantStatus;
}
