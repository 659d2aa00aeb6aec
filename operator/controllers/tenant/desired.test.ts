import { describe, expect, it } from 'vitest';
import type { Tenant } from '../../api/v1alpha1/index.ts';
import { desiredState, namespacesOf } from './desired.ts';

const tenant = (spec: Partial<Tenant['spec']> = {}): Tenant =>
  ({
    apiVersion: 'tenantry.dev/v1alpha1',
    kind: 'Tenant',
    metadata: { name: 'acme', uid: 'uid-1', generation: 1 },
    spec: { displayName: 'Acme', owners: [{ name: 'alice' }], region: 'eu-west-1', ...spec },
  }) as Tenant;

const find = (t: Tenant, kind: string, name: string, ns?: string) =>
  desiredState(t).find(
    (d) => d.type.kind === kind && d.object.metadata.name === name && d.object.metadata.namespace === ns,
  )?.object as Record<string, any> | undefined;

describe('desired state of a Tenant', () => {
  it('plans the system namespace plus the default namespace when none are listed', () => {
    expect(namespacesOf(tenant()).map((n) => [n.name, n.role])).toEqual([
      ['acme-system', 'system'],
      ['acme-default', 'workload'],
    ]);
  });

  it('drops reserved labels a spec asks for, so they cannot loosen what admission trusts', () => {
    const ns = find(
      tenant({
        namespaces: [
          {
            name: 'prod',
            labels: {
              'tenantry.dev/dedicated-pool': 'true',
              'tenantry.dev/node-agents': 'true',
              'pod-security.kubernetes.io/enforce': 'privileged',
              'app.kubernetes.io/part-of': 'shop',
            },
          },
        ],
      }),
      'Namespace',
      'acme-prod',
    );
    const labels = ns?.metadata.labels ?? {};
    expect(labels['tenantry.dev/dedicated-pool']).toBeUndefined();
    expect(labels['tenantry.dev/node-agents']).toBeUndefined();
    expect(labels['pod-security.kubernetes.io/enforce']).toBe('baseline');
    expect(labels['app.kubernetes.io/part-of']).toBe('shop');
  });

  it('labels namespaces with tenant, region, role and Pod Security level, and lets Tenantry labels win', () => {
    const ns = find(
      tenant({
        policyProfile: 'restricted',
        namespaces: [{ name: 'prod', labels: { team: 'x', 'tenantry.dev/tenant': 'evil' } }],
      }),
      'Namespace',
      'acme-prod',
    );
    expect(ns?.metadata.labels).toMatchObject({
      team: 'x',
      'tenantry.dev/tenant': 'acme',
      'topology.kubernetes.io/region': 'eu-west-1',
      'tenantry.dev/namespace-role': 'workload',
      'pod-security.kubernetes.io/enforce': 'restricted',
      'app.kubernetes.io/managed-by': 'tenantry',
    });
    expect(ns?.metadata.ownerReferences).toEqual([
      expect.objectContaining({ kind: 'Tenant', name: 'acme', uid: 'uid-1', controller: true }),
    ]);
  });

  it('binds owners of every kind as RBAC subjects', () => {
    const rb = find(
      tenant({
        owners: [
          { name: 'alice' },
          { kind: 'Group', name: 'admins' },
          { kind: 'ServiceAccount', name: 'ci', namespace: 'tools' },
        ],
      }),
      'RoleBinding',
      'tenantry-owners',
      'acme-default',
    );
    expect(rb?.subjects).toEqual([
      { kind: 'User', name: 'alice', apiGroup: 'rbac.authorization.k8s.io' },
      { kind: 'Group', name: 'admins', apiGroup: 'rbac.authorization.k8s.io' },
      { kind: 'ServiceAccount', name: 'ci', namespace: 'tools' },
    ]);
    expect(rb?.roleRef.name).toBe('tenantry:tenant-owner');
    expect(find(tenant(), 'RoleBinding', 'tenantry-owners', 'acme-system')?.roleRef.name).toBe(
      'tenantry:tenant-system',
    );
  });

  it('puts quota, limits and policies in workload namespaces only', () => {
    const kinds = (ns: string) =>
      desiredState(tenant())
        .filter((d) => d.object.metadata.namespace === ns)
        .map((d) => d.type.kind)
        .sort();
    expect(kinds('acme-system')).toEqual(['RoleBinding']);
    expect(kinds('acme-default')).toEqual(['LimitRange', 'NetworkPolicy', 'ResourceQuota', 'RoleBinding']);
  });

  it('lets spec.quota.hard override the profile quota, as strings', () => {
    const q = find(
      tenant({ quota: { hard: { pods: 7, 'requests.cpu': '2' } } }),
      'ResourceQuota',
      'tenantry-quota',
      'acme-default',
    );
    expect(q?.spec.hard).toMatchObject({ pods: '7', 'requests.cpu': '2', 'limits.memory': '32Gi' });
  });

  it('limits egress for restricted and regulated profiles but not for baseline', () => {
    const egress = (p: 'baseline' | 'restricted' | 'regulated') =>
      find(tenant({ policyProfile: p }), 'NetworkPolicy', 'tenantry-default-deny-egress', 'acme-default');
    expect(egress('baseline')).toBeUndefined();
    expect(egress('restricted')?.spec.policyTypes).toEqual(['Egress']);
    expect(egress('regulated')?.spec.egress[1].ports).toEqual([
      { protocol: 'UDP', port: 53 },
      { protocol: 'TCP', port: 53 },
    ]);
  });

  it('is pure: the same tenant gives the same objects', () => {
    expect(desiredState(tenant())).toEqual(desiredState(tenant()));
  });
});
