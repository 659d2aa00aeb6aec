import {
  TENANT_API_CLUSTER_RESOURCES,
  TENANT_API_GROUP,
  TENANT_API_GROUP_VERSION,
  TENANT_API_RESOURCES,
  TENANT_API_VERSION,
  type TenantApiResource,
} from './names.ts';

// Discovery documents in the shape kubectl and the aggregator read (metav1.APIGroup and
// metav1.APIResourceList), so `kubectl api-resources` lists the resources and
// `kubectl auth can-i get evidence.api.tenantry.dev` resolves the name.

export function apiGroup(): Record<string, unknown> {
  const version = { groupVersion: TENANT_API_GROUP_VERSION, version: TENANT_API_VERSION };
  return {
    kind: 'APIGroup',
    apiVersion: 'v1',
    name: TENANT_API_GROUP,
    versions: [version],
    preferredVersion: version,
  };
}

export function apiResourceList(): Record<string, unknown> {
  return {
    kind: 'APIResourceList',
    apiVersion: 'v1',
    groupVersion: TENANT_API_GROUP_VERSION,
    resources: [
      ...Object.values(TENANT_API_RESOURCES).map((r) => resource(r, true)),
      ...Object.values(TENANT_API_CLUSTER_RESOURCES).map((r) => resource(r, false)),
    ],
  };
}

const resource = (r: TenantApiResource, namespaced: boolean) => ({
  name: r.name,
  singularName: r.singularName,
  namespaced,
  kind: r.kind,
  verbs: r.verbs,
});
