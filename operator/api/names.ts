// Every label, annotation, taint and finalizer Tenantry sets, and the names of the objects
// several parts of Tenantry share. They are part of the API: admission policies,
// NetworkPolicies, the CLI and users' selectors rely on them, so they live in one place.

// --- Labels on the objects Tenantry manages -------------------------------------------------

export const LABEL_TENANT = 'tenantry.dev/tenant';
/** `system` for the tenant's system namespace, `workload` for the others. */
export const LABEL_NAMESPACE_ROLE = 'tenantry.dev/namespace-role';
export const LABEL_PROFILE = 'tenantry.dev/policy-profile';
export const LABEL_REGION = 'topology.kubernetes.io/region';
export const LABEL_MANAGED_BY = 'app.kubernetes.io/managed-by';
export const MANAGED_BY = 'tenantry';
/** Selects every object Tenantry manages; owned-object informers watch only these. */
export const MANAGED_SELECTOR = `${LABEL_MANAGED_BY}=${MANAGED_BY}`;
/** Set on a tenant's namespaces by the tenant controller when an Entitlement exists for it. */
export const LABEL_ENTITLEMENT = 'tenantry.dev/entitlement';

/**
 * Label keys a spec may not set on a namespace (admission refuses them in spec.namespaces;
 * desired state drops them as a second line): Tenantry's own, and the cluster's
 * (kubernetes.io, k8s.io and their subdomains: Pod Security, region), except app.kubernetes.io/
 * which is for applications, but for its managed-by label.
 */
export function isReservedLabel(key: string): boolean {
  const slash = key.indexOf('/');
  if (slash < 0) return false;
  const prefix = key.slice(0, slash);
  if (key === LABEL_MANAGED_BY) return true;
  if (prefix === 'tenantry.dev' || prefix === 'kubernetes.io' || prefix === 'k8s.io') return true;
  return (prefix.endsWith('.kubernetes.io') && prefix !== 'app.kubernetes.io') || prefix.endsWith('.k8s.io');
}

// --- Dedicated pools (nodes and namespaces) --------------------------------------------------

/** Node label: the tenant a node is reserved for. Informational; kubelets could set it. */
export const LABEL_POOL = 'tenantry.dev/dedicated-pool';
/**
 * Node label pods select. Kubelets cannot set labels under node-restriction.kubernetes.io/
 * (NodeRestriction admission), so a node cannot label itself into a tenant's pool.
 */
export const LABEL_POOL_RESTRICTED = 'node-restriction.kubernetes.io/tenantry-pool';
/** Namespace label (value `true`): the namespace's pods run on the tenant's pool. */
export const LABEL_POOL_NAMESPACE = 'tenantry.dev/dedicated-pool';
/** Taint key of pool nodes; the value is the tenant, the effect NoSchedule. */
export const TAINT_POOL = 'tenantry.dev/dedicated';
/** Node annotation: when the node was reserved for the tenant named by its pool label (metered). */
export const ANNOTATION_RESERVED_SINCE = 'tenantry.dev/reserved-since';
/**
 * Namespace label (value `true`) exempting a non-tenant namespace from the pool toleration
 * policy: for node agents (CNI, CSI, monitoring DaemonSets) that must run on every node.
 * Only who may label namespaces (cluster admins) can set it.
 */
export const LABEL_NODE_AGENTS = 'tenantry.dev/node-agents';

// --- Add-ons -------------------------------------------------------------------------------

// Stamped by admission from the authenticated request, never taken from the user: the
// add-on policies overwrite or remove what a request says and refuse any other change.

/** The user who created the add-on or last changed its settings (everything in spec but the approval). */
export const ANNOTATION_REQUESTED_BY = 'tenantry.dev/requested-by';
/** The user who gave the current spec.approval; absent while the settings wait for approval. */
export const ANNOTATION_APPROVED_BY = 'tenantry.dev/approved-by';
/** The metadata.generation the current approval was given at: a later spec is not approved. */
export const ANNOTATION_APPROVED_GENERATION = 'tenantry.dev/approved-generation';

// --- Evidence, ledger and invoices (ConfigMaps) ----------------------------------------------

/** Kind of signed evidence a ConfigMap holds: `receipt`, `invoice-report`, ... */
export const LABEL_EVIDENCE = 'tenantry.dev/evidence';
/** The onboarding step a receipt ConfigMap attests. */
export const LABEL_RECEIPT_STEP = 'tenantry.dev/receipt-step';
/** Key id of the key that signed a receipt. */
export const ANNOTATION_KEY_ID = 'tenantry.dev/key-id';
/** When a receipt was signed. */
export const ANNOTATION_SIGNED_AT = 'tenantry.dev/signed-at';
/** The partition (period) of a metering ledger ConfigMap. */
export const LABEL_LEDGER = 'tenantry.dev/ledger';
/** The period of a signed invoice report ConfigMap. */
export const LABEL_INVOICE = 'tenantry.dev/invoice';
/** The day of a tenant's durable growth log ConfigMap (events of the activation checklist, nudges, ...). */
export const LABEL_GROWTH_LOG = 'tenantry.dev/growth-log';
/** On a part of a tenant's growth log for a day: full, the day goes on in the next part. */
export const ANNOTATION_GROWTH_LOG_FULL = 'tenantry.dev/growth-log-full';
/** Marks a tenant's nudge preferences, set by its admins through the tenant API. */
export const LABEL_NUDGE_PREFERENCES = 'tenantry.dev/nudge-preferences';
/** Marks a tenant's journal of ended dedicated-node reservations (a metering source). */
export const LABEL_JOURNAL = 'tenantry.dev/journal';

/** A tenant's signed invoice report of a period (operator namespace; final ones also in the tenant's). */
export const reportConfigMapName = (tenant: string, period: string) => `tenantry-invoice-${tenant}-${period}`;
/** A closed day of a tenant's ledger, copied into its system namespace. */
export const ledgerMirrorName = (day: string) => `tenantry-ledger-${day}`;
/** Ended dedicated-node reservations of a tenant, journalled before the node is released. */
export const journalName = (tenant: string) => `tenantry-reservations-${tenant}`;

// --- Distribution bundles ------------------------------------------------------------------

/** The DistributionBundle each pack overlay installs (more may exist, scoped by spec.tenantSelector). */
export const DISTRIBUTION_BUNDLE_NAME = 'tenantry';
/**
 * The ConfigMap in the operator's namespace where the validation suite leaves a bundle's
 * latest run (key `run.json`); the DistributionBundle controller copies it into the status.
 */
export const validationRunConfigMapName = (bundle: string) => `tenantry-validation-${bundle}`;
/** Marks those ConfigMaps, so the controller watches only them. */
export const LABEL_VALIDATION_RUN = 'tenantry.dev/validation-run';

// --- Finalizers ----------------------------------------------------------------------------

export const TENANT_FINALIZER = 'tenantry.dev/tenant-cleanup';
export const ADDON_FINALIZER = 'tenantry.dev/addon-cleanup';
export const ENTITLEMENT_FINALIZER = 'tenantry.dev/entitlement-withdrawal';

// --- RBAC ----------------------------------------------------------------------------------

/** ClusterRoles the chart installs and the operator binds (it holds `bind` on exactly these). */
export const CLUSTERROLE_TENANT_OWNER = 'tenantry:tenant-owner';
export const CLUSTERROLE_TENANT_SYSTEM = 'tenantry:tenant-system';
/**
 * Members of this group (besides system:masters) may change what admission keeps from tenant
 * owners: tenant namespaces' guard-rail labels, the quota, LimitRange and NetworkPolicies
 * Tenantry made, and the node-agents exemption. Bind it to your platform team.
 */
export const GROUP_PLATFORM_ADMINS = 'tenantry:platform-admins';

// --- Tenant namespaces -----------------------------------------------------------------------

export const SYSTEM_NAMESPACE_SUFFIX = 'system';

export function systemNamespaceOf(tenant: string): string {
  return `${tenant}-${SYSTEM_NAMESPACE_SUFFIX}`;
}

/** The tenant whose system namespace `ns` is, if it is one by name. */
export function tenantOfSystemNamespace(ns: string | undefined): string | undefined {
  const suffix = `-${SYSTEM_NAMESPACE_SUFFIX}`;
  return ns?.endsWith(suffix) && ns.length > suffix.length ? ns.slice(0, -suffix.length) : undefined;
}
