import {
  ANNOTATION_RESERVED_SINCE,
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
 * - a validating policy on nodes lets only the operator change pool labels and taints.
 */

export const POOL_TENANT_PODS = 'tenantry.dev-pool-tenant-pods';
export const POOL_OTHER_PODS = 'tenantry.dev-pool-other-pods';
export const POOL_NODES = 'tenantry.dev-pool-nodes';
export const POOL_PIN = 'tenantry.dev-pool-pin';

const ADMISSION = 'admissionregistration.k8s.io/v1';
const labels = { 'app.kubernetes.io/name': 'tenantry' };

const podRules = (operations: string[]) => [
  { apiGroups: [''], apiVersions: ['v1'], operations, resources: ['pods'] },
];

/** The pool labels and taint a node carries when reserved for the tenant. */
export function poolNodeLabels(tenant: string): Record<string, string> {
  return { [LABEL_POOL]: tenant, [LABEL_POOL_RESTRICTED]: tenant };
}
export function poolTaint(tenant: string): { key: string; value: string; effect: 'NoSchedule' } {
  return { key: TAINT_POOL, value: tenant, effect: 'NoSchedule' };
}

const nsLabel = (key: string) =>
  `(has(namespaceObject.metadata.labels) && '${key}' in namespaceObject.metadata.labels ? namespaceObject.metadata.labels['${key}'] : '')`;

/** (a) Pods in tenant namespaces. */
function tenantPodsPolicy(): AnyObject {
  const sel = `(has(object.spec.nodeSelector) && '${LABEL_POOL_RESTRICTED}' in object.spec.nodeSelector ? object.spec.nodeSelector['${LABEL_POOL_RESTRICTED}'] : '')`;
  return {
    apiVersion: ADMISSION,
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: POOL_TENANT_PODS, labels },
    spec: {
      failurePolicy: 'Fail',
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
    },
  };
}

/**
 * (b) Pods outside tenant namespaces may not tolerate the pool taint, nor every taint.
 * kube-system is excluded: its DaemonSets (kube-proxy, CNI) legitimately tolerate
 * everything, and who can create pods there is cluster-admin already. Namespaces labelled
 * tenantry.dev/node-agents=true (set by a cluster admin) are excluded for the same reason.
 */
function otherPodsPolicy(): AnyObject {
  return {
    apiVersion: ADMISSION,
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: POOL_OTHER_PODS, labels },
    spec: {
      failurePolicy: 'Fail',
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
    },
  };
}

/**
 * (c) Pool labels and taints on nodes change only through the operator. Status updates go
 * through nodes/status, which this policy does not match, so kubelets are unaffected; a
 * kubelet's own metadata updates keep the pool fields equal and pass.
 */
function nodesPolicy(namespace: string): AnyObject {
  const operator = `system:serviceaccount:${namespace}:tenantry`;
  const label = (obj: string, key: string) =>
    `(has(${obj}.metadata.labels) && '${key}' in ${obj}.metadata.labels ? ${obj}.metadata.labels['${key}'] : '')`;
  const since = (obj: string) =>
    `(has(${obj}.metadata.annotations) && '${ANNOTATION_RESERVED_SINCE}' in ${obj}.metadata.annotations ? ${obj}.metadata.annotations['${ANNOTATION_RESERVED_SINCE}'] : '')`;
  const taints = (obj: string) =>
    `(has(${obj}.spec.taints) ? ${obj}.spec.taints.filter(t, t.key == '${TAINT_POOL}').map(t, (has(t.value) ? t.value : '') + ':' + t.effect) : [])`;
  return {
    apiVersion: ADMISSION,
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: POOL_NODES, labels },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [
          { apiGroups: [''], apiVersions: ['v1'], operations: ['CREATE', 'UPDATE'], resources: ['nodes'] },
        ],
      },
      matchConditions: [
        { name: 'not-the-operator', expression: `request.userInfo.username != '${operator}'` },
      ],
      variables: [
        {
          name: 'pool',
          expression: `[${label('object', LABEL_POOL)}, ${label('object', LABEL_POOL_RESTRICTED)}, ${since('object')}]`,
        },
        {
          name: 'oldPool',
          expression: `request.operation == 'CREATE' ? ['', '', ''] : [${label('oldObject', LABEL_POOL)}, ${label('oldObject', LABEL_POOL_RESTRICTED)}, ${since('oldObject')}]`,
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
    },
  };
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

const tenantNamespaces = { matchExpressions: [{ key: LABEL_TENANT, operator: 'Exists' }] };

/**
 * The cluster-wide pool policies and their bindings, installed once with the CRDs. They are
 * inert until a DedicatedCompute add-on labels nodes and namespaces. `namespace` is the
 * operator's namespace: its ServiceAccount `tenantry` is the only one that may change pool
 * labels and taints on nodes.
 */
export function staticPoolAdmission(namespace: string): AnyObject[] {
  const vapBinding = (name: string, namespaceSelector: unknown, objectSelector?: unknown): AnyObject => ({
    apiVersion: ADMISSION,
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name, labels },
    spec: {
      policyName: name,
      validationActions: DENY_AND_AUDIT,
      matchResources: { namespaceSelector, ...(objectSelector ? { objectSelector } : {}) },
    },
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
  ];
}
