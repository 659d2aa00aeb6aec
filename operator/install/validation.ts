import type { AnyObject } from '../runtime/kube/object.ts';
import { TENANT_API_GROUP } from '../tenantapi/names.ts';

/** The identity the validation Job runs as: read-mostly, plus the canary's own lifecycle. */
export const VALIDATION_NAME = 'tenantry-validation';
const labels = { 'app.kubernetes.io/name': 'tenantry', 'app.kubernetes.io/component': 'validation' };
const rbac = 'rbac.authorization.k8s.io';

/**
 * What `tenantry validate` needs and nothing more: read what it checks; create, read and
 * delete Tenants (the canary; admission then checks it like anyone's); server-side dry
 * runs of AddOns (a dry run needs the create verb; nothing is persisted); read receipts
 * and published keys (ConfigMaps); and, in the operator namespace only, write its results
 * ConfigMap; and ask the operator to sign the run (create validationreports.api.tenantry.dev).
 * It gets no Secrets: the signing key never leaves the operator.
 */
export function validationRbac(namespace: string): AnyObject[] {
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: VALIDATION_NAME, namespace, labels } },
    {
      apiVersion: `${rbac}/v1`,
      kind: 'ClusterRole',
      metadata: { name: VALIDATION_NAME, labels },
      rules: [
        { apiGroups: [''], resources: ['namespaces', 'nodes'], verbs: ['get', 'list'] },
        { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] },
        {
          apiGroups: ['apiextensions.k8s.io'],
          resources: ['customresourcedefinitions'],
          verbs: ['get', 'list'],
        },
        { apiGroups: ['tenantry.dev'], resources: ['tenants'], verbs: ['get', 'list', 'create', 'delete'] },
        { apiGroups: ['tenantry.dev'], resources: ['addons'], verbs: ['list', 'create'] },
        {
          apiGroups: ['tenantry.dev'],
          resources: ['entitlements', 'distributionbundles'],
          verbs: ['get', 'list'],
        },
        // Asks the operator to sign the run's evidence; the operator checks it and keeps its key.
        { apiGroups: [TENANT_API_GROUP], resources: ['validationreports'], verbs: ['create'] },
      ],
    },
    {
      apiVersion: `${rbac}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: { name: VALIDATION_NAME, labels },
      roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: VALIDATION_NAME },
      subjects: [{ kind: 'ServiceAccount', name: VALIDATION_NAME, namespace }],
    },
    {
      apiVersion: `${rbac}/v1`,
      kind: 'Role',
      metadata: { name: VALIDATION_NAME, namespace, labels },
      rules: [
        { apiGroups: ['coordination.k8s.io'], resources: ['leases'], verbs: ['get'] },
        { apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'create', 'patch'] },
      ],
    },
    {
      apiVersion: `${rbac}/v1`,
      kind: 'RoleBinding',
      metadata: { name: VALIDATION_NAME, namespace, labels },
      roleRef: { apiGroup: rbac, kind: 'Role', name: VALIDATION_NAME },
      subjects: [{ kind: 'ServiceAccount', name: VALIDATION_NAME, namespace }],
    },
  ];
}

/**
 * The validation suite as a Job, for the pack's validation/ folder (or the DistributionBundle
 * controller): `tenantry validate -o json` in the operator's image, reaching the operator's
 * probe port through its Service inside the cluster. No retries (backoffLimit 0): a run that
 * warns (exit 4) or fails (1) ends the Job Failed at once, and the verdict is in its log and
 * the results ConfigMap; a retry would only create a second canary.
 */
export function validationJob(namespace: string, image: string, bundle?: string): AnyObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name: VALIDATION_NAME, namespace, labels },
    spec: {
      backoffLimit: 0,
      activeDeadlineSeconds: 600,
      ttlSecondsAfterFinished: 86_400,
      template: {
        metadata: { labels },
        spec: {
          serviceAccountName: VALIDATION_NAME,
          restartPolicy: 'Never',
          securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
          containers: [
            {
              name: 'validate',
              image,
              args: [
                'validate',
                '-o',
                'json',
                '-n',
                namespace,
                '--operator-url',
                `http://tenantry-metrics.${namespace}.svc:8081`,
                ...(bundle ? ['--bundle', bundle] : []),
              ],
              securityContext: {
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
              resources: { requests: { cpu: '50m', memory: '96Mi' }, limits: { memory: '256Mi' } },
            },
          ],
        },
      },
    },
  };
}
