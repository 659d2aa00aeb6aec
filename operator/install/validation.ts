import { DISTRIBUTION_BUNDLE_NAME, validationRunConfigMapName } from '../api/names.ts';
import type { AnyObject } from '../runtime/kube/object.ts';
import { TENANT_API_GROUP } from '../tenantapi/names.ts';
import { LEADER_LEASE, METRICS_SERVICE, PROBE_PORT } from './deployment.ts';
import { VALIDATION_SERVICE_ACCOUNT } from './rbac.ts';

/** The identity the validation Job runs as: read-mostly, plus the canary's own lifecycle. */
export const VALIDATION_NAME = VALIDATION_SERVICE_ACCOUNT;
const labels = { 'app.kubernetes.io/name': 'tenantry', 'app.kubernetes.io/component': 'validation' };
const rbac = 'rbac.authorization.k8s.io';

/**
 * What `tenantry validate` needs and nothing more, each verb for one step of the suite:
 * read the kube-system Namespace (the cluster's identity), CRDs and nodes (lists), Tenants,
 * Entitlements, AddOns and DistributionBundles; create, read and delete Tenants (the canary;
 * admission then checks it like anyone's); create AddOns (server-side dry runs only: a dry run
 * needs the create verb; nothing is persisted); read ConfigMaps (the canary's receipt is in
 * its system namespace, whose name is random, so this cannot be narrowed by name); and ask
 * the operator to sign the run (create validationreports.api.tenantry.dev). In the operator
 * namespace, by name only: its leader Lease, the operator's probe port through the API
 * server's service proxy (no cluster DNS needed), and the results ConfigMap of each bundle
 * named (server-side apply creates it: create and patch, which RBAC checks with the name).
 * It gets no Secrets: the signing key never leaves the operator.
 */
export function validationRbac(
  namespace: string,
  bundles: string[] = [DISTRIBUTION_BUNDLE_NAME],
): AnyObject[] {
  return [
    { apiVersion: 'v1', kind: 'ServiceAccount', metadata: { name: VALIDATION_NAME, namespace, labels } },
    {
      apiVersion: `${rbac}/v1`,
      kind: 'ClusterRole',
      metadata: { name: VALIDATION_NAME, labels },
      rules: [
        { apiGroups: [''], resources: ['namespaces'], verbs: ['get'], resourceNames: ['kube-system'] },
        { apiGroups: [''], resources: ['nodes'], verbs: ['list'] },
        { apiGroups: [''], resources: ['configmaps'], verbs: ['get'] },
        { apiGroups: ['apiextensions.k8s.io'], resources: ['customresourcedefinitions'], verbs: ['list'] },
        { apiGroups: ['tenantry.dev'], resources: ['tenants'], verbs: ['get', 'list', 'create', 'delete'] },
        { apiGroups: ['tenantry.dev'], resources: ['addons'], verbs: ['list', 'create'] },
        { apiGroups: ['tenantry.dev'], resources: ['entitlements'], verbs: ['list'] },
        { apiGroups: ['tenantry.dev'], resources: ['distributionbundles'], verbs: ['get', 'list'] },
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
        {
          apiGroups: ['coordination.k8s.io'],
          resources: ['leases'],
          verbs: ['get'],
          resourceNames: [LEADER_LEASE],
        },
        // The proxy authorizes the path's "<service>:<port>" as the name.
        {
          apiGroups: [''],
          resources: ['services/proxy'],
          verbs: ['get'],
          resourceNames: [`${METRICS_SERVICE}:${PROBE_PORT}`],
        },
        {
          apiGroups: [''],
          resources: ['configmaps'],
          verbs: ['get', 'create', 'patch'],
          resourceNames: bundles.map(validationRunConfigMapName),
        },
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
 * The validation suite as a Job, for the pack's validation/ folder (named tenantry-validation)
 * and the DistributionBundle controller (a name per generation): `tenantry validate -o json`
 * in the operator's image. It reaches the operator's probe port through the API server's
 * service proxy, so it needs no cluster DNS. No retries (backoffLimit 0): a run that warns
 * (exit 4) or fails (1) ends the Job Failed at once, and the verdict is in its log and the
 * results ConfigMap; a retry would only create a second canary.
 */
export function validationJob(
  namespace: string,
  image: string,
  bundle?: string,
  name: string = VALIDATION_NAME,
): AnyObject {
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: { name, namespace, labels },
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
              // The operator signs the run (its tenant API may still be coming up: --sign-wait).
              args: [
                'validate',
                '-o',
                'json',
                '-n',
                namespace,
                '--sign-wait',
                '60',
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
