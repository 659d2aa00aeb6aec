import type { ConfigMap, Namespace, Node, Secret } from './core.ts';
import type { KubeObject } from './object.ts';

/**
 * Enough about a resource type to build its REST paths. `T` is the object type it serves, so
 * informers, caches and watch mappers built from a typed resource need no casts.
 */
export interface ResourceType<T extends KubeObject = KubeObject> {
  readonly group: string;
  readonly version: string;
  readonly kind: string;
  readonly plural: string;
  readonly namespaced: boolean;
  /** Type-level only, never set: carries `T`. */
  readonly object?: T;
}

/**
 * Declares the object type of a resource: `typed<Tenant>()({ group, ... } as const)`. The
 * literal fields survive (the CRD generator reads them from the constant's type).
 */
export function typed<T extends KubeObject>() {
  return <const R extends Omit<ResourceType, 'object'>>(r: R): R & ResourceType<T> => r;
}

export function apiVersionOf(r: ResourceType): string {
  return r.group ? `${r.group}/${r.version}` : r.version;
}

/** The collection or object path; namespace is ignored for cluster-scoped types. */
export function resourcePath(
  r: ResourceType,
  opts: { namespace?: string | undefined; name?: string; subresource?: string } = {},
): string {
  const base = r.group ? `/apis/${r.group}/${r.version}` : `/api/${r.version}`;
  const ns = r.namespaced && opts.namespace ? `/namespaces/${encodeURIComponent(opts.namespace)}` : '';
  let path = `${base}${ns}/${r.plural}`;
  if (opts.name !== undefined) path += `/${encodeURIComponent(opts.name)}`;
  if (opts.subresource) path += `/${opts.subresource}`;
  return path;
}

/** Queue keys are `namespace/name`, or `name` for cluster-scoped objects, as in client-go. */
export function objectKey(namespace: string | undefined, name: string): string {
  return namespace ? `${namespace}/${name}` : name;
}

/** The key of an object (see objectKey). */
export function keyOf(obj: KubeObject): string {
  return objectKey(obj.metadata.namespace, obj.metadata.name ?? '');
}

export function parseKey(key: string): { namespace?: string; name: string } {
  const i = key.indexOf('/');
  return i < 0 ? { name: key } : { namespace: key.slice(0, i), name: key.slice(i + 1) };
}

const core = <T extends KubeObject = KubeObject>(
  kind: string,
  plural: string,
  namespaced = true,
): ResourceType<T> => ({
  group: '',
  version: 'v1',
  kind,
  plural,
  namespaced,
});

/** Built-in types the operator works with. */
export const Builtin = {
  Namespace: core<Namespace>('Namespace', 'namespaces', false),
  Node: core<Node>('Node', 'nodes', false),
  Pod: core('Pod', 'pods'),
  Secret: core<Secret>('Secret', 'secrets'),
  ConfigMap: core<ConfigMap>('ConfigMap', 'configmaps'),
  Event: core('Event', 'events'),
  ResourceQuota: core('ResourceQuota', 'resourcequotas'),
  LimitRange: core('LimitRange', 'limitranges'),
  ServiceAccount: core('ServiceAccount', 'serviceaccounts'),
  NetworkPolicy: {
    group: 'networking.k8s.io',
    version: 'v1',
    kind: 'NetworkPolicy',
    plural: 'networkpolicies',
    namespaced: true,
  },
  RoleBinding: {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'RoleBinding',
    plural: 'rolebindings',
    namespaced: true,
  },
  Role: {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'Role',
    plural: 'roles',
    namespaced: true,
  },
  ClusterRole: {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'ClusterRole',
    plural: 'clusterroles',
    namespaced: false,
  },
  ClusterRoleBinding: {
    group: 'rbac.authorization.k8s.io',
    version: 'v1',
    kind: 'ClusterRoleBinding',
    plural: 'clusterrolebindings',
    namespaced: false,
  },
  Lease: { group: 'coordination.k8s.io', version: 'v1', kind: 'Lease', plural: 'leases', namespaced: true },
  ValidatingAdmissionPolicy: {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    kind: 'ValidatingAdmissionPolicy',
    plural: 'validatingadmissionpolicies',
    namespaced: false,
  },
  ValidatingAdmissionPolicyBinding: {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    plural: 'validatingadmissionpolicybindings',
    namespaced: false,
  },
  MutatingAdmissionPolicy: {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    kind: 'MutatingAdmissionPolicy',
    plural: 'mutatingadmissionpolicies',
    namespaced: false,
  },
  MutatingAdmissionPolicyBinding: {
    group: 'admissionregistration.k8s.io',
    version: 'v1',
    kind: 'MutatingAdmissionPolicyBinding',
    plural: 'mutatingadmissionpolicybindings',
    namespaced: false,
  },
  CustomResourceDefinition: {
    group: 'apiextensions.k8s.io',
    version: 'v1',
    kind: 'CustomResourceDefinition',
    plural: 'customresourcedefinitions',
    namespaced: false,
  },
} as const satisfies Record<string, ResourceType>;
