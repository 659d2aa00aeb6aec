import { ENTITLEMENT_POLICY } from '../admission/addon-policies.ts';
import { CLUSTERROLE_TENANT_OWNER, CLUSTERROLE_TENANT_SYSTEM } from '../api/names.ts';
import type { AnyObject } from '../runtime/kube/object.ts';
import { TENANT_API_GROUP, TENANT_API_RESOURCES, TENANT_API_SERVICE_NAME } from '../tenantapi/names.ts';

export const OPERATOR_NAME = 'tenantry';
/**
 * Read-only access to what an audit needs in a tenant's system namespace. The platform binds it
 * (a RoleBinding in `<tenant>-system`); tenant owners cannot grant roles there.
 */
export const CLUSTERROLE_TENANT_AUDITOR = 'tenantry:tenant-auditor';
export const DEFAULT_NAMESPACE = 'tenantry-system';
/** The identity the validation suite's Job runs as (operator/install/validation.ts makes it). */
export const VALIDATION_SERVICE_ACCOUNT = 'tenantry-validation';

const rbac = 'rbac.authorization.k8s.io';
const rw = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete'];
const read = ['get', 'list', 'watch'];
/**
 * What owners may do to their workloads: named verbs, never `*`, which would include
 * `escalate`, `bind` and `impersonate` (on roles, rolebindings and serviceaccounts). Without
 * those, RBAC itself lets an owner grant others only what she holds.
 */
const manage = ['get', 'list', 'watch', 'create', 'update', 'patch', 'delete', 'deletecollection'];

/**
 * The operator's permissions, and nothing more: what it reconciles, what tenants own, and
 * `bind` on exactly the two tenant ClusterRoles (so it can grant them without holding
 * every permission they contain). Namespace-local needs (its Lease, keys, receipts) are
 * in a Role in its own namespace, not cluster-wide.
 */
export function operatorClusterRole(): AnyObject {
  return {
    apiVersion: `${rbac}/v1`,
    kind: 'ClusterRole',
    metadata: { name: 'tenantry:operator', labels: { 'app.kubernetes.io/name': OPERATOR_NAME } },
    rules: [
      {
        apiGroups: ['tenantry.dev'],
        resources: ['tenants', 'entitlements', 'addons', 'distributionbundles', 'upgradeplans'],
        verbs: ['get', 'list', 'watch', 'update', 'patch'],
      },
      {
        apiGroups: ['tenantry.dev'],
        resources: [
          'tenants/status',
          'entitlements/status',
          'addons/status',
          'distributionbundles/status',
          'upgradeplans/status',
          'tenants/finalizers',
          'addons/finalizers',
          'entitlements/finalizers',
        ],
        verbs: ['get', 'update', 'patch'],
      },
      { apiGroups: [''], resources: ['namespaces', 'resourcequotas', 'limitranges'], verbs: rw },
      // Per-tenant bindings that make each Entitlement the parameter of the add-on policy.
      {
        apiGroups: ['admissionregistration.k8s.io'],
        resources: ['validatingadmissionpolicybindings'],
        verbs: rw,
      },
      // The API server lets a binding name a parameter only if its author can read the policy.
      {
        apiGroups: ['admissionregistration.k8s.io'],
        resources: ['validatingadmissionpolicies'],
        verbs: ['get'],
        resourceNames: [ENTITLEMENT_POLICY],
      },
      // Enforced=True only when the pool policies' bindings are in place.
      {
        apiGroups: ['admissionregistration.k8s.io'],
        resources: ['mutatingadmissionpolicybindings'],
        verbs: ['get'],
      },
      // Dedicated pools: the operator labels and taints the nodes it reserves (and only it may).
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch', 'patch'] },
      // ...and moves other tenants' pods off them: it lists the pods of a node (by field
      // selector spec.nodeName; RBAC cannot narrow a list to it, so this reads every pod, no
      // watch, no get) and evicts them through the Eviction API, which honours
      // PodDisruptionBudgets. No pod delete, update or create.
      { apiGroups: [''], resources: ['pods'], verbs: ['list'] },
      { apiGroups: [''], resources: ['pods/eviction'], verbs: ['create'] },
      { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: rw },
      { apiGroups: [rbac], resources: ['rolebindings'], verbs: rw },
      {
        apiGroups: [rbac],
        resources: ['clusterroles'],
        verbs: ['bind'],
        resourceNames: [CLUSTERROLE_TENANT_OWNER, CLUSTERROLE_TENANT_SYSTEM],
      },
      // Events: recorded, and read back by the audit archive.
      { apiGroups: [''], resources: ['events'], verbs: ['create', 'patch', 'list'] },
      { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: ['create', 'patch'] },
      // Receipts are immutable ConfigMaps in tenants' system namespaces: create, read back and
      // list for the audit archive; never update or delete. (The growth log and nudge
      // preferences are watched in the operator's namespace only, by its Role.)
      { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'create'] },
      // Identity provider client secrets and SCIM tokens, read by name only (no list/watch).
      { apiGroups: [''], resources: ['secrets'], verbs: ['get'] },
      // With --tenant-api-self-signed the operator keeps the tenant API's caBundle equal to
      // its own CA: that one APIService, read and patched by name, never created or deleted.
      {
        apiGroups: ['apiregistration.k8s.io'],
        resources: ['apiservices'],
        verbs: ['get', 'patch'],
        resourceNames: [TENANT_API_SERVICE_NAME],
      },
    ],
  };
}

export function operatorRole(namespace: string): AnyObject {
  return {
    apiVersion: `${rbac}/v1`,
    kind: 'Role',
    metadata: { name: 'tenantry:operator', namespace, labels: { 'app.kubernetes.io/name': OPERATOR_NAME } },
    rules: [
      {
        apiGroups: ['coordination.k8s.io'],
        resources: ['leases'],
        verbs: ['get', 'list', 'watch', 'create', 'update'],
      },
      { apiGroups: [''], resources: ['configmaps', 'secrets'], verbs: rw },
      // The DistributionBundle controller runs the validation suite as a Job here when a
      // bundle changes (never cluster-wide), after checking the Job's ServiceAccount exists.
      { apiGroups: ['batch'], resources: ['jobs'], verbs: ['get', 'list', 'watch', 'create', 'delete'] },
      {
        apiGroups: [''],
        resources: ['serviceaccounts'],
        verbs: ['get'],
        resourceNames: [VALIDATION_SERVICE_ACCOUNT],
      },
    ],
  };
}

/**
 * What a tenant owner may do in the tenant's workload namespaces: run and manage workloads and
 * delegate that inside the namespace, but only read the namespace itself and the quota, limit
 * range and network policies its policy profile sets. Admission guards those for anyone else
 * who might be granted more (operator/admission/guard-policies.ts).
 */
export function tenantOwnerClusterRole(): AnyObject {
  return {
    apiVersion: `${rbac}/v1`,
    kind: 'ClusterRole',
    metadata: { name: CLUSTERROLE_TENANT_OWNER, labels: { 'app.kubernetes.io/name': OPERATOR_NAME } },
    rules: [
      { apiGroups: [''], resources: ['pods/log'], verbs: ['get'] },
      {
        apiGroups: [''],
        resources: ['pods/exec', 'pods/portforward', 'pods/attach'],
        verbs: ['get', 'create'],
      },
      {
        apiGroups: [''],
        resources: [
          'pods',
          'services',
          'endpoints',
          'configmaps',
          'secrets',
          'persistentvolumeclaims',
          'serviceaccounts',
          'replicationcontrollers',
        ],
        verbs: manage,
      },
      {
        apiGroups: ['apps'],
        resources: ['deployments', 'statefulsets', 'daemonsets', 'replicasets'],
        verbs: manage,
      },
      {
        apiGroups: ['apps'],
        resources: ['deployments/scale', 'statefulsets/scale'],
        verbs: ['get', 'update', 'patch'],
      },
      { apiGroups: ['batch'], resources: ['jobs', 'cronjobs'], verbs: manage },
      { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: manage },
      { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: manage },
      { apiGroups: ['networking.k8s.io'], resources: ['ingresses'], verbs: manage },
      // Delegation inside the namespace: no escalate or bind, so only what she holds herself.
      { apiGroups: [rbac], resources: ['roles', 'rolebindings'], verbs: manage },
      { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: read },
      { apiGroups: [''], resources: ['resourcequotas', 'limitranges', 'events', 'namespaces'], verbs: read },
      { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: read },
    ],
  };
}

/**
 * What a tenant owner may do in the tenant's system namespace: ask for add-ons, keep IdP
 * secrets, read receipts, and use the tenant API (export evidence, view usage, set nudge
 * preferences), whose every request is a SubjectAccessReview against exactly these rules.
 */
export function tenantSystemClusterRole(): AnyObject {
  return {
    apiVersion: `${rbac}/v1`,
    kind: 'ClusterRole',
    metadata: { name: CLUSTERROLE_TENANT_SYSTEM, labels: { 'app.kubernetes.io/name': OPERATOR_NAME } },
    rules: [
      { apiGroups: ['tenantry.dev'], resources: ['addons'], verbs: rw },
      // The identity provider's client secret and SCIM token live here.
      { apiGroups: [''], resources: ['secrets'], verbs: rw },
      // Receipts and evidence: readable, never writable by the tenant.
      { apiGroups: [''], resources: ['configmaps', 'events', 'resourcequotas', 'namespaces'], verbs: read },
      { apiGroups: ['events.k8s.io'], resources: ['events'], verbs: read },
      ...Object.values(TENANT_API_RESOURCES).map((r) => ({
        apiGroups: [TENANT_API_GROUP],
        resources: [r.name],
        verbs: [...r.verbs],
      })),
    ],
  };
}

/**
 * What an auditor of a tenant may do in its system namespace: read receipts, evidence, ledger
 * and invoice copies (ConfigMaps) and the add-ons with their approvals. No Events (nudges to
 * the tenant's admins are Events there), no Secrets, no writes.
 */
export function tenantAuditorClusterRole(): AnyObject {
  return {
    apiVersion: `${rbac}/v1`,
    kind: 'ClusterRole',
    metadata: { name: CLUSTERROLE_TENANT_AUDITOR, labels: { 'app.kubernetes.io/name': OPERATOR_NAME } },
    rules: [
      { apiGroups: [''], resources: ['configmaps'], verbs: read },
      { apiGroups: ['tenantry.dev'], resources: ['addons'], verbs: read },
    ],
  };
}

/** Everything the operator needs besides the CRDs, for a ServiceAccount in `namespace`. */
export function operatorRbac(namespace: string, serviceAccount = OPERATOR_NAME): AnyObject[] {
  const subject = { kind: 'ServiceAccount', name: serviceAccount, namespace };
  const labels = { 'app.kubernetes.io/name': OPERATOR_NAME };
  return [
    { apiVersion: 'v1', kind: 'Namespace', metadata: { name: namespace, labels } },
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: serviceAccount, namespace, labels } },
    operatorClusterRole(),
    tenantOwnerClusterRole(),
    tenantSystemClusterRole(),
    tenantAuditorClusterRole(),
    {
      apiVersion: `${rbac}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: { name: 'tenantry:operator', labels },
      roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: 'tenantry:operator' },
      subjects: [subject],
    },
    operatorRole(namespace),
    // Public keys are public: anyone authenticated may fetch them to verify evidence.
    {
      apiVersion: `${rbac}/v1`,
      kind: 'Role',
      metadata: { name: 'tenantry:public-keys-reader', namespace, labels },
      rules: [
        {
          apiGroups: [''],
          resources: ['configmaps'],
          verbs: ['get'],
          resourceNames: ['tenantry-public-keys'],
        },
      ],
    },
    {
      apiVersion: `${rbac}/v1`,
      kind: 'RoleBinding',
      metadata: { name: 'tenantry:public-keys-reader', namespace, labels },
      roleRef: { apiGroup: rbac, kind: 'Role', name: 'tenantry:public-keys-reader' },
      subjects: [{ apiGroup: rbac, kind: 'Group', name: 'system:authenticated' }],
    },
    {
      apiVersion: `${rbac}/v1`,
      kind: 'RoleBinding',
      metadata: { name: 'tenantry:operator', namespace, labels },
      roleRef: { apiGroup: rbac, kind: 'Role', name: 'tenantry:operator' },
      subjects: [subject],
    },
  ];
}
