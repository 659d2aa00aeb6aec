import {
  ANNOTATION_RESERVED_SINCE,
  GROUP_PLATFORM_ADMINS,
  LABEL_NODE_AGENTS,
  LABEL_POOL,
  LABEL_POOL_NAMESPACE,
  LABEL_POOL_RESTRICTED,
  LABEL_TENANT,
  TAINT_POOL,
} from '../api/names.ts';
import type { AnyObject } from '../runtime/kube/object.ts';
import { DENY_AND_AUDIT } from './denials.ts';

/**
 * Native admission for DedicatedCompute pools. The pool is a set of nodes the operator
 * labels and taints for one tenant; these policies make the API server itself keep the
 * tenant's pods on the pool and everyone else's off it:
 * - a mutating policy pins new pods in pool namespaces to the pool (selector + toleration),
 *   so tenants need not change their manifests;
 * - a validating policy on tenant pods refuses the ways around it (spec.nodeName, wildcard
 *   tolerations, another tenant's toleration, a pool pod that does not select its pool);
 * - a validating policy on pods outside tenant namespaces refuses pool tolerations;
 * - a validating policy on placement (pods/binding, and pods created with spec.nodeName, which
 *   skip the scheduler and so the taint) keeps other pods off pool nodes and pool pods on them;
 * - a validating policy on nodes lets only the operator change pool labels and taints, through
 *   every subresource (nodes/status writes metadata too);
 * - a validating policy on namespaces lets only platform admins set the labels that exempt a
 *   namespace from the pool policies (node agents) or put it in a pool.
 * Other pod writes cannot move a pod: nodeName is set once (CREATE or pods/binding),
 * nodeSelector is immutable, tolerations can only be added by an UPDATE of the pod (both pod
 * policies check UPDATE), and pods/status, pods/ephemeralcontainers and pods/resize keep the
 * spec's placement fields as they are.
 */

export const POOL_TENANT_PODS = 'tenantry.dev-pool-tenant-pods';
export const POOL_OTHER_PODS = 'tenantry.dev-pool-other-pods';
export const POOL_NODES = 'tenantry.dev-pool-nodes';
export const POOL_PIN = 'tenantry.dev-pool-pin';
export const POOL_PLACEMENT = 'tenantry.dev-pool-placement';
/** Second binding of POOL_PLACEMENT: pods of pool namespaces against the nodes outside any pool. */
export const POOL_PLACEMENT_POOLED = 'tenantry.dev-pool-placement-pooled';
export const POOL_NAMESPACE_LABELS = 'tenantry.dev-pool-namespace-labels';
/**
 * Members of this group (besides system:masters and the operator) may set the node-agents and
 * dedicated-pool labels on namespaces. Override with staticPoolAdmission's platformAdminGroup.
 */
export const DEFAULT_PLATFORM_ADMIN_GROUP = GROUP_PLATFORM_ADMINS;

const ADMISSION = 'admissionregistration.k8s.io/v1';
const labels = { 'app.kubernetes.io/name': 'tenantry' };

const podRules = (operations: string[], resources = ['pods']) => [
  { apiGroups: [''], apiVersions: ['v1'], operations, resources },
];

/** The pool labels and taint a node carries when reserved for the tenant. */
export function poolNodeLabels(tenant: string): Record<string, string> {
  return { [LABEL_POOL]: tenant, [LABEL_POOL_RESTRICTED]: tenant };
}
export function poolTaint(tenant: string): { key: string; value: string; effect: 'NoSchedule' } {
  return { key: TAINT_POOL, value: tenant, effect: 'NoSchedule' };
}

/** CEL: the value of a label of `obj` (an object variable such as object or params), '' when absent. */
const labelOf = (obj: string, key: string) =>
  `(has(${obj}.metadata.labels) && '${key}' in ${obj}.metadata.labels ? ${obj}.metadata.labels['${key}'] : '')`;
const nsLabel = (key: string) => labelOf('namespaceObject', key);
const operatorUser = (namespace: string) => `system:serviceaccount:${namespace}:tenantry`;

/** A ValidatingAdmissionPolicy of the pools; a failing check refuses the request. */
function validatingPolicy(name: string, spec: Record<string, unknown>): AnyObject {
  return {
    apiVersion: ADMISSION,
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name, labels },
    spec: { failurePolicy: 'Fail', ...spec },
  };
}

/** Creates and updates of a core resource through every path, its subresources included. */
const everyWrite = (resource: string) => ({
  resourceRules: [
    {
      apiGroups: [''],
      apiVersions: ['v1'],
      operations: ['CREATE', 'UPDATE'],
      resources: [resource, `${resource}/*`],
    },
  ],
});
const notTheOperator = (namespace: string) => ({
  name: 'not-the-operator',
  expression: `request.userInfo.username != '${operatorUser(namespace)}'`,
});

/** (a) Pods in tenant namespaces. */
function tenantPodsPolicy(): AnyObject {
  const sel = `(has(object.spec.nodeSelector) && '${LABEL_POOL_RESTRICTED}' in object.spec.nodeSelector ? object.spec.nodeSelector['${LABEL_POOL_RESTRICTED}'] : '')`;
  return validatingPolicy(POOL_TENANT_PODS, {
    matchConstraints: { resourceRules: podRules(['CREATE', 'UPDATE']) },
    variables: [
      { name: 'tenant', expression: nsLabel(LABEL_TENANT) },
      { name: 'pooled', expression: `${nsLabel(LABEL_POOL_NAMESPACE)} == 'true'` },
      { name: 'tolerations', expression: 'has(object.spec.tolerations) ? object.spec.tolerations : []' },
      { name: 'selected', expression: sel },
    ],
    validations: [
      {
        expression:
          "request.operation != 'CREATE' || !has(object.spec.nodeName) || object.spec.nodeName == ''",
        message: 'spec.nodeName cannot be set in a tenant namespace: the scheduler places pods',
        reason: 'Forbidden',
      },
      {
        // An empty key is only valid with operator Exists: it tolerates every taint.
        expression: "variables.tolerations.all(t, has(t.key) && t.key != '')",
        message: 'a toleration without a key (tolerate every taint) is not allowed in a tenant namespace',
        reason: 'Forbidden',
      },
      {
        expression: `variables.tolerations.all(t, !has(t.key) || t.key != '${TAINT_POOL}' || ((!has(t.operator) || t.operator == 'Equal') && has(t.value) && t.value == variables.tenant))`,
        messageExpression: `'a toleration of ${TAINT_POOL} must be for this tenant\\'s own pool (operator Equal, value ' + variables.tenant + ')'`,
        reason: 'Forbidden',
      },
      {
        expression: "variables.selected == '' || variables.selected == variables.tenant",
        messageExpression: `'spec.nodeSelector[${LABEL_POOL_RESTRICTED}]: ' + variables.selected + ' is another tenant\\'s pool'`,
        reason: 'Forbidden',
      },
      {
        // CREATE only: nodeSelector is immutable, and pods made before the namespace joined
        // the pool must stay updatable (finalizers, labels) until they are replaced.
        expression:
          "request.operation != 'CREATE' || !variables.pooled || variables.selected == variables.tenant",
        messageExpression: `'pods in this namespace run on the tenant\\'s dedicated nodes: set spec.nodeSelector[${LABEL_POOL_RESTRICTED}] to ' + variables.tenant`,
        reason: 'Forbidden',
      },
    ],
  });
}

/**
 * (b) Pods outside tenant namespaces may not tolerate the pool taint, nor every taint.
 * kube-system is excluded: its DaemonSets (kube-proxy, CNI) legitimately tolerate
 * everything, and who can create pods there is cluster-admin already. Namespaces labelled
 * tenantry.dev/node-agents=true (set by a cluster admin) are excluded for the same reason.
 */
function otherPodsPolicy(): AnyObject {
  return validatingPolicy(POOL_OTHER_PODS, {
    matchConstraints: { resourceRules: podRules(['CREATE', 'UPDATE']) },
    variables: [
      { name: 'tolerations', expression: 'has(object.spec.tolerations) ? object.spec.tolerations : []' },
    ],
    validations: [
      {
        expression: `variables.tolerations.all(t, has(t.key) && t.key != '' && t.key != '${TAINT_POOL}')`,
        message: `tolerating ${TAINT_POOL} (dedicated tenant nodes) or every taint is not allowed outside kube-system; label the namespace ${LABEL_NODE_AGENTS}=true for node agents`,
        reason: 'Forbidden',
      },
    ],
  });
}

/**
 * (c) Pool labels and taints on nodes change only through the operator, whatever the path:
 * an update of nodes/status keeps the spec but writes labels and annotations, so the policy
 * matches every subresource. Kubelets' status updates keep the pool fields equal and pass.
 */
function nodesPolicy(namespace: string): AnyObject {
  const since = (obj: string) =>
    `(has(${obj}.metadata.annotations) && '${ANNOTATION_RESERVED_SINCE}' in ${obj}.metadata.annotations ? ${obj}.metadata.annotations['${ANNOTATION_RESERVED_SINCE}'] : '')`;
  const taints = (obj: string) =>
    `(has(${obj}.spec.taints) ? ${obj}.spec.taints.filter(t, t.key == '${TAINT_POOL}').map(t, (has(t.value) ? t.value : '') + ':' + t.effect) : [])`;
  return validatingPolicy(POOL_NODES, {
    matchConstraints: everyWrite('nodes'),
    matchConditions: [notTheOperator(namespace)],
    variables: [
      {
        name: 'pool',
        expression: `[${labelOf('object', LABEL_POOL)}, ${labelOf('object', LABEL_POOL_RESTRICTED)}, ${since('object')}]`,
      },
      {
        name: 'oldPool',
        expression: `request.operation == 'CREATE' ? ['', '', ''] : [${labelOf('oldObject', LABEL_POOL)}, ${labelOf('oldObject', LABEL_POOL_RESTRICTED)}, ${since('oldObject')}]`,
      },
      { name: 'taints', expression: taints('object') },
      {
        name: 'oldTaints',
        expression: `request.operation == 'CREATE' ? [] : ${taints('oldObject')}`,
      },
    ],
    validations: [
      {
        expression: 'variables.pool == variables.oldPool',
        message: `the ${LABEL_POOL} and ${LABEL_POOL_RESTRICTED} labels and the ${ANNOTATION_RESERVED_SINCE} annotation of a node are managed by Tenantry (DedicatedCompute add-ons); change the add-on instead`,
        reason: 'Forbidden',
      },
      {
        expression: 'variables.taints == variables.oldTaints',
        message: `the ${TAINT_POOL} taint of a node is managed by Tenantry (DedicatedCompute add-ons); change the add-on instead`,
        reason: 'Forbidden',
      },
    ],
  });
}

/**
 * (d) New pods in pool namespaces are pinned to the tenant's pool by JSON patches: the
 * selector key is added to (or replaces the value in) spec.nodeSelector, other keys stay;
 * the toleration is appended unless the pod already has it. Both fields are atomic, which
 * an apply configuration may not mutate.
 */
function pinPolicy(): AnyObject {
  const tenant = nsLabel(LABEL_TENANT);
  const toleration = `Object.spec.tolerations{key: '${TAINT_POOL}', operator: 'Equal', value: ${tenant}, effect: 'NoSchedule'}`;
  const hasOwn = `(has(object.spec.tolerations) && object.spec.tolerations.exists(t, has(t.key) && t.key == '${TAINT_POOL}' && has(t.value) && t.value == ${tenant} && (!has(t.operator) || t.operator == 'Equal') && (!has(t.effect) || t.effect == 'NoSchedule')))`;
  return {
    apiVersion: ADMISSION,
    kind: 'MutatingAdmissionPolicy',
    metadata: { name: POOL_PIN, labels },
    spec: {
      failurePolicy: 'Fail',
      reinvocationPolicy: 'Never',
      matchConstraints: { resourceRules: podRules(['CREATE']) },
      // No matchCondition on the namespace: namespaceObject is not populated for matchConditions
      // (the API server reports `no such key: metadata`); the binding selects tenant namespaces.
      mutations: [
        {
          // nodeSelector is an atomic map: an apply configuration may not change it
          // ("may not mutate atomic arrays, maps or structs"), a JSON patch may.
          patchType: 'JSONPatch',
          jsonPatch: {
            expression: `has(object.spec.nodeSelector) ? [JSONPatch{op: 'add', path: '/spec/nodeSelector/${LABEL_POOL_RESTRICTED.replace('/', '~1')}', value: ${tenant}}] : [JSONPatch{op: 'add', path: '/spec/nodeSelector', value: {'${LABEL_POOL_RESTRICTED}': ${tenant}}}]`,
          },
        },
        {
          patchType: 'JSONPatch',
          jsonPatch: {
            expression: `${hasOwn} ? [] : has(object.spec.tolerations) ? [JSONPatch{op: 'add', path: '/spec/tolerations/-', value: ${toleration}}] : [JSONPatch{op: 'add', path: '/spec/tolerations', value: [${toleration}]}]`,
          },
        },
      ],
    },
  };
}

/**
 * (e) Placement: pods/binding (what the scheduler, or anyone with that right, uses) and pods
 * created with spec.nodeName name a node directly, past the taint. The policy takes Nodes as
 * its parameters, so it sees the target's pool label: each binding of it selects a set of
 * nodes, and the request must pass against every one (the target is one of them or none).
 * - POOL_PLACEMENT, all namespaces, against the pool nodes: only the pool tenant's pods and
 *   node agents (kube-system, non-tenant namespaces labelled node-agents) go there.
 * - POOL_PLACEMENT_POOLED, pool namespaces only, against the nodes outside any pool: their
 *   pods go nowhere else. Limited to pool namespaces since it costs one check per node.
 */
function placementPolicy(): AnyObject {
  const binding = "(has(request.subResource) && request.subResource == 'binding')";
  return validatingPolicy(POOL_PLACEMENT, {
    paramKind: { apiVersion: 'v1', kind: 'Node' },
    matchConstraints: { resourceRules: podRules(['CREATE'], ['pods', 'pods/binding']) },
    matchConditions: [
      {
        name: 'names-a-node',
        expression: `${binding} || (has(object.spec) && has(object.spec.nodeName) && object.spec.nodeName != '')`,
      },
    ],
    variables: [
      { name: 'target', expression: `${binding} ? object.target.name : object.spec.nodeName` },
      { name: 'field', expression: `${binding} ? 'pods/binding target.name' : 'spec.nodeName'` },
      { name: 'tenant', expression: nsLabel(LABEL_TENANT) },
      {
        // Tenant namespaces may not set spec.nodeName at all (POOL_TENANT_PODS says so, once).
        name: 'here',
        expression: `variables.target == params.metadata.name && (${binding} || variables.tenant == '')`,
      },
      { name: 'nodeTenant', expression: labelOf('params', LABEL_POOL_RESTRICTED) },
      {
        name: 'pooled',
        expression: `variables.tenant != '' && ${nsLabel(LABEL_POOL_NAMESPACE)} == 'true'`,
      },
      {
        // A tenant namespace is never a node agent, whatever its labels say.
        name: 'agent',
        expression: `namespaceObject.metadata.name == 'kube-system' || (variables.tenant == '' && ${nsLabel(LABEL_NODE_AGENTS)} == 'true')`,
      },
    ],
    validations: [
      {
        expression:
          "!variables.here || variables.nodeTenant == '' || variables.agent || variables.tenant == variables.nodeTenant",
        // The pool's tenant is not named: the requester may be another tenant.
        messageExpression:
          "variables.field + ': node ' + variables.target + ' is reserved as another tenant\\'s dedicated compute; pods of namespace ' + namespaceObject.metadata.name + ' cannot run on it'",
        reason: 'Forbidden',
      },
      {
        expression: '!variables.here || !variables.pooled || variables.nodeTenant == variables.tenant',
        messageExpression:
          "variables.field + ': node ' + variables.target + ' is not in the dedicated pool of tenant ' + variables.tenant + '; pods of namespace ' + namespaceObject.metadata.name + ' run only on its nodes'",
        reason: 'Forbidden',
      },
    ],
  });
}

/**
 * (f) The namespace labels that decide what the pool policies let through: node-agents exempts
 * a namespace's pods from them, dedicated-pool pins its pods to the tenant's pool. Only the
 * operator, system:masters and the platform-admin group may set, change or remove them, on
 * every path that writes namespace metadata (namespaces/status and /finalize do too). Other
 * namespace labels are left to the general namespace guard.
 */
function namespaceLabelsPolicy(namespace: string, platformAdminGroup: string): AnyObject {
  // The group is spliced into CEL string literals.
  if (!/^[\w.:@/-]+$/.test(platformAdminGroup)) {
    throw new Error(`platformAdminGroup: ${JSON.stringify(platformAdminGroup)} is not a plain group name`);
  }
  const guarded = [
    { key: LABEL_NODE_AGENTS, why: 'it exempts the pods of the namespace from dedicated-pool isolation' },
    { key: LABEL_POOL_NAMESPACE, why: 'it decides whether the pods of the namespace run on dedicated nodes' },
  ];
  const old = (key: string) => `(request.operation == 'CREATE' ? '' : ${labelOf('oldObject', key)})`;
  return validatingPolicy(POOL_NAMESPACE_LABELS, {
    matchConstraints: everyWrite('namespaces'),
    matchConditions: [
      notTheOperator(namespace),
      {
        name: 'not-a-platform-admin',
        expression: `!has(request.userInfo.groups) || !request.userInfo.groups.exists(g, g == 'system:masters' || g == '${platformAdminGroup}')`,
      },
    ],
    validations: guarded.map(({ key, why }) => ({
      expression: `${labelOf('object', key)} == ${old(key)}`,
      messageExpression: `'metadata.labels[${key}]: ' + (${labelOf('object', key)} == '' ? 'removing "' + ${old(key)} + '"' : '"' + ${labelOf('object', key)} + '"') + ' is for platform admins only (system:masters or group ${platformAdminGroup}): ${why}'`,
      reason: 'Forbidden',
    })),
  });
}

const tenantNamespaces = { matchExpressions: [{ key: LABEL_TENANT, operator: 'Exists' }] };

/**
 * The cluster-wide pool policies and their bindings, installed once with the CRDs. They are
 * inert until a DedicatedCompute add-on labels nodes and namespaces. `namespace` is the
 * operator's namespace: its ServiceAccount `tenantry` is the only one that may change pool
 * labels and taints on nodes. Members of `platformAdminGroup` may set the namespace labels
 * the pools rely on (node-agents, dedicated-pool).
 */
export function staticPoolAdmission(
  namespace: string,
  opts: { platformAdminGroup?: string } = {},
): AnyObject[] {
  const vapBinding = (
    name: string,
    namespaceSelector: unknown,
    more: { policyName?: string; paramRef?: unknown } = {},
  ): AnyObject => ({
    apiVersion: ADMISSION,
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name, labels },
    spec: {
      policyName: more.policyName ?? name,
      validationActions: DENY_AND_AUDIT,
      ...(more.paramRef ? { paramRef: more.paramRef } : {}),
      matchResources: { namespaceSelector },
    },
  });
  // No pool node (or no node outside the pools) means nothing to check against.
  const nodes = (operator: 'Exists' | 'DoesNotExist') => ({
    selector: { matchExpressions: [{ key: LABEL_POOL_RESTRICTED, operator }] },
    parameterNotFoundAction: 'Allow',
  });
  return [
    pinPolicy(),
    {
      apiVersion: ADMISSION,
      kind: 'MutatingAdmissionPolicyBinding',
      metadata: { name: POOL_PIN, labels },
      spec: {
        policyName: POOL_PIN,
        matchResources: {
          namespaceSelector: {
            matchLabels: { [LABEL_POOL_NAMESPACE]: 'true' },
            matchExpressions: tenantNamespaces.matchExpressions,
          },
        },
      },
    },
    tenantPodsPolicy(),
    vapBinding(POOL_TENANT_PODS, tenantNamespaces),
    otherPodsPolicy(),
    vapBinding(POOL_OTHER_PODS, {
      matchExpressions: [
        { key: LABEL_TENANT, operator: 'DoesNotExist' },
        { key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: ['kube-system'] },
        { key: LABEL_NODE_AGENTS, operator: 'NotIn', values: ['true'] },
      ],
    }),
    nodesPolicy(namespace),
    // Nodes are cluster-scoped: an empty namespace selector matches them.
    vapBinding(POOL_NODES, {}),
    placementPolicy(),
    vapBinding(POOL_PLACEMENT, {}, { paramRef: nodes('Exists') }),
    vapBinding(
      POOL_PLACEMENT_POOLED,
      {
        matchLabels: { [LABEL_POOL_NAMESPACE]: 'true' },
        matchExpressions: tenantNamespaces.matchExpressions,
      },
      { policyName: POOL_PLACEMENT, paramRef: nodes('DoesNotExist') },
    ),
    namespaceLabelsPolicy(namespace, opts.platformAdminGroup ?? DEFAULT_PLATFORM_ADMIN_GROUP),
    // A namespace is matched by its own labels: an empty selector matches every namespace.
    vapBinding(POOL_NAMESPACE_LABELS, {}),
  ];
}
