import {
  CLUSTERROLE_TENANT_OWNER,
  CLUSTERROLE_TENANT_SYSTEM,
  isReservedLabel,
  LABEL_ENTITLEMENT,
  LABEL_MANAGED_BY,
  LABEL_NAMESPACE_ROLE,
  LABEL_POOL_NAMESPACE,
  LABEL_PROFILE,
  LABEL_REGION,
  LABEL_TENANT,
  MANAGED_BY,
  systemNamespaceOf,
} from '../../api/names.ts';
import type { Tenant, TenantOwner } from '../../api/v1alpha1/index.ts';
import { TenantResource } from '../../api/v1alpha1/index.ts';
import { controllerRef } from '../../runtime/apply.ts';
import type { AnyObject, KubeObject } from '../../runtime/kube/object.ts';
import { Builtin, type ResourceType } from '../../runtime/kube/resource.ts';
import { PROFILES, type Profile } from './profiles.ts';

export interface DesiredObject {
  type: ResourceType;
  object: AnyObject;
}

export interface TenantNamespacePlan {
  name: string;
  role: 'system' | 'workload';
  labels: Record<string, string>;
}

/** The tenant's namespaces: its system namespace first, then those in spec.namespaces. */
export function namespacesOf(tenant: Tenant): TenantNamespacePlan[] {
  const name = tenant.metadata.name ?? '';
  const list = tenant.spec.namespaces ?? [{ name: 'default' }];
  return [
    { name: systemNamespaceOf(name), role: 'system', labels: {} },
    ...list.map((n) => ({ name: `${name}-${n.name}`, role: 'workload' as const, labels: n.labels ?? {} })),
  ];
}

export function profileOf(tenant: Tenant): Profile {
  return PROFILES[tenant.spec.policyProfile ?? 'baseline'];
}

function commonLabels(tenant: Tenant): Record<string, string> {
  return { [LABEL_MANAGED_BY]: MANAGED_BY, [LABEL_TENANT]: tenant.metadata.name ?? '' };
}

function subjectOf(owner: TenantOwner) {
  const kind = owner.kind ?? 'User';
  return kind === 'ServiceAccount'
    ? { kind, name: owner.name, namespace: owner.namespace ?? '' }
    : { kind, name: owner.name, apiGroup: 'rbac.authorization.k8s.io' };
}

/**
 * Everything a Tenant asks for, as plain objects: namespaces with tenant, region and Pod
 * Security labels; in each namespace the owners' RoleBinding; in workload namespaces the
 * profile's ResourceQuota, LimitRange and default-deny NetworkPolicies. Pure: same Tenant,
 * same objects.
 */
export function desiredState(
  tenant: Tenant,
  context: { entitlement?: string | undefined; dedicatedPool?: boolean } = {},
): DesiredObject[] {
  const profile = profileOf(tenant);
  const owner = [controllerRef(TenantResource, tenant)];
  const common = commonLabels(tenant);
  const tenantName = tenant.metadata.name ?? '';
  const out: DesiredObject[] = [];
  for (const ns of namespacesOf(tenant)) {
    const meta = (name: string) => ({ name, namespace: ns.name, labels: common, ownerReferences: owner });
    out.push({
      type: Builtin.Namespace,
      object: {
        metadata: {
          name: ns.name,
          // User labels first: Tenantry's own labels are what isolation relies on, so they win.
          labels: {
            ...userLabels(ns.labels),
            ...common,
            [LABEL_NAMESPACE_ROLE]: ns.role,
            [LABEL_REGION]: tenant.spec.region,
            [LABEL_PROFILE]: tenant.spec.policyProfile ?? 'baseline',
            // Admission reads this: no Entitlement, no add-ons.
            ...(context.entitlement ? { [LABEL_ENTITLEMENT]: context.entitlement } : {}),
            // Admission pins this namespace's pods to the tenant's dedicated pool.
            ...(context.dedicatedPool && ns.role === 'workload' ? { [LABEL_POOL_NAMESPACE]: 'true' } : {}),
            'pod-security.kubernetes.io/enforce': profile.podSecurity,
            'pod-security.kubernetes.io/enforce-version': 'latest',
            'pod-security.kubernetes.io/audit': 'restricted',
            'pod-security.kubernetes.io/warn': 'restricted',
          },
          ownerReferences: owner,
        },
      },
    });
    out.push({
      type: Builtin.RoleBinding,
      object: {
        metadata: meta('tenantry-owners'),
        roleRef: {
          apiGroup: 'rbac.authorization.k8s.io',
          kind: 'ClusterRole',
          name: ns.role === 'system' ? CLUSTERROLE_TENANT_SYSTEM : CLUSTERROLE_TENANT_OWNER,
        },
        subjects: tenant.spec.owners.map(subjectOf),
      },
    });
    if (ns.role === 'system') continue;
    out.push({
      type: Builtin.ResourceQuota,
      object: {
        metadata: meta('tenantry-quota'),
        spec: { hard: { ...profile.quota, ...quotaOverrides(tenant) } },
      },
    });
    out.push({
      type: Builtin.LimitRange,
      object: {
        metadata: meta('tenantry-defaults'),
        spec: { limits: [{ type: 'Container', ...profile.limitRange }] },
      },
    });
    out.push(...networkPolicies(tenantName, profile, meta));
  }
  return out;
}

/** The spec's labels without those Tenantry and the cluster reserve (admission refuses them too). */
function userLabels(labels: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(labels).filter(([k]) => !isReservedLabel(k)));
}

function quotaOverrides(tenant: Tenant): Record<string, string> {
  const hard = tenant.spec.quota?.hard ?? {};
  return Object.fromEntries(Object.entries(hard).map(([k, v]) => [k, String(v)]));
}

function networkPolicies(
  tenant: string,
  profile: Profile,
  meta: (name: string) => KubeObject['metadata'],
): DesiredObject[] {
  const sameTenant = { namespaceSelector: { matchLabels: { [LABEL_TENANT]: tenant } } };
  const policies: DesiredObject[] = [
    {
      // Only the tenant's own namespaces may reach its pods.
      type: Builtin.NetworkPolicy,
      object: {
        metadata: meta('tenantry-default-deny-ingress'),
        spec: { podSelector: {}, policyTypes: ['Ingress'], ingress: [{ from: [sameTenant] }] },
      },
    },
  ];
  if (profile.egress === 'tenantAndDns') {
    policies.push({
      type: Builtin.NetworkPolicy,
      object: {
        metadata: meta('tenantry-default-deny-egress'),
        spec: {
          podSelector: {},
          policyTypes: ['Egress'],
          egress: [
            { to: [sameTenant] },
            {
              to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } } }],
              ports: [
                { protocol: 'UDP', port: 53 },
                { protocol: 'TCP', port: 53 },
              ],
            },
          ],
        },
      },
    });
  }
  return policies;
}
