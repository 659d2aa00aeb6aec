import {
  GROUP_PLATFORM_ADMINS,
  LABEL_EVIDENCE,
  LABEL_GROWTH_LOG,
  LABEL_INVOICE,
  LABEL_JOURNAL,
  LABEL_LEDGER,
  LABEL_MANAGED_BY,
  LABEL_NODE_AGENTS,
  LABEL_NUDGE_PREFERENCES,
  LABEL_POOL_NAMESPACE,
  LABEL_REGION,
  LABEL_TENANT,
  MANAGED_BY,
} from '../api/names.ts';
import { PUBLIC_KEYS_CONFIGMAP as PUBLIC_KEYS } from '../evidence/keystore.ts';
import type { AnyObject } from '../runtime/kube/object.ts';
import { DENY_AND_AUDIT } from './denials.ts';

/**
 * Tenant owners administer their workloads, never their guard rails. RBAC already keeps them
 * off the Namespace objects and the quota, LimitRange and NetworkPolicies; these policies make
 * the API server refuse the change itself for anyone but the operator and platform admins, so
 * a role granted by mistake (or by a cluster user with broad rights) still cannot relabel a
 * tenant's namespace, claim a namespace for a tenant, or remove a guard rail. The reconcile
 * repairs drift only as the second line.
 */

const ADMISSION = 'admissionregistration.k8s.io/v1';
const labels = { 'app.kubernetes.io/name': 'tenantry' };

export const GUARD_NAMESPACES = 'tenantry.dev-tenant-namespaces';
export const GUARD_RAILS = 'tenantry.dev-tenant-guard-rails';

/** Who may change guard rails: the operator, platform admins, and the cluster's own controllers. */
export function exemptRequester(namespace: string): string {
  const operator = `system:serviceaccount:${namespace}:tenantry`;
  // The garbage collector and the namespace controller delete what a deleted Tenant owned;
  // with --use-service-account-credentials they are kube-system service accounts, without it
  // system:kube-controller-manager.
  const groups = `(has(request.userInfo.groups) ? request.userInfo.groups : [])`;
  return [
    `request.userInfo.username == '${operator}'`,
    `request.userInfo.username == 'system:kube-controller-manager'`,
    `request.userInfo.username.startsWith('system:serviceaccount:kube-system:')`,
    `'system:masters' in ${groups}`,
    `'${GROUP_PLATFORM_ADMINS}' in ${groups}`,
  ].join(' || ');
}

/**
 * CEL: whether a label key (in variable `k`) is one of a tenant namespace's guard rails. The
 * node-agents and dedicated-pool labels have a policy of their own, on every namespace
 * (pool-policies.ts), which says why they matter; this one leaves them to it.
 */
const guardedLabel = (k: string) =>
  `(${ownLabel(k)} || ${k}.startsWith('pod-security.kubernetes.io/') || ${k} == '${LABEL_REGION}' || ${k} == '${LABEL_MANAGED_BY}')`;
const ownKey = (k: string) => `${k}.startsWith('tenantry.dev/')`;
const notPoolLabel = (k: string) => `!(${k} in ['${LABEL_NODE_AGENTS}', '${LABEL_POOL_NAMESPACE}'])`;
const ownLabel = (k: string) => `(${ownKey(k)} && ${notPoolLabel(k)})`;

/** CEL: the keys matching `guarded` that were added, changed or removed between maps `old` and `now`. */
const changedKeys = (now: string, old: string, guarded: (k: string) => string) =>
  `${now}.filter(k, ${guarded('k')} && !(k in ${old} && ${old}[k] == ${now}[k])) + ${old}.filter(k, ${guarded('k')} && !(k in ${now}))`;

const mapOf = (obj: string, field: 'labels' | 'annotations') =>
  `(has(${obj}.metadata.${field}) ? ${obj}.metadata.${field} : {})`;

/**
 * (a) Namespaces: on a tenant's namespace nobody but the exempt may change a Tenantry, Pod
 * Security, region or managed-by label, a Tenantry annotation, or the owner references (the
 * operator knows its namespaces by the Tenant's uid there). On any namespace nobody but them
 * may set a Tenantry label: that would claim it for a tenant, or exempt it from pool policies.
 */
function namespacesPolicy(namespace: string): AnyObject {
  const oldOr = (expr: string, empty: string) => `request.operation == 'CREATE' ? ${empty} : ${expr}`;
  return {
    apiVersion: ADMISSION,
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: GUARD_NAMESPACES, labels },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [
          {
            apiGroups: [''],
            apiVersions: ['v1'],
            operations: ['CREATE', 'UPDATE'],
            // Metadata can also change through the status and finalize subresources.
            resources: ['namespaces', 'namespaces/status', 'namespaces/finalize'],
          },
        ],
      },
      matchConditions: [{ name: 'not-exempt', expression: `!(${exemptRequester(namespace)})` }],
      variables: [
        { name: 'labels', expression: mapOf('object', 'labels') },
        { name: 'oldLabels', expression: oldOr(mapOf('oldObject', 'labels'), '{}') },
        { name: 'annotations', expression: mapOf('object', 'annotations') },
        { name: 'oldAnnotations', expression: oldOr(mapOf('oldObject', 'annotations'), '{}') },
        { name: 'tenantNamespace', expression: `'${LABEL_TENANT}' in variables.oldLabels` },
        {
          name: 'changedLabels',
          // Outside tenant namespaces only Tenantry's own labels are guarded: Pod Security and
          // region labels of other namespaces are their owners' business.
          expression: `variables.tenantNamespace ? (${changedKeys('variables.labels', 'variables.oldLabels', guardedLabel)}) : (${changedKeys('variables.labels', 'variables.oldLabels', ownLabel)})`,
        },
        {
          name: 'changedAnnotations',
          expression: changedKeys('variables.annotations', 'variables.oldAnnotations', ownKey),
        },
        {
          name: 'ownersChanged',
          expression: `variables.tenantNamespace && (has(object.metadata.ownerReferences) ? object.metadata.ownerReferences : []) != (has(oldObject.metadata.ownerReferences) ? oldObject.metadata.ownerReferences : [])`,
        },
      ],
      validations: [
        {
          expression: 'size(variables.changedLabels) == 0',
          messageExpression: `'namespace ' + object.metadata.name + ': label ' + variables.changedLabels.join(', ') + (variables.tenantNamespace ? ' is a guard rail of tenant ' + variables.oldLabels['${LABEL_TENANT}'] : ' is set by Tenantry') + ' and only the operator or a platform admin (group ${GROUP_PLATFORM_ADMINS}) may change it; change the Tenant instead'`,
          reason: 'Forbidden',
        },
        {
          expression: 'size(variables.changedAnnotations) == 0',
          messageExpression: `'namespace ' + object.metadata.name + ': annotation ' + variables.changedAnnotations.join(', ') + ' is set by Tenantry and only the operator or a platform admin may change it'`,
          reason: 'Forbidden',
        },
        {
          expression: '!variables.ownersChanged',
          messageExpression: `'namespace ' + object.metadata.name + ' belongs to tenant ' + variables.oldLabels['${LABEL_TENANT}'] + ': its owner references are managed by Tenantry'`,
          reason: 'Forbidden',
        },
      ],
    },
  };
}

/**
 * (b) The quota, LimitRange, NetworkPolicies and RoleBinding Tenantry made in a tenant's
 * namespaces (labelled managed-by tenantry) may be changed or deleted by nobody but the
 * exempt, and nobody else may create objects of those kinds that claim to be Tenantry's.
 */
function guardRailsPolicy(namespace: string): AnyObject {
  const managed = (obj: string) =>
    `(has(${obj}.metadata.labels) && (('${LABEL_MANAGED_BY}' in ${obj}.metadata.labels && ${obj}.metadata.labels['${LABEL_MANAGED_BY}'] == '${MANAGED_BY}') || ${obj}.metadata.labels.exists(k, k.startsWith('tenantry.dev/'))))`;
  return {
    apiVersion: ADMISSION,
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: GUARD_RAILS, labels },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [
          {
            apiGroups: [''],
            apiVersions: ['v1'],
            operations: ['CREATE', 'UPDATE', 'DELETE'],
            resources: ['resourcequotas', 'resourcequotas/status', 'limitranges'],
          },
          {
            apiGroups: ['networking.k8s.io'],
            apiVersions: ['v1'],
            operations: ['CREATE', 'UPDATE', 'DELETE'],
            resources: ['networkpolicies'],
          },
          {
            apiGroups: ['rbac.authorization.k8s.io'],
            apiVersions: ['v1'],
            operations: ['CREATE', 'UPDATE', 'DELETE'],
            resources: ['rolebindings'],
          },
        ],
      },
      matchConditions: [{ name: 'not-exempt', expression: `!(${exemptRequester(namespace)})` }],
      variables: [
        {
          name: 'managed',
          expression: `(request.operation != 'CREATE' && ${managed('oldObject')}) || (request.operation != 'DELETE' && ${managed('object')})`,
        },
        {
          name: 'name',
          expression: `request.operation == 'DELETE' ? oldObject.metadata.name : object.metadata.name`,
        },
      ],
      validations: [
        {
          expression: '!variables.managed',
          messageExpression: `request.kind.kind + ' ' + request.namespace + '/' + variables.name + ' is one of the tenant\\'s guard rails, managed by Tenantry: only the operator or a platform admin may ' + request.operation.lowerAscii() + ' it; change the Tenant (spec.quota, spec.policyProfile, spec.owners) instead'`,
          reason: 'Forbidden',
        },
      ],
    },
  };
}

/** The guard policies and their bindings, installed once with the CRDs. */
export function staticGuardAdmission(namespace: string): AnyObject[] {
  const binding = (name: string, namespaceSelector: unknown): AnyObject => ({
    apiVersion: ADMISSION,
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name, labels },
    spec: { policyName: name, validationActions: DENY_AND_AUDIT, matchResources: { namespaceSelector } },
  });
  return [
    namespacesPolicy(namespace),
    // Namespaces are cluster-scoped: an empty selector matches them all.
    binding(GUARD_NAMESPACES, {}),
    guardRailsPolicy(namespace),
    binding(GUARD_RAILS, { matchExpressions: [{ key: LABEL_TENANT, operator: 'Exists' }] }),
    recordsPolicy(namespace),
    binding(GUARD_RECORDS, {}),
  ];
}

export const GUARD_RECORDS = 'tenantry.dev-billing-records';

/**
 * (c) What bills and evidence are made of: the metering ledger, the journal of ended
 * reservations, signed invoice reports, receipts and their copies in tenant namespaces, the
 * published public keys that verify them, and the growth log and nudge preferences that
 * activation and nudges are decided from. Only the operator may create, change or delete
 * them; not even a cluster admin (system:masters is not exempt), so an edit is refused rather
 * than only detected. The namespace controller may delete them with their namespace.
 */
function recordsPolicy(namespace: string): AnyObject {
  const operator = `system:serviceaccount:${namespace}:tenantry`;
  const labelled = (obj: string) =>
    `(has(${obj}.metadata.labels) && ['${LABEL_LEDGER}', '${LABEL_INVOICE}', '${LABEL_JOURNAL}', '${LABEL_EVIDENCE}', '${LABEL_GROWTH_LOG}', '${LABEL_NUDGE_PREFERENCES}'].exists(k, k in ${obj}.metadata.labels))`;
  const named = (obj: string) =>
    `(${obj}.metadata.namespace == '${namespace}' && (${obj}.metadata.name == '${PUBLIC_KEYS}' || ['tenantry-ledger-', 'tenantry-invoice-', 'tenantry-reservations-', 'tenantry-growth-', 'tenantry-nudge-prefs-'].exists(p, ${obj}.metadata.name.startsWith(p))))`;
  const record = (obj: string) => `(${labelled(obj)} || ${named(obj)})`;
  return {
    apiVersion: ADMISSION,
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: GUARD_RECORDS, labels },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [
          {
            apiGroups: [''],
            apiVersions: ['v1'],
            operations: ['CREATE', 'UPDATE', 'DELETE'],
            resources: ['configmaps'],
          },
        ],
      },
      matchConditions: [
        { name: 'not-the-operator', expression: `request.userInfo.username != '${operator}'` },
        {
          name: 'not-a-namespace-deletion',
          expression: `!(request.operation == 'DELETE' && request.userInfo.username in ['system:serviceaccount:kube-system:namespace-controller', 'system:kube-controller-manager'])`,
        },
      ],
      variables: [
        {
          name: 'guarded',
          expression: `(request.operation != 'CREATE' && ${record('oldObject')}) || (request.operation != 'DELETE' && ${record('object')})`,
        },
        {
          name: 'name',
          expression: `request.operation == 'DELETE' ? oldObject.metadata.name : object.metadata.name`,
        },
      ],
      validations: [
        {
          expression: '!variables.guarded',
          messageExpression: `'ConfigMap ' + request.namespace + '/' + variables.name + ' is a billing or evidence record of Tenantry: only the operator may ' + request.operation.lowerAscii() + ' it (the ledger, reports and receipts are sealed; a change would be refused when verified)'`,
          reason: 'Forbidden',
        },
      ],
    },
  };
}
