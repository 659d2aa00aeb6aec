import { typed } from '../../runtime/kube/resource.ts';
import type {
  Condition,
  DNSLabel,
  Hostname,
  int32,
  int64,
  ObjectMeta,
  PolicyProfile,
  Quantity,
  Time,
} from './common.ts';
import { GROUP, VERSION } from './common.ts';
import type { ActivationStatus, HealthStatus, NudgesStatus } from './growth.ts';

/** Tenant is cluster-scoped: a tenant owns namespaces, so it can't live in one. */
export const TenantResource = typed<Tenant>()({
  group: GROUP,
  version: VERSION,
  kind: 'Tenant',
  plural: 'tenants',
  namespaced: false,
});

/** Kind of subject that owns a tenant, as in an RBAC subject. */
export type TenantOwnerKind = 'User' | 'Group' | 'ServiceAccount';

/** What happens to a tenant's namespaces when the Tenant is deleted. */
export type DeletionPolicy = 'Delete' | 'Retain';

/**
 * An administrator of the tenant. Owners are bound to the ClusterRole tenantry:tenant-owner in
 * each workload namespace and to tenantry:tenant-system in its system namespace.
 * @validation rule=!has(self.kind) || self.kind != 'ServiceAccount' || has(self.namespace) message=namespace is required when kind is ServiceAccount fieldPath=.namespace
 * @validation rule=(has(self.kind) && self.kind == 'ServiceAccount') || !has(self.namespace) message=namespace may only be set when kind is ServiceAccount fieldPath=.namespace
 */
export interface TenantOwner {
  /**
   * Kind of subject: User or Group (as your identity provider names them) or
   * ServiceAccount (for automation). Omitted means User. (Not defaulted by the API server: the
   * owners list is replaced as a whole, and a default inside it would make every unchanged
   * `kubectl apply` a change and server-side apply conflict with client-side apply.)
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
   * Suffix of the namespace: the namespace is named `<tenant>-<name>`. Lower-case letters and
   * digits only: with no dash in the suffix, the last dash of a namespace name separates tenant
   * and suffix, so no two tenants' namespaces can ever have the same name (with dashes, tenant
   * `a` with `b-x` and tenant `a-b` with `x` would both be `a-b-x`). "system" is reserved for
   * the tenant's system namespace.
   * @minLength 1
   * @maxLength 20
   * @validation rule=self != 'system' message=the name "system" is reserved for the tenant's system namespace
   * @validation rule=self.matches('^[a-z0-9]+$') message=must be lower-case letters and digits only (no '-'): the namespace is <tenant>-<name>, and a dash would let two tenants' namespaces collide
   */
  name: DNSLabel;
  /**
   * Extra labels to put on the namespace. Keys and values follow the Kubernetes label syntax;
   * keys under tenantry.dev/, kubernetes.io/, k8s.io/ and their subdomains (Pod Security,
   * region, ...; app.kubernetes.io/ is yours but for managed-by) are Tenantry's or the
   * cluster's and are refused.
   * @maxProperties 32
   * @validation rule=self.all(k, k.matches('^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*[/])?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$') && (!k.contains('/') || k.split('/')[0].size() <= 253)) message=label keys must be a DNS subdomain prefix (optional) and a name of at most 63 characters: alphanumerics, '-', '_' or '.', starting and ending alphanumeric
   * @validation rule=self.all(k, !k.contains('/') || !(k.split('/')[0] in ['tenantry.dev', 'kubernetes.io', 'k8s.io'] || (k.split('/')[0].endsWith('.kubernetes.io') && k.split('/')[0] != 'app.kubernetes.io') || k.split('/')[0].endsWith('.k8s.io') || k == 'app.kubernetes.io/managed-by')) message=labels under tenantry.dev/, kubernetes.io/, k8s.io/ and their subdomains (pod-security, topology, ...) and app.kubernetes.io/managed-by are set by Tenantry or the cluster, not in spec.namespaces
   */
  labels?: Record<string, LabelValue>;
}

/**
 * A Kubernetes label value: at most 63 characters, alphanumerics, '-', '_' or '.', starting and
 * ending alphanumeric, or empty.
 * @maxLength 63
 * @pattern ^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$
 */
export type LabelValue = string;

/** Overrides of the ResourceQuota that the policy profile gives each namespace. */
export interface TenantQuota {
  /**
   * Hard limits by resource name, as in a ResourceQuota's spec.hard (for example
   * `requests.cpu: "8"`, `limits.memory: 32Gi`, `pods: 200`). Resources not listed keep
   * the profile's limit. Names are ResourceQuota's: the standard ones, `count/<resource>`,
   * hugepages, `<class>.storageclass.storage.k8s.io/requests.storage` and extended resources
   * (`requests.nvidia.com/gpu`).
   * @maxProperties 64
   * @validation rule=self.all(k, (k in ['pods', 'services', 'secrets', 'configmaps', 'persistentvolumeclaims', 'replicationcontrollers', 'resourcequotas', 'services.loadbalancers', 'services.nodeports', 'cpu', 'memory', 'storage', 'ephemeral-storage', 'requests.cpu', 'requests.memory', 'requests.storage', 'requests.ephemeral-storage', 'limits.cpu', 'limits.memory', 'limits.ephemeral-storage'] || k.matches('^(requests[.]|limits[.])?hugepages-[0-9]+[KMGTPE]i?$') || k.matches('^count/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$') || k.matches('^[a-z0-9]([-a-z0-9]*[a-z0-9])?[.]storageclass[.]storage[.]k8s[.]io/(requests[.]storage|persistentvolumeclaims)$') || k.matches('^(requests[.])?[a-z0-9]([-a-z0-9]*[a-z0-9])?([.][a-z0-9]([-a-z0-9]*[a-z0-9])?)+/[a-z0-9A-Z]([-a-z0-9A-Z_.]*[a-z0-9A-Z])?$'))) message=every key must be a ResourceQuota resource name, e.g. requests.cpu, limits.memory, pods, count/deployments.apps, requests.nvidia.com/gpu, <class>.storageclass.storage.k8s.io/requests.storage
   */
  hard?: Record<string, Quantity>;
}

/** The tenant's own DNS domain. */
export interface TenantDomain {
  /** Fully qualified domain name, for example `acme.example.com`. */
  name: Hostname;
}

/** Identity providers with presets: issuer pattern, scopes, claims and fixes in the IdP's own terms. */
export type IdentityPreset = 'okta' | 'entra' | 'google' | 'keycloak' | 'auth0' | 'oidc';

/** A key of a Secret in the tenant's system namespace. */
export interface SecretKeyReference {
  /**
   * Name of the Secret in the tenant's system namespace `<tenant>-system`.
   * @minLength 1
   * @maxLength 253
   */
  name: string;
  /**
   * Key within the Secret.
   * @default client-secret
   * @maxLength 253
   */
  key?: string;
}

/** Optional SCIM provisioning endpoint of the identity provider. */
export interface TenantScim {
  /**
   * Base URL of the SCIM 2.0 service, for example `https://idp.example.com/scim/v2`.
   * @maxLength 2048
   * @pattern ^https://
   */
  baseUrl: string;
  /** Bearer token for the SCIM service. */
  tokenSecretRef: SecretKeyReference;
}

/** OpenID Connect single sign-on for the tenant ("quick connect"). */
export interface TenantIdentity {
  /**
   * The identity provider: okta, entra, google, keycloak, auth0 or oidc (any other
   * OpenID provider). Presets fill in scopes and claims and phrase fixes in the IdP's terms.
   * @default oidc
   */
  preset?: IdentityPreset;
  /**
   * Issuer URL exactly as the provider publishes it (a trailing slash matters).
   * @maxLength 2048
   * @pattern ^https://
   */
  issuer: string;
  /**
   * OAuth client id of the application registered for this tenant.
   * @minLength 1
   * @maxLength 512
   */
  clientId: string;
  /** The client secret, in a Secret of the tenant's system namespace. Omit for public clients. */
  clientSecretRef?: SecretKeyReference;
  /**
   * Redirect URI registered with the provider for this client.
   * @maxLength 2048
   * @pattern ^https?://
   */
  redirectUri: string;
  /**
   * Scopes to request. Defaults to the preset's.
   * @maxItems 20
   */
  scopes?: string[];
  /**
   * Name of the claim that carries group membership. Defaults to the preset's.
   * @maxLength 256
   */
  groupsClaim?: string;
  /** Optional SCIM user provisioning. */
  scim?: TenantScim;
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
 * @validation rule=!has(self.policyProfile) || self.policyProfile != 'regulated' || self.retentionDays >= 365 message=spec.retentionDays must be at least 365 when spec.policyProfile is regulated fieldPath=.retentionDays
 * @validation rule=!has(self.policyProfile) || self.policyProfile != 'restricted' || self.retentionDays >= 90 message=spec.retentionDays must be at least 90 when spec.policyProfile is restricted fieldPath=.retentionDays
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
   * stays in the region it was created in. Without one, the installed DistributionBundle's
   * region (spec.regionDefaults.region) is set at admission.
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
   * retention. Without one, the installed DistributionBundle's default profile
   * (spec.policyPresets.defaultProfile) is set at admission; without a bundle, baseline.
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
  /** Single sign-on through the tenant's identity provider, checked continuously. */
  identity?: TenantIdentity;
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
  /** The DNS record to publish to verify spec.domain, and what the last check found. */
  domain?: TenantDomainStatus;
  /** Results of the identity provider health checks. */
  identity?: TenantIdentityStatus;
  /**
   * Signed receipts of onboarding steps, newest last. The full Sigstore bundles are in
   * ConfigMaps of the tenant's system namespace, readable but not writable by its owners.
   * @maxItems 100
   */
  receipts?: Receipt[];
  /** How long onboarding took. */
  onboarding?: OnboardingTiming;
  /** The activation checklist (feature activationChecklist). */
  activation?: ActivationStatus;
  /** The health score with its components (feature growthInstrumentation). */
  health?: HealthStatus;
  /** Nudges in force for the tenant's admins (feature adminNudges). */
  nudges?: NudgesStatus;
}

/** The DNS TXT challenge for the tenant's domain. */
export interface TenantDomainStatus {
  /** Name of the TXT record to publish, for example `_tenantry-challenge.acme.example.com`. */
  recordName: string;
  /** Type of the record to publish: TXT. */
  recordType: string;
  /** Value the TXT record must have. */
  value: string;
  /** When the record was first found with the right value. */
  verifiedAt?: Time;
}

/** How an identity check came out; IdentityCheck.status says what each value means. */
export type IdentityCheckStatus = 'pass' | 'warn' | 'fail' | 'skip';

/** Outcome of one identity provider health check. */
export interface IdentityCheck {
  /** Identifier of the check, for example discovery, issuer, jwks, redirectUri. */
  id: string;
  /**
   * pass; warn (works, but worth fixing); fail (sign-in breaks); skip (could not run because a
   * check it depends on failed, e.g. discovery: that check's fix covers it).
   */
  status: IdentityCheckStatus;
  /** What the check found. */
  message: string;
  /** What to change to make it pass, in the identity provider's terms. */
  fix?: string;
}

/** Identity provider health. */
export interface TenantIdentityStatus {
  /**
   * Each health check's result.
   * @listType map
   * @listMapKey id
   * @maxItems 32
   */
  checks?: IdentityCheck[];
  /**
   * SCIM probe results, when SCIM is configured.
   * @listType map
   * @listMapKey id
   * @maxItems 16
   */
  scim?: IdentityCheck[];
  /** When the results last changed (checks re-run periodically; unchanged results are not rewritten). */
  changedAt?: Time;
}

/** A signed receipt of an onboarding step. */
export interface Receipt {
  /** The step, for example TenantAccepted, NamespacesProvisioned, DomainVerified, IdentityConnected. */
  step: string;
  /** The Tenant generation the receipt attests. */
  generation: int64;
  /**
   * Digest of the signed bundle, `sha256:` followed by 64 hex digits.
   * @pattern ^sha256:[a-f0-9]{64}$
   */
  digest: string;
  /** Identifier of the signing key (sha256 of its public key). */
  keyId: string;
  /** When the receipt was signed. */
  time: Time;
  /** ConfigMap in the tenant's system namespace holding the bundle. */
  configMap: string;
}

/** Onboarding milestones, measured from the Tenant's creation. */
export interface OnboardingTiming {
  /** When the first receipt was signed. */
  firstReceiptAt?: Time;
  /** Seconds from creation to the first receipt. */
  firstReceiptSeconds?: int64;
  /** When the tenant first became Ready. */
  readyAt?: Time;
  /** Seconds from creation to the first Ready. */
  readySeconds?: int64;
  /** When an add-on of the tenant was first approved (the first privileged approval). */
  firstApprovalAt?: Time;
  /** Seconds from creation to the first privileged approval. */
  firstApprovalSeconds?: int64;
  /** Who gave the first privileged approval, as the API server authenticated them. */
  firstApprovedBy?: string;
  /** When metering first had usage and cost to report for the tenant. */
  firstUsageReportAt?: Time;
  /** Seconds from creation to the first usage and cost report. */
  firstUsageReportSeconds?: int64;
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
 * @printColumn name=Domain type=string jsonPath=.spec.domain.name priority=1
 * @printColumn name=Domain-Verified type=string jsonPath=.status.conditions[?(@.type=="DomainVerified")].status priority=1
 * @printColumn name=Identity type=string jsonPath=.status.conditions[?(@.type=="IdentityConnected")].status priority=1
 * @printColumn name=Message type=string jsonPath=.status.conditions[?(@.type=="Ready")].message priority=1
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
