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
/** The operator's listener port in the chart; the Service maps 443 to it. */
export const TENANT_API_PORT = 8443;

/** What a request on a resource needs: the RBAC verb a SubjectAccessReview asks for. */
export type TenantApiVerb = 'get' | 'update';

export interface TenantApiResource {
  /** The plural, as RBAC rules and URLs name it. */
  name: string;
  singularName: string;
  kind: string;
  verbs: readonly TenantApiVerb[];
}

/**
 * Each resource is one document per tenant, addressed by the tenant's system namespace:
 * `GET /apis/api.tenantry.dev/v1alpha1/namespaces/<tenant>-system/<resource>`.
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

/** The path of a tenant's resource, as a client asks the API server for it. */
export function tenantApiPath(namespace: string, resource: TenantApiResourceName): string {
  return `/apis/${TENANT_API_GROUP_VERSION}/namespaces/${encodeURIComponent(namespace)}/${resource}`;
}
