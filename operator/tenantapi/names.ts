import { systemNamespaceOf } from '../api/names.ts';

// The tenant API's names: its group and version, the APIService that registers it with the
// aggregation layer, the Service the aggregator dials, and its resources. The CLI, the
// installer, the chart and the server read them from here.

export const TENANT_API_GROUP = 'api.tenantry.dev';
export const TENANT_API_VERSION = 'v1alpha1';
export const TENANT_API_GROUP_VERSION = `${TENANT_API_GROUP}/${TENANT_API_VERSION}`;
/** `<version>.<group>`, as the aggregation layer requires APIService names to be. */
export const TENANT_API_SERVICE_NAME = `${TENANT_API_VERSION}.${TENANT_API_GROUP}`;
/** The Service in the operator's namespace the aggregator dials. */
export const TENANT_API_SERVICE = 'tenantry-api';
/**
 * The kubernetes.io/tls Secret (in the operator's namespace) with the serving pair the operator
 * mounts and the CA (`ca.crt`, as cert-manager writes it) the APIService trusts.
 */
export const TENANT_API_TLS_SECRET = 'tenantry-api-tls';
/** The operator's listener port in the chart; the Service maps 443 to it. */
export const TENANT_API_PORT = 8443;

/** What a request on a resource needs: the RBAC verb a SubjectAccessReview asks for. */
export type TenantApiVerb = 'get' | 'update' | 'create';

export interface TenantApiResource {
  /** The plural, as RBAC rules and URLs name it. */
  name: string;
  singularName: string;
  kind: string;
  verbs: readonly TenantApiVerb[];
}

/**
 * Each resource is one document per tenant, in the tenant's system namespace and named after
 * the tenant: `GET /apis/api.tenantry.dev/v1alpha1/namespaces/<tenant>-system/<resource>/<tenant>`.
 * Named, because the API server authorizes a request to an aggregated API itself before it
 * proxies it, and a GET without a name is a `list` to it: with a name, what RBAC grants is `get`
 * (and `update`), and `kubectl auth can-i get evidence.api.tenantry.dev -n <tenant>-system` tells.
 */
export const TENANT_API_RESOURCES = {
  evidence: { name: 'evidence', singularName: 'evidence', kind: 'Evidence', verbs: ['get'] },
  usage: { name: 'usage', singularName: 'usage', kind: 'Usage', verbs: ['get'] },
  nudgepreferences: {
    name: 'nudgepreferences',
    singularName: 'nudgepreferences',
    kind: 'NudgePreferences',
    verbs: ['get', 'update'],
  },
} as const satisfies Record<string, TenantApiResource>;

export type TenantApiResourceName = keyof typeof TENANT_API_RESOURCES;

/**
 * Cluster-scoped resources, about the installation rather than a tenant: only platform admins
 * may act on them. `POST /apis/api.tenantry.dev/v1alpha1/validationreports` hands the operator
 * a validation run's statements to sign (RBAC: create validationreports.api.tenantry.dev).
 */
export const TENANT_API_CLUSTER_RESOURCES = {
  validationreports: {
    name: 'validationreports',
    singularName: 'validationreport',
    kind: 'ValidationReport',
    verbs: ['create'],
  },
} as const satisfies Record<string, TenantApiResource>;

export type TenantApiClusterResourceName = keyof typeof TENANT_API_CLUSTER_RESOURCES;

/** The path of a cluster-scoped resource's collection, as a client posts to it. */
export const tenantApiClusterPath = (resource: TenantApiClusterResourceName): string =>
  `/apis/${TENANT_API_GROUP_VERSION}/${resource}`;

/** The path of a tenant's resource, as a client asks the API server for it. */
export function tenantApiPath(tenant: string, resource: TenantApiResourceName): string {
  return `/apis/${TENANT_API_GROUP_VERSION}/namespaces/${encodeURIComponent(systemNamespaceOf(tenant))}/${resource}/${encodeURIComponent(tenant)}`;
}
