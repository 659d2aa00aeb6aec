import { apply } from '../runtime/apply.ts';
import type { KubeClient } from '../runtime/kube/client.ts';
import { isNotFound } from '../runtime/kube/errors.ts';
import type { AnyObject } from '../runtime/kube/object.ts';
import { Builtin, typed } from '../runtime/kube/resource.ts';
import { AUTHENTICATION_CONFIGMAP } from '../tenantapi/front-proxy.ts';
import {
  TENANT_API_GROUP,
  TENANT_API_SERVICE,
  TENANT_API_SERVICE_NAME,
  TENANT_API_VERSION,
} from '../tenantapi/names.ts';
import { OPERATOR_NAME } from './rbac.ts';

export const ServiceResource = typed<AnyObject>()({
  group: '',
  version: 'v1',
  kind: 'Service',
  plural: 'services',
  namespaced: true,
});

export const APIServiceResource = typed<AnyObject>()({
  group: 'apiregistration.k8s.io',
  version: 'v1',
  kind: 'APIService',
  plural: 'apiservices',
  namespaced: false,
});

const rbac = 'rbac.authorization.k8s.io';
const labels = { 'app.kubernetes.io/name': OPERATOR_NAME };

/**
 * What serving the tenant API takes, as for any aggregated API server: TokenReviews and
 * SubjectAccessReviews (system:auth-delegator), and reading the front proxy's trust in
 * kube-system (the extension-apiserver-authentication-reader Role the API server bootstraps).
 */
export function tenantApiRbac(namespace: string, serviceAccount = OPERATOR_NAME): AnyObject[] {
  const subjects = [{ kind: 'ServiceAccount', name: serviceAccount, namespace }];
  return [
    {
      apiVersion: `${rbac}/v1`,
      kind: 'ClusterRoleBinding',
      metadata: { name: 'tenantry:operator:auth-delegator', labels },
      roleRef: { apiGroup: rbac, kind: 'ClusterRole', name: 'system:auth-delegator' },
      subjects,
    },
    {
      apiVersion: `${rbac}/v1`,
      kind: 'RoleBinding',
      metadata: {
        name: 'tenantry:operator:authentication-reader',
        namespace: AUTHENTICATION_CONFIGMAP.namespace,
        labels,
      },
      roleRef: { apiGroup: rbac, kind: 'Role', name: 'extension-apiserver-authentication-reader' },
      subjects,
    },
  ];
}

/**
 * How the aggregator reaches the operator: a Service selecting the operator's pods (port 443 to
 * the listener), or, where nothing routes cluster IPs (a local control plane without
 * kube-proxy), an ExternalName Service naming the listener's host; the aggregator then dials
 * that host at the APIService's port, and checks the serving certificate for
 * `<service>.<namespace>.svc` either way.
 */
export type TenantApiRoute = { kind: 'pods' } | { kind: 'externalName'; host: string; port: number };

export function tenantApiService(namespace: string, route: TenantApiRoute = { kind: 'pods' }): AnyObject {
  const metadata = { name: TENANT_API_SERVICE, namespace, labels };
  const ports = [{ name: 'tenant-api', port: 443, targetPort: 'tenant-api' }];
  const spec =
    route.kind === 'pods'
      ? { type: 'ClusterIP', selector: { ...labels }, ports }
      : { type: 'ExternalName', externalName: route.host };
  return { apiVersion: 'v1', kind: 'Service', metadata, spec };
}

/**
 * The APIService registering api.tenantry.dev/v1alpha1; `caBundle` verifies the operator's
 * serving certificate. Without one (the pack) the operator fills it in with its own CA
 * (--tenant-api-self-signed) under a field manager of its own, so whoever applies this
 * object never owns the field and a re-apply leaves it alone.
 */
export function tenantApiApiService(
  namespace: string,
  caBundlePem: string | undefined,
  route: TenantApiRoute = { kind: 'pods' },
) {
  return {
    apiVersion: 'apiregistration.k8s.io/v1',
    kind: 'APIService',
    metadata: { name: TENANT_API_SERVICE_NAME, labels },
    spec: {
      group: TENANT_API_GROUP,
      version: TENANT_API_VERSION,
      groupPriorityMinimum: 1000,
      versionPriority: 15,
      service: { namespace, name: TENANT_API_SERVICE, port: route.kind === 'pods' ? 443 : route.port },
      ...(caBundlePem === undefined ? {} : { caBundle: Buffer.from(caBundlePem).toString('base64') }),
    },
  };
}

/** The DNS name the aggregator checks the serving certificate for. */
export const tenantApiServingName = (namespace: string) => `${TENANT_API_SERVICE}.${namespace}.svc`;

/** Installs the tenant API's RBAC, Service and APIService by server-side apply. */
export async function installTenantApi(
  client: KubeClient,
  opts: { namespace: string; caBundlePem: string; route?: TenantApiRoute },
): Promise<void> {
  const route = opts.route ?? { kind: 'pods' };
  for (const obj of tenantApiRbac(opts.namespace)) {
    await apply(client, obj.kind === 'RoleBinding' ? Builtin.RoleBinding : Builtin.ClusterRoleBinding, obj);
  }
  await apply(client, ServiceResource, tenantApiService(opts.namespace, route));
  await apply(client, APIServiceResource, tenantApiApiService(opts.namespace, opts.caBundlePem, route));
}

/**
 * Removes the APIService (and the Service). An APIService whose server is gone makes discovery
 * incomplete, which holds up namespace deletion cluster-wide, so it must not outlive its server.
 */
export async function uninstallTenantApi(client: KubeClient, namespace: string): Promise<void> {
  for (const [type, name, ns] of [
    [APIServiceResource, TENANT_API_SERVICE_NAME, undefined],
    [ServiceResource, TENANT_API_SERVICE, namespace],
  ] as const) {
    await client.delete(type, name, ns).catch((e: unknown) => {
      if (!isNotFound(e)) throw e;
    });
  }
}
