import { LABEL_ENTITLEMENT, LABEL_NAMESPACE_ROLE, LABEL_TENANT } from '../api/names.ts';
import type { AnyObject } from '../runtime/kube/object.ts';
import {
  approvalGuardValidations,
  approvalVariables,
  entitlementApprovalValidations,
  stampsPatch,
} from './addon-approval.ts';
import { DENY_AND_AUDIT } from './denials.ts';

const ADMISSION = 'admissionregistration.k8s.io/v1';
const addonRules = [
  {
    apiGroups: ['tenantry.dev'],
    apiVersions: ['*'],
    operations: ['CREATE', 'UPDATE'],
    resources: ['addons'],
  },
];
/**
 * Entitlement checks apply to what a tenant asks for (create, spec change), not to metadata
 * updates: the operator must still be able to remove its finalizer from an add-on after the
 * Entitlement is withdrawn, or deleting the tenant would hang.
 */
const specRequests = [
  {
    name: 'create-or-spec-change',
    expression: "request.operation == 'CREATE' || object.spec != oldObject.spec",
  },
];

const tenantNamespaces = {
  namespaceSelector: { matchExpressions: [{ key: LABEL_TENANT, operator: 'Exists' }] },
};
const labels = { 'app.kubernetes.io/name': 'tenantry' };

export const ENTITLEMENT_POLICY = 'tenantry.dev-addon-entitlement';

/**
 * Checks an AddOn against its tenant's Entitlement, which is the policy's parameter: the
 * grant, the quota, the retention obligation and who may approve.
 */
export function entitlementPolicy(): AnyObject {
  const minRetention =
    '(has(params.spec.obligations) && has(params.spec.obligations.auditArchiveMinRetentionDays) ? params.spec.obligations.auditArchiveMinRetentionDays : 365)';
  return {
    apiVersion: ADMISSION,
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name: ENTITLEMENT_POLICY, labels },
    spec: {
      failurePolicy: 'Fail',
      paramKind: { apiVersion: 'tenantry.dev/v1alpha1', kind: 'Entitlement' },
      matchConstraints: { resourceRules: addonRules },
      matchConditions: specRequests,
      variables: approvalVariables(),
      validations: [
        {
          expression: '!has(params.metadata.deletionTimestamp)',
          messageExpression:
            "'Entitlement ' + params.metadata.name + ' is being withdrawn: no add-on can be enabled'",
          reason: 'Forbidden',
        },
        {
          expression: 'has(params.spec.allowedAddOns) && object.spec.type in params.spec.allowedAddOns',
          messageExpression:
            "'add-on ' + object.spec.type + ' is not granted by Entitlement ' + params.metadata.name + ' (granted: ' + (has(params.spec.allowedAddOns) && size(params.spec.allowedAddOns) > 0 ? params.spec.allowedAddOns.join(', ') : 'none') + '); ask the platform team to add it to spec.allowedAddOns'",
          reason: 'Forbidden',
        },
        {
          expression:
            "object.spec.type != 'DedicatedCompute' || !has(object.spec.dedicatedCompute) || !has(params.spec.quotas) || !has(params.spec.quotas.dedicatedNodes) || object.spec.dedicatedCompute.nodes <= params.spec.quotas.dedicatedNodes",
          messageExpression:
            "'spec.dedicatedCompute.nodes: ' + string(object.spec.dedicatedCompute.nodes) + ' exceeds the quota of ' + string(params.spec.quotas.dedicatedNodes) + ' dedicated nodes in Entitlement ' + params.metadata.name",
          reason: 'Forbidden',
        },
        {
          expression: `object.spec.type != 'AuditArchive' || !has(object.spec.auditArchive) || object.spec.auditArchive.retentionDays >= ${minRetention}`,
          messageExpression: `'spec.auditArchive.retentionDays: the audit archive obligation requires at least ' + string(${minRetention}) + ' days, got ' + string(object.spec.auditArchive.retentionDays)`,
          reason: 'Invalid',
        },
        ...entitlementApprovalValidations(),
      ],
    },
  };
}

/** The per-tenant binding that makes the tenant's Entitlement the parameter. */
export function entitlementBinding(tenant: string, entitlement: string): AnyObject {
  return {
    apiVersion: ADMISSION,
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name: `${ENTITLEMENT_POLICY}-${tenant}`, labels: { ...labels, [LABEL_TENANT]: tenant } },
    spec: {
      policyName: ENTITLEMENT_POLICY,
      validationActions: DENY_AND_AUDIT,
      paramRef: { name: entitlement, parameterNotFoundAction: 'Deny' },
      matchResources: { namespaceSelector: { matchLabels: { [LABEL_TENANT]: tenant } } },
    },
  };
}

const REQUIRES_ENTITLEMENT = 'tenantry.dev-addon-requires-entitlement';
const APPROVER = 'tenantry.dev-addon-approver';
const APPROVER_GUARD = 'tenantry.dev-addon-approver-guard';

/**
 * The cluster-wide policies and bindings, installed once with the CRDs:
 * - the entitlement policy (its per-tenant bindings come from the entitlement controller);
 * - no AddOn in a tenant namespace without an Entitlement for the tenant;
 * - who asked for the settings and who approved them (at which generation) are stamped
 *   from the request's authenticated user (mutating policy);
 * - and the guard: the stamps are that user and generation (should the mutating policy be
 *   missing), never change without what they stand for, and the settings never change
 *   without the approval.
 */
export function staticAddonAdmission(): AnyObject[] {
  return [
    entitlementPolicy(),
    {
      apiVersion: ADMISSION,
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: REQUIRES_ENTITLEMENT, labels },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules: addonRules },
        matchConditions: specRequests,
        validations: [
          {
            expression: `has(namespaceObject.metadata.labels) && namespaceObject.metadata.labels['${LABEL_NAMESPACE_ROLE}'] == 'system'`,
            message: "add-ons belong in the tenant's system namespace <tenant>-system",
            reason: 'Invalid',
          },
          {
            expression: `has(namespaceObject.metadata.labels) && '${LABEL_ENTITLEMENT}' in namespaceObject.metadata.labels`,
            message:
              'this tenant has no Entitlement, so no add-on can be enabled: ask the platform team for an Entitlement that grants it',
            reason: 'Forbidden',
          },
        ],
      },
    },
    {
      apiVersion: ADMISSION,
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: REQUIRES_ENTITLEMENT, labels },
      spec: {
        policyName: REQUIRES_ENTITLEMENT,
        validationActions: DENY_AND_AUDIT,
        matchResources: tenantNamespaces,
      },
    },
    {
      apiVersion: ADMISSION,
      kind: 'MutatingAdmissionPolicy',
      metadata: { name: APPROVER, labels },
      spec: {
        failurePolicy: 'Fail',
        reinvocationPolicy: 'Never',
        matchConstraints: { resourceRules: addonRules },
        matchConditions: specRequests,
        variables: approvalVariables(),
        mutations: [{ patchType: 'JSONPatch', jsonPatch: { expression: stampsPatch() } }],
      },
    },
    {
      apiVersion: ADMISSION,
      kind: 'MutatingAdmissionPolicyBinding',
      metadata: { name: APPROVER, labels },
      spec: { policyName: APPROVER, matchResources: tenantNamespaces },
    },
    {
      apiVersion: ADMISSION,
      kind: 'ValidatingAdmissionPolicy',
      metadata: { name: APPROVER_GUARD, labels },
      spec: {
        failurePolicy: 'Fail',
        matchConstraints: { resourceRules: addonRules },
        variables: approvalVariables(),
        validations: approvalGuardValidations(),
      },
    },
    {
      apiVersion: ADMISSION,
      kind: 'ValidatingAdmissionPolicyBinding',
      metadata: { name: APPROVER_GUARD, labels },
      spec: {
        policyName: APPROVER_GUARD,
        validationActions: DENY_AND_AUDIT,
        matchResources: tenantNamespaces,
      },
    },
  ];
}
