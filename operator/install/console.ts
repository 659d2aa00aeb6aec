import type { AnyObject } from '../runtime/kube/object.ts';
import { OPERATOR_NAME } from './rbac.ts';

/** The Service in front of Switchboard and the operator's listener port in the chart. */
export const CONSOLE_SERVICE = 'tenantry-console';
export const CONSOLE_PORT = 9443;

const rbac = 'rbac.authorization.k8s.io';
const labels = { 'app.kubernetes.io/name': OPERATOR_NAME };

/**
 * What serving the console takes beyond the operator's own rights: TokenReviews of pasted
 * tokens and a SubjectAccessReview for every request (system:auth-delegator, as for the
 * tenant API; a binding of its own so either can be turned off alone).
 */
export function consoleRbac(namespace: string, serviceAccount = OPERATOR_NAME): AnyObject[] {
  return [
    {
      apiVersion: `${rbac}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: { name: 'tenantry:operator:console-auth-delegator', labels },
      roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: 'system:auth-delegator' },
      subjects: [{ kind: 'ServiceAccount', name: serviceAccount, namespace }],
    },
  ];
}

/** A ClusterIP Service for the console: reach it through an Ingress or `kubectl port-forward`. */
export function consoleService(namespace: string): AnyObject {
  return {
    apiVersion: 'v1',
    kind: 'Service',
    metadata: { name: CONSOLE_SERVICE, namespace, labels },
    spec: {
      selector: labels,
      ports: [{ name: 'console', port: 443, targetPort: 'console' }],
    },
  };
}
