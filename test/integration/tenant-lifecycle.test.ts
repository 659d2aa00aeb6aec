import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenantResource } from '../../operator/api/v1alpha1/index.ts';
import { apply } from '../../operator/runtime/apply.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import type { AnyObject, KubeObject } from '../../operator/runtime/kube/object.ts';
import { Builtin } from '../../operator/runtime/kube/resource.ts';
import {
  adminClient,
  kubectl,
  startTestOperator,
  type TenantObject,
  tenantManifest,
  uniqueName,
  waitReady,
} from '../support/cluster.ts';
import { waitFor } from '../support/wait.ts';

let admin: KubeClient;
let stopOperator: () => Promise<void>;

beforeAll(async () => {
  admin = await adminClient();
  ({ stop: stopOperator } = await startTestOperator(admin));
});

afterAll(async () => {
  await stopOperator();
  admin.close();
});

type Ns = KubeObject & { status?: { phase?: string } };
const labelsOf = async (ns: string) => (await admin.get<Ns>(Builtin.Namespace, ns)).metadata.labels ?? {};

describe('a Tenant', () => {
  it('becomes Ready with its namespaces, RBAC, quota, limits and policies, and kubectl wait sees it', async () => {
    const name = uniqueName('life');
    await apply(
      admin,
      TenantResource,
      tenantManifest(name, { policyProfile: 'restricted', retentionDays: 90 }),
    );
    await kubectl('wait', '--for=condition=Ready', `tenant/${name}`, '--timeout=60s');
    const t = await waitReady(admin, name);
    expect(t.status?.namespaces?.sort()).toEqual([`${name}-default`, `${name}-system`].sort());
    expect(t.status?.observedGeneration).toBe(t.metadata.generation);
    expect(t.metadata.finalizers).toContain('tenantry.dev/tenant-cleanup');

    const labels = await labelsOf(`${name}-default`);
    expect(labels).toMatchObject({
      'tenantry.dev/tenant': name,
      'topology.kubernetes.io/region': 'eu-west-1',
      'pod-security.kubernetes.io/enforce': 'restricted',
      'tenantry.dev/namespace-role': 'workload',
    });
    expect((await labelsOf(`${name}-system`))['tenantry.dev/namespace-role']).toBe('system');

    const rb = await admin.get<AnyObject>(Builtin.RoleBinding, 'tenantry-owners', `${name}-default`);
    expect(rb.subjects).toEqual([
      { kind: 'User', name: `${name}-owner@example.com`, apiGroup: 'rbac.authorization.k8s.io' },
    ]);
    const quota = await admin.get<AnyObject & { spec: { hard: Record<string, string> } }>(
      Builtin.ResourceQuota,
      'tenantry-quota',
      `${name}-default`,
    );
    expect(quota.spec.hard['services.loadbalancers']).toBe('0');
    await admin.get(Builtin.LimitRange, 'tenantry-defaults', `${name}-default`);
    await admin.get(Builtin.NetworkPolicy, 'tenantry-default-deny-ingress', `${name}-default`);
    await admin.get(Builtin.NetworkPolicy, 'tenantry-default-deny-egress', `${name}-default`);
    // The system namespace holds add-ons and receipts, not workloads: no quota there.
    expect(await admin.find(Builtin.ResourceQuota, 'tenantry-quota', `${name}-system`)).toBeUndefined();
  });

  it('converges when the spec changes: new namespaces, profile, quota overrides, owners', async () => {
    const name = uniqueName('conv');
    await apply(admin, TenantResource, tenantManifest(name));
    await waitReady(admin, name);
    await apply(
      admin,
      TenantResource,
      tenantManifest(name, {
        policyProfile: 'restricted',
        retentionDays: 120,
        namespaces: [{ name: 'default' }, { name: 'prod', labels: { team: 'payments' } }],
        quota: { hard: { pods: '7' } },
        owners: [{ name: 'bob@example.com' }, { kind: 'Group', name: 'admins' }],
      }),
    );
    const t = await waitReady(admin, name);
    expect(t.metadata.generation).toBe(2);
    expect(t.status?.namespaces).toContain(`${name}-prod`);
    expect(await labelsOf(`${name}-prod`)).toMatchObject({
      team: 'payments',
      'pod-security.kubernetes.io/enforce': 'restricted',
    });
    expect((await labelsOf(`${name}-default`))['pod-security.kubernetes.io/enforce']).toBe('restricted');
    const quota = await admin.get<AnyObject & { spec: { hard: Record<string, string> } }>(
      Builtin.ResourceQuota,
      'tenantry-quota',
      `${name}-prod`,
    );
    expect(quota.spec.hard.pods).toBe('7');
    const rb = await admin.get<AnyObject & { subjects: { name: string }[] }>(
      Builtin.RoleBinding,
      'tenantry-owners',
      `${name}-prod`,
    );
    expect(rb.subjects.map((s) => s.name)).toEqual(['bob@example.com', 'admins']);

    // Dropping a namespace from the spec deletes it (deletionPolicy Delete).
    await apply(
      admin,
      TenantResource,
      tenantManifest(name, { policyProfile: 'restricted', retentionDays: 120 }),
    );
    await waitFor(
      `namespace ${name}-prod to go away`,
      async () => !(await admin.find(Builtin.Namespace, `${name}-prod`)),
      {
        timeoutMs: 90_000,
      },
    );
    const after = await waitReady(admin, name);
    expect(after.status?.namespaces).not.toContain(`${name}-prod`);
  });

  it('repairs drift: a deleted quota, policy or binding and a changed label come back', async () => {
    const name = uniqueName('drift');
    await apply(admin, TenantResource, tenantManifest(name));
    await waitReady(admin, name);
    const ns = `${name}-default`;
    const quota = await admin.get(Builtin.ResourceQuota, 'tenantry-quota', ns);
    await admin.delete(Builtin.ResourceQuota, 'tenantry-quota', ns);
    await admin.delete(Builtin.NetworkPolicy, 'tenantry-default-deny-ingress', ns);
    await admin.delete(Builtin.RoleBinding, 'tenantry-owners', ns);
    await admin.patch(
      Builtin.Namespace,
      ns,
      undefined,
      { metadata: { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } },
      'merge',
    );
    await waitFor('the quota to be recreated', async () => {
      const q = await admin.find(Builtin.ResourceQuota, 'tenantry-quota', ns);
      return q && q.metadata.uid !== quota.metadata.uid;
    });
    await waitFor('the network policy to be recreated', () =>
      admin.find(Builtin.NetworkPolicy, 'tenantry-default-deny-ingress', ns),
    );
    await waitFor('the owners binding to be recreated', () =>
      admin.find(Builtin.RoleBinding, 'tenantry-owners', ns),
    );
    await waitFor(
      'the Pod Security label to be restored',
      async () => (await labelsOf(ns))['pod-security.kubernetes.io/enforce'] === 'baseline',
    );
  });

  it('on delete removes its namespaces, pods included, and only then lets the Tenant go', async () => {
    const name = uniqueName('del');
    await apply(admin, TenantResource, tenantManifest(name));
    await waitReady(admin, name);
    const ns = `${name}-default`;
    await admin.create(Builtin.Pod, {
      metadata: { name: 'web', namespace: ns },
      spec: { containers: [{ name: 'web', image: 'registry.example/web:1' }] },
    } as AnyObject);
    await waitFor('the pod to be scheduled', async () => {
      const p = await admin.get<AnyObject & { spec: { nodeName?: string } }>(Builtin.Pod, 'web', ns);
      return p.spec.nodeName;
    });
    await admin.delete(TenantResource, name);
    // While namespaces remain, the finalizer holds the Tenant.
    const during = await admin.find<TenantObject>(TenantResource, name);
    if (during) expect(during.metadata.deletionTimestamp).toBeDefined();
    await waitFor(
      'the tenant and its namespaces to be gone',
      async () =>
        !(await admin.find(TenantResource, name)) &&
        !(await admin.find(Builtin.Namespace, ns)) &&
        !(await admin.find(Builtin.Namespace, `${name}-system`)),
      { timeoutMs: 120_000 },
    );
  });

  it('with deletionPolicy Retain leaves the namespaces, released from the tenant', async () => {
    const name = uniqueName('keep');
    await apply(admin, TenantResource, tenantManifest(name, { deletionPolicy: 'Retain' }));
    await waitReady(admin, name);
    await admin.delete(TenantResource, name);
    await waitFor('the tenant to be gone', async () => !(await admin.find(TenantResource, name)), {
      timeoutMs: 60_000,
    });
    const ns = await admin.get<Ns>(Builtin.Namespace, `${name}-default`);
    expect(ns.metadata.labels?.['tenantry.dev/tenant']).toBeUndefined();
    expect(ns.metadata.ownerReferences ?? []).toEqual([]);
    expect(ns.status?.phase).toBe('Active');
    await admin.delete(Builtin.Namespace, `${name}-default`);
    await admin.delete(Builtin.Namespace, `${name}-system`);
  });

  it('refuses to take over a namespace it does not manage', async () => {
    const name = uniqueName('clash');
    await admin.create(Builtin.Namespace, {
      metadata: { name: `${name}-default`, labels: { owner: 'someone-else' } },
    });
    await apply(admin, TenantResource, tenantManifest(name));
    const t = await waitFor('the tenant to report the conflict', async () => {
      const got = await admin.get<TenantObject>(TenantResource, name);
      const ready = got.status?.conditions?.find((c) => c.type === 'Ready');
      return ready?.reason === 'NamespaceConflict' ? got : false;
    });
    expect(t.status?.conditions?.find((c) => c.type === 'Stalled')?.status).toBe('True');
    expect(await labelsOf(`${name}-default`)).toEqual(
      expect.not.objectContaining({ 'tenantry.dev/tenant': name }),
    );
    await admin.delete(TenantResource, name);
    await admin.delete(Builtin.Namespace, `${name}-default`);
  });
});
