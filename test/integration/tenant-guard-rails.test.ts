import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GROUP_PLATFORM_ADMINS } from '../../operator/api/names.ts';
import { TenantResource } from '../../operator/api/v1alpha1/index.ts';
import { apply } from '../../operator/runtime/apply.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import { ApiError } from '../../operator/runtime/kube/errors.ts';
import type { AnyObject } from '../../operator/runtime/kube/object.ts';
import { Builtin } from '../../operator/runtime/kube/resource.ts';
import { adminClient, startTestOperator, tenantManifest, uniqueName, waitReady } from '../support/cluster.ts';
import { waitFor } from '../support/wait.ts';

// Guard rails hold against the tenant's own owner (RBAC: no escalate, bind or impersonate) and
// against anyone RBAC lets touch namespaces and quotas (admission): only the operator and
// platform admins may change them.

let admin: KubeClient;
let stopOperator: () => Promise<void>;
let owner: KubeClient;
let ops: KubeClient;
let platform: KubeClient;
const tenant = uniqueName('guard');
const ns = `${tenant}-default`;
const opsUser = uniqueName('ops');
const rbacGroup = 'rbac.authorization.k8s.io';

beforeAll(async () => {
  admin = await adminClient();
  ({ stop: stopOperator } = await startTestOperator(admin));
  await apply(admin, TenantResource, tenantManifest(tenant, { owners: [{ name: `${tenant}-alice` }] }));
  await waitReady(admin, tenant);
  owner = admin.as({ user: `${tenant}-alice`, groups: ['system:authenticated'] });
  // A cluster operator whom RBAC lets edit any namespace, quota, limit range, network policy
  // and role binding: only admission stands between her and the guard rails.
  await apply(admin, Builtin.ClusterRole, {
    metadata: { name: `test:${opsUser}` },
    rules: [
      { apiGroups: [''], resources: ['namespaces', 'resourcequotas', 'limitranges'], verbs: ['*'] },
      { apiGroups: ['networking.k8s.io'], resources: ['networkpolicies'], verbs: ['*'] },
      { apiGroups: [rbacGroup], resources: ['rolebindings'], verbs: ['*'] },
      { apiGroups: [rbacGroup], resources: ['clusterroles'], verbs: ['bind'] },
    ],
  } as AnyObject);
  await apply(admin, Builtin.ClusterRoleBinding, {
    metadata: { name: `test:${opsUser}` },
    roleRef: { apiGroup: rbacGroup, kind: 'ClusterRole', name: `test:${opsUser}` },
    subjects: [{ apiGroup: rbacGroup, kind: 'User', name: opsUser }],
  } as AnyObject);
  ops = admin.as({ user: opsUser, groups: ['system:authenticated'] });
  platform = admin.as({ user: opsUser, groups: ['system:authenticated', GROUP_PLATFORM_ADMINS] });
});

afterAll(async () => {
  await admin.delete(TenantResource, tenant).catch(() => {});
  await admin.delete(Builtin.ClusterRoleBinding, `test:${opsUser}`).catch(() => {});
  await admin.delete(Builtin.ClusterRole, `test:${opsUser}`).catch(() => {});
  await waitFor('the tenant to be gone', async () => !(await admin.find(TenantResource, tenant)), {
    timeoutMs: 120_000,
  });
  await stopOperator();
  admin.close();
});

async function refused(p: Promise<unknown>, code: number, message?: RegExp): Promise<string> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, 'the request should have been refused').toBeInstanceOf(ApiError);
  expect((e as ApiError).code).toBe(code);
  if (message) expect((e as ApiError).message).toMatch(message);
  return (e as ApiError).message;
}

const role = (name: string, rules: unknown[]): AnyObject => ({
  metadata: { name, namespace: ns },
  rules,
});
const binding = (name: string, roleRef: { kind: string; name: string }, user: string): AnyObject => ({
  metadata: { name, namespace: ns },
  roleRef: { apiGroup: rbacGroup, ...roleRef },
  subjects: [{ apiGroup: rbacGroup, kind: 'User', name: user }],
});

describe('a tenant owner cannot escalate inside her own tenant', () => {
  it('cannot write a Role with a rule she does not hold (no escalate)', async () => {
    await refused(
      owner.create(
        Builtin.Role,
        role('ns-editor', [{ apiGroups: [''], resources: ['namespaces'], verbs: ['update', 'patch'] }]),
      ),
      403,
      /attempting to grant RBAC permissions not currently held/,
    );
    await refused(
      owner.create(Builtin.Role, role('wildcard', [{ apiGroups: ['*'], resources: ['*'], verbs: ['*'] }])),
      403,
    );
  });

  it('cannot bind a role stronger than her own (no bind), e.g. admin or cluster-admin', async () => {
    for (const name of ['cluster-admin', 'admin']) {
      await refused(
        owner.create(
          Builtin.RoleBinding,
          binding(`to-${name}`, { kind: 'ClusterRole', name }, `${tenant}-alice`),
        ),
        403,
      );
    }
  });

  it('can still delegate what she holds herself', async () => {
    await owner.create(
      Builtin.Role,
      role('pod-reader', [{ apiGroups: [''], resources: ['pods'], verbs: ['get', 'list'] }]),
    );
    const b = await owner.create(
      Builtin.RoleBinding,
      binding('pod-reader', { kind: 'Role', name: 'pod-reader' }, `${tenant}-bob`),
    );
    expect(b.metadata.uid).toBeDefined();
  });

  it('cannot impersonate the service accounts of her namespace', async () => {
    const sa = owner.as({ user: `system:serviceaccount:${ns}:default` });
    await refused(sa.list(Builtin.Pod, { namespace: ns }), 403);
  });
});

describe('admission keeps guard rails from anyone but the operator and platform admins', () => {
  const patchLabels = (c: KubeClient, labels: Record<string, string | null>) =>
    c.patch(Builtin.Namespace, ns, undefined, { metadata: { labels } }, 'merge');

  it('refuses changing a tenant namespace’s Tenantry, Pod Security and region labels, naming the label', async () => {
    const cases: Array<Record<string, string | null>> = [
      { 'tenantry.dev/tenant': null },
      { 'tenantry.dev/tenant': 'someone-else' },
      { 'pod-security.kubernetes.io/enforce': 'privileged' },
      { 'topology.kubernetes.io/region': 'us-east-1' },
      { 'tenantry.dev/entitlement': 'forged' },
      { 'app.kubernetes.io/managed-by': null },
    ];
    for (const labels of cases) {
      const key = Object.keys(labels)[0] ?? '';
      await refused(
        patchLabels(ops, labels),
        403,
        new RegExp(`label ${key.replaceAll('.', '\\.')} is a guard rail of tenant ${tenant}`),
      );
    }
  });

  it('leaves the node-agents and dedicated-pool labels to the pool policy, which refuses them too', async () => {
    for (const key of ['tenantry.dev/node-agents', 'tenantry.dev/dedicated-pool']) {
      await refused(patchLabels(ops, { [key]: 'true' }), 403, /is for platform admins only/);
    }
  });

  it('still lets her ops team set labels of their own on a tenant namespace', async () => {
    const updated = await patchLabels(ops, { 'team.example/cost-center': '42' });
    expect(updated.metadata.labels?.['team.example/cost-center']).toBe('42');
  });

  it('refuses claiming a namespace for a tenant, or its owner references', async () => {
    await refused(
      ops.create(Builtin.Namespace, {
        metadata: { name: uniqueName('squat'), labels: { 'tenantry.dev/tenant': tenant } },
      }),
      403,
      /label tenantry\.dev\/tenant is set by Tenantry/,
    );
    await refused(
      ops.patch(Builtin.Namespace, ns, undefined, { metadata: { ownerReferences: [] } }, 'merge'),
      403,
      /its owner references are managed by Tenantry/,
    );
  });

  it('refuses deleting or changing the quota, limit range, network policies and owners’ binding', async () => {
    await refused(
      ops.delete(Builtin.ResourceQuota, 'tenantry-quota', ns),
      403,
      /ResourceQuota .*tenantry-quota is one of the tenant's guard rails/,
    );
    await refused(
      ops.patch(Builtin.LimitRange, 'tenantry-defaults', ns, { spec: { limits: [] } }, 'merge'),
      403,
      /guard rails/,
    );
    await refused(ops.delete(Builtin.NetworkPolicy, 'tenantry-default-deny-ingress', ns), 403, /guard rails/);
    await refused(ops.delete(Builtin.RoleBinding, 'tenantry-owners', ns), 403, /guard rails/);
    await refused(
      ops.create(Builtin.ResourceQuota, {
        metadata: { name: 'forged', namespace: ns, labels: { 'app.kubernetes.io/managed-by': 'tenantry' } },
        spec: { hard: { pods: '1000' } },
      } as AnyObject),
      403,
      /guard rails/,
    );
  });

  it('lets a platform admin change them (and the operator repairs what the Tenant says)', async () => {
    await patchLabels(platform, { 'pod-security.kubernetes.io/enforce': 'privileged' });
    await waitFor('the operator to restore Pod Security baseline', async () => {
      const n = await admin.get(Builtin.Namespace, ns);
      return n.metadata.labels?.['pod-security.kubernetes.io/enforce'] === 'baseline';
    });
  });

  it('restores a namespace that lost its labels: the owner reference says whose it is', async () => {
    await patchLabels(platform, { 'tenantry.dev/tenant': null, 'app.kubernetes.io/managed-by': null });
    await waitFor('the operator to give the namespace its labels back', async () => {
      const n = await admin.get(Builtin.Namespace, ns);
      return n.metadata.labels?.['tenantry.dev/tenant'] === tenant;
    });
    const t = await admin.get<
      { status?: { conditions?: Array<{ type: string; status: string }> } } & AnyObject
    >(TenantResource, tenant);
    expect(t.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
  });

  it('made the namespaces by a create its applies fully own (no field left to a create entry)', async () => {
    const n = await admin.get(Builtin.Namespace, `${tenant}-system`);
    const managers =
      (n.metadata as { managedFields?: Array<{ manager: string; operation: string }> }).managedFields ?? [];
    expect(managers.filter((m) => m.manager === 'tenantry').map((m) => m.operation)).toEqual(['Apply']);
  });
});

describe('namespace names that could collide are refused at admission', () => {
  it('refuses a dash in a namespace suffix, saying why', async () => {
    await refused(
      admin.create(TenantResource, tenantManifest(uniqueName('dash'), { namespaces: [{ name: 'b-x' }] })),
      422,
      /spec\.namespaces\[0\]\.name: Invalid value: .*no '-'/,
    );
  });

  it('refuses reserved labels in spec.namespaces, naming them', async () => {
    for (const key of [
      'tenantry.dev/node-agents',
      'pod-security.kubernetes.io/enforce',
      'topology.kubernetes.io/region',
    ]) {
      await refused(
        admin.create(
          TenantResource,
          tenantManifest(uniqueName('lbl'), { namespaces: [{ name: 'default', labels: { [key]: 'x' } }] }),
        ),
        422,
        /are set by Tenantry or the cluster/,
      );
    }
    await refused(
      admin.create(
        TenantResource,
        tenantManifest(uniqueName('lbl'), { namespaces: [{ name: 'default', labels: { 'bad key!': 'x' } }] }),
      ),
      422,
      /label keys must be/,
    );
  });
});
