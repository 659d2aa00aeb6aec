// Condition types and reasons of Tenantry's kinds. They are API: `kubectl wait`, GitOps health
// checks, alerts and the CLI match on them, so each is a named constant with what it means and
// what to do about it. Reasons that checks produce themselves (DNS lookups, identity provider
// checks, WORM verification) are typed where those checks live: operator/domain/resolve.ts,
// operator/identity/summarize.ts, operator/archive/worm/result.ts.

/** Reasons every kind's Ready condition may carry besides those of its own conditions. */
export const CommonReason = {
  /** Ready=True: everything the object asks for is in place. */
  Reconciled: 'Reconciled',
  /** A condition Ready depends on has not been reached yet (it is not in status at all). */
  Pending: 'Pending',
  /** The spec can't be acted on as it stands (a TerminalError); fix the spec. */
  InvalidSpec: 'InvalidSpec',
  /** The API server refused a request the reconcile made as invalid (422); the message is the server's. */
  Invalid: 'Invalid',
  /**
   * A ValidatingAdmissionPolicy denied a request the reconcile made (Stalled, not retried): the
   * message names the policy and gives its words. Often the operator runs with credentials
   * other than its ServiceAccount, which Tenantry's own policies let through.
   */
  AdmissionDenied: 'AdmissionDenied',
} as const;

/** Conditions of a Tenant besides Ready, Reconciling and Stalled. */
export const TenantCondition = {
  /** Namespaces, RBAC, quotas and policies exist as the spec asks. */
  Provisioned: 'Provisioned',
  /** The DNS TXT challenge for spec.domain is published. */
  DomainVerified: 'DomainVerified',
  /** The identity provider passes the health checks. */
  IdentityConnected: 'IdentityConnected',
} as const;

export const TenantReason = {
  /** Provisioned=True. */
  Provisioned: 'Provisioned',
  /** A namespace the tenant needs exists and is not the tenant's: rename one of them (Stalled). */
  NamespaceConflict: 'NamespaceConflict',
  /** A namespace the tenant needs is still being deleted; it is recreated when it is gone. */
  NamespaceTerminating: 'NamespaceTerminating',
  /** The restricted and regulated profiles connect identity only after the domain is verified. */
  WaitingForDomainVerification: 'WaitingForDomainVerification',
  /**
   * IdentityConnected=Unknown: the Secret with the IdP client secret does not exist yet, and the
   * tenant's system namespace is new enough that it is most likely on its way (the signup
   * wizard and GitOps tools can only create it once the namespace exists). The identity
   * checks run once it exists; still missing after the grace period, it is ClientSecretMissing.
   */
  WaitingForClientSecret: 'WaitingForClientSecret',
  /**
   * The Secret with the IdP client secret is still missing well after the system namespace
   * was created: create it (Stalled); the message names the Secret and key.
   */
  ClientSecretMissing: 'ClientSecretMissing',
} as const;

/** Conditions of an AddOn besides Ready, Reconciling and Stalled; Ready needs all four. */
export const AddOnCondition = {
  /** The tenant's Entitlement grants the add-on's type (checked again after admission). */
  Entitled: 'Entitled',
  /** The current spec is approved: admission stamped who approved it at this generation. */
  Approved: 'Approved',
  /** What the add-on needs exists: the node pool reserved, the bucket verified WORM. */
  Provisioned: 'Provisioned',
  /** The add-on's guarantees hold: pool admission policies in place, archiving running. */
  Enforced: 'Enforced',
} as const;

export const AddOnReason = {
  /** Entitled=True. */
  Granted: 'Granted',
  /** The tenant's Entitlement does not list the add-on's type: ask the platform team (Stalled). */
  NotGranted: 'NotGranted',
  /** The tenant has no Entitlement at all: ask the platform team (Stalled). */
  NoEntitlement: 'NoEntitlement',
  /** Approved=True. */
  Approved: 'Approved',
  /** The settings wait for approval (none recorded): an owner sets spec.approval (Stalled). */
  NotApproved: 'NotApproved',
  /**
   * The spec changed after the recorded approval (approved before approvals were bound to a
   * generation, or admission was bypassed): approve it anew (Stalled).
   */
  ApprovalOutdated: 'ApprovalOutdated',
  /** Four eyes: the approver also asked for the settings; another owner must approve (Stalled). */
  SelfApproved: 'SelfApproved',
  /** The operator runs with this add-on type's feature switched off (Stalled). */
  FeatureDisabled: 'FeatureDisabled',
  /** This build of the operator has no handler for the type (Stalled). */
  NotImplemented: 'NotImplemented',
  /** The type's settings (spec.dedicatedCompute, spec.auditArchive) are missing. */
  MissingSettings: 'MissingSettings',
  /** Provisioned=True for a pool: the nodes are reserved. */
  NodesReserved: 'NodesReserved',
  /** Too few free candidate nodes for the pool; no node was changed. */
  InsufficientNodes: 'InsufficientNodes',
  /** Pool nodes are not Ready and no free candidate can replace them yet. */
  NodesNotReady: 'NodesNotReady',
  /**
   * Pods of other tenants still run on pool nodes and are being evicted (Eviction API); the
   * message counts them per node. Their names are in the Node's Events, not here.
   */
  EvictingPods: 'EvictingPods',
  /**
   * An eviction from a pool node was refused (a PodDisruptionBudget allows no disruption now)
   * or failed; it is retried with backoff. The pod's owners can allow it; the Node's Events
   * name the pod and the budget.
   */
  EvictionRefused: 'EvictionRefused',
  /** Enforced=True for a pool: pods are pinned to it at admission. */
  AdmissionPolicies: 'AdmissionPolicies',
  /** The previous pool stays in force while a larger one can't be reserved. */
  PreviousPool: 'PreviousPool',
  /** The cluster-wide pool admission policies or bindings are missing: reinstall them. */
  PoliciesMissing: 'PoliciesMissing',
  /**
   * The archive's endpoint is not one the operator calls on a tenant's behalf: not https, or a
   * loopback, link-local (cloud metadata), private or cluster-internal address the platform has
   * not allowed (`tenantry run --archive-allow-http`, `--archive-endpoint-allow`).
   */
  EndpointNotAllowed: 'EndpointNotAllowed',
  /** Provisioned=True for an archive: the bucket is WORM. */
  BucketVerified: 'BucketVerified',
  /** Enforced=True for an archive: evidence is being archived. */
  Archiving: 'Archiving',
} as const;

/** AddOn reasons that need a change from a person, not time: they make the AddOn Stalled. */
export const ADDON_STALLING_REASONS: ReadonlySet<string> = new Set([
  AddOnReason.NoEntitlement,
  AddOnReason.NotGranted,
  AddOnReason.NotApproved,
  AddOnReason.ApprovalOutdated,
  AddOnReason.SelfApproved,
  AddOnReason.FeatureDisabled,
  AddOnReason.NotImplemented,
]);

/** Conditions of an Entitlement besides Ready, Reconciling and Stalled. */
export const EntitlementCondition = {
  /** Every add-on of the tenant is granted and within quota (admission's verdict, checked again). */
  Entitled: 'Entitled',
  /** Usage is metered up to the watermark, and the period's report is priced and signed. */
  Metered: 'Metered',
} as const;

export const EntitlementReason = {
  /** Entitled=True. */
  WithinEntitlement: 'WithinEntitlement',
  /** Add-ons exist that the Entitlement does not allow (e.g. it was narrowed later) (Stalled). */
  NotEntitled: 'NotEntitled',
  /** Metered=True. */
  UpToDate: 'UpToDate',
  /** A metered SKU has no price in spec.prices: the period's report can't be priced. */
  PriceMissing: 'PriceMissing',
  /**
   * The price list now prices windows already in a signed report differently (a past price was
   * changed behind admission's back): the report is not signed again; restore the price.
   */
  PriceChanged: 'PriceChanged',
  /** A metering source (an archive bucket) can't be read; the watermark waits for it. */
  SourceUnavailable: 'SourceUnavailable',
  /**
   * The stored ledger does not verify (a seal, the chain between days, or a deleted day): the
   * message names the ConfigMap and the first record. Nothing is metered on or signed until it
   * is restored.
   */
  LedgerTampered: 'LedgerTampered',
} as const;

/** Conditions of a DistributionBundle besides Ready, Reconciling and Stalled. */
export const DistributionBundleCondition = {
  /** The admission bindings that apply the bundle's region defaults and presets are in place. */
  Enforced: 'Enforced',
  /** The validation suite's latest run of this bundle passed (True), warned (True) or failed. */
  Validated: 'Validated',
} as const;

export const DistributionBundleReason = {
  /** Enforced=True. */
  Enforced: 'Enforced',
  /** A binding of the bundle policies is missing: new Tenants get no defaults; reinstall the pack. */
  AdmissionPolicyMissing: 'AdmissionPolicyMissing',
  /** Validated=True: every check passed. */
  Passed: 'Passed',
  /** Validated=True with warnings: the results say which checks warned and what to do. */
  Warned: 'Warned',
  /** Validated=False: a check failed; status.results has its remediation. */
  Failed: 'Failed',
  /** Validated=Unknown: the suite has not run against this bundle (`tenantry validate`). */
  NotValidated: 'NotValidated',
  /** Validated=Unknown: the run the suite left is not one the operator can read; run it again. */
  RunUnreadable: 'RunUnreadable',
  /** Validated=Unknown: the bundle changed and its validation Job is running; its run follows. */
  ValidationRunning: 'ValidationRunning',
  /**
   * Validated=False: the validation Job failed before its run reached the results ConfigMap;
   * `kubectl logs job/<name>` says why.
   */
  ValidationJobFailed: 'ValidationJobFailed',
  /**
   * Validated=Unknown: the bundle changed but the operator cannot run the suite itself (no
   * image (its Pod's, or TENANTRY_IMAGE), or no tenantry-validation ServiceAccount); run `tenantry validate`.
   */
  ValidationJobDisabled: 'ValidationJobDisabled',
} as const;

/** Reasons of the Events Tenantry records for nudges to a tenant's admins. */
export const NudgeReason = {
  /** A nudge to the tenant's owners: the message says what to do and how. */
  Nudge: 'Nudge',
} as const;
