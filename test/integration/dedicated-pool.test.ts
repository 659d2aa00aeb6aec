import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { loadKubeConfig } from '../../cmd/kubeconfig.ts';
import { staticPoolAdmission } from '../../operator/admission/pool-policies.ts';
import {
  ANNOTATION_RESERVED_SINCE,
  LABEL_POOL,
  LABEL_POOL_NAMESPACE,
  LABEL_POOL_RESTRICTED,
  TAINT_POOL,
} from '../../operator/api/names.ts';
import type { AddOn } from '../../operator/api/v1alpha1/index.ts';
import { AddOnResource, EntitlementResource, TenantResource } from '../../operator/api/v1alpha1/index.ts';
import type { DedicatedDeps } from '../../operator/controllers/addon/dedicated/reconcile.ts';
import {
  reconcileDedicated,
  releaseDedicated,
} from '../../operator/controllers/addon/dedicated/reconcile.ts';
import { DEFAULT_NAMESPACE, OPERATOR_NAME } from '../../operator/install/rbac.ts';
import { serviceAccountKubeConfig } from '../../operator/install/token.ts';
import { apply } from '../../operator/runtime/apply.ts';
import { CheckSchedule } from '../../operator/runtime/check-schedule.ts';
import { realClock } from '../../operator/runtime/clock.ts';
import { KubeEventRecorder } from '../../operator/runtime/events.ts';
import { KubeClient } from '../../operator/runtime/kube/client.ts';
import type { Node } from '../../operator/runtime/kube/core.ts';
import { ApiError } from '../../operator/runtime/kube/errors.ts';
import type { AnyObject } from '../../operator/runtime/kube/object.ts';
import { Builtin, type ResourceType } from '../../operator/runtime/kube/resource.ts';
import { silentLogger } from '../../operator/runtime/log.ts';
import { adminClient, startTestOperator, tenantManifest, uniqueName, waitReady } from '../support/cluster.ts';
import {
  dedicatedEntitlement,
  dryRunPod,
  type Pod,
  patchNode,
  testPod as pod,
  refused,
} from '../support/pool.ts';
import { waitFor } from '../support/wait.ts';

type AddOnObject = AddOn;

const PODS_EACH = 24;
const TEST_ROLE = 'tenantry-test-dedicated-nodes';

let admin: KubeClient;
/** Acts as the operator's ServiceAccount: the only identity the node policy lets through. */
let operator: KubeClient;
let stopOperator: () => Promise<void>;
let tenantA: string;
let tenantB: string;
let nsA: string;
let nsB: string;
let plainNs: string;
let alice: KubeClient;
let bob: KubeClient;
let addon: AddOnObject;
let pool: string[] = [];
/** Policies this file installed (not there before), removed at the end. */
const installed: Array<{ type: ResourceType; name: string }> = [];

const nodeCache = async (): Promise<DedicatedDeps['nodes']> => {
  const items = (await admin.list<Node>(Builtin.Node)).items;
  return { list: () => items, get: (k) => items.find((n) => n.metadata.name === k) };
};
const deps = async (): Promise<DedicatedDeps> => ({
  client: operator,
  clock: realClock,
  nodes: await nodeCache(),
  namespace: DEFAULT_NAMESPACE,
  recorder: new KubeEventRecorder(operator, realClock, silentLogger),
  evictions: new CheckSchedule(realClock),
});

const kindType: Record<string, ResourceType> = {
  ValidatingAdmissionPolicy: Builtin.ValidatingAdmissionPolicy,
  ValidatingAdmissionPolicyBinding: Builtin.ValidatingAdmissionPolicyBinding,
  MutatingAdmissionPolicy: Builtin.MutatingAdmissionPolicy,
  MutatingAdmissionPolicyBinding: Builtin.MutatingAdmissionPolicyBinding,
};

async function cleanupNodes(): Promise<void> {
  const d = await deps();
  for (const t of [tenantA, tenantB]) if (t) await releaseDedicated(d, addon, t);
}

beforeAll(async () => {
  admin = await adminClient();
  // This file drives the pool reconcile itself; the operator's own add-on handling for
  // DedicatedCompute would race it for the same nodes.
  ({ stop: stopOperator } = await startTestOperator(admin, { features: 'addonDedicatedCompute=false' }));
  const saKc = await serviceAccountKubeConfig(
    admin,
    loadKubeConfig(inject('kubeconfig')),
    DEFAULT_NAMESPACE,
    OPERATOR_NAME,
  );
  operator = await KubeClient.fromKubeConfig(saKc, { userAgent: 'tenantry-operator-test' });
  // The chart's RBAC has no node rights yet (the lead adds them with the AddOn wiring).
  await apply(admin, Builtin.ClusterRole, {
    metadata: { name: TEST_ROLE },
    rules: [
      { apiGroups: [''], resources: ['nodes'], verbs: ['get', 'list', 'watch', 'patch'] },
      {
        apiGroups: ['admissionregistration.k8s.io'],
        resources: ['validatingadmissionpolicybindings', 'mutatingadmissionpolicybindings'],
        verbs: ['get'],
      },
    ],
  } as AnyObject);
  await apply(admin, Builtin.ClusterRoleBinding, {
    metadata: { name: TEST_ROLE },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: TEST_ROLE },
    subjects: [{ kind: 'ServiceAccount', name: OPERATOR_NAME, namespace: DEFAULT_NAMESPACE }],
  } as AnyObject);

  for (const obj of staticPoolAdmission(DEFAULT_NAMESPACE)) {
    const type = kindType[obj.kind ?? ''];
    if (!type) throw new Error(`unexpected kind ${obj.kind}`);
    const name = obj.metadata.name ?? '';
    if (!(await admin.find(type, name))) installed.push({ type, name });
    await apply(admin, type, obj);
  }

  tenantA = uniqueName('dpa');
  tenantB = uniqueName('dpb');
  nsA = `${tenantA}-default`;
  nsB = `${tenantB}-default`;
  await apply(admin, TenantResource, tenantManifest(tenantA, { owners: [{ name: 'alice' }] }));
  await apply(admin, TenantResource, tenantManifest(tenantB, { owners: [{ name: 'bob' }] }));
  await apply(admin, EntitlementResource, dedicatedEntitlement(tenantA, 2));
  await Promise.all([waitReady(admin, tenantA), waitReady(admin, tenantB)]);
  alice = admin.as({ user: 'alice', groups: ['system:authenticated'] });
  bob = admin.as({ user: 'bob', groups: ['system:authenticated'] });
  plainNs = uniqueName('plain');
  await admin.create(Builtin.Namespace, { metadata: { name: plainNs } });
});

afterAll(async () => {
  await cleanupNodes().catch((e: unknown) => console.error('releasing pool nodes failed', e));
  const left = (await admin.list<Node>(Builtin.Node)).items.filter(
    (n) => n.metadata.labels?.[LABEL_POOL] === tenantA || n.metadata.labels?.[LABEL_POOL] === tenantB,
  );
  if (left.length) console.error(`pool labels left on ${left.map((n) => n.metadata.name).join(', ')}`);
  for (const t of [tenantA, tenantB]) await admin.delete(TenantResource, t).catch(() => {});
  await admin.delete(EntitlementResource, tenantA).catch(() => {});
  await admin.delete(Builtin.Namespace, plainNs).catch(() => {});
  for (const { type, name } of installed.reverse()) await admin.delete(type, name).catch(() => {});
  await admin.delete(Builtin.ClusterRoleBinding, TEST_ROLE).catch(() => {});
  await admin.delete(Builtin.ClusterRole, TEST_ROLE).catch(() => {});
  await stopOperator();
  operator?.close();
  admin.close();
});

describe('DedicatedCompute pool', () => {
  it('reserves the pool: labels and taints the chosen nodes', async () => {
    const spec = {
      type: 'DedicatedCompute',
      approval: { reason: 'noisy neighbours' },
      dedicatedCompute: {
        nodes: 2,
        candidateSelector: {
          matchLabels: { 'node.kubernetes.io/instance-type': 'm5.2xlarge' },
          matchExpressions: [{ key: 'topology.kubernetes.io/region', operator: 'In', values: ['eu-west-1'] }],
        },
      },
    };
    const manifest = {
      apiVersion: 'tenantry.dev/v1alpha1',
      kind: 'AddOn',
      metadata: { name: 'pool', namespace: `${tenantA}-system` },
      spec,
    } as AddOnObject;
    // The owner asks for it, once the operator has bound the Entitlement.
    addon = await waitFor('the add-on to be admitted', () =>
      alice.create<AddOnObject>(AddOnResource, manifest).then(
        (a) => a,
        () => false,
      ),
    );
    const t0 = Date.now();
    const result = await reconcileDedicated(await deps(), addon, tenantA);
    expect(result.conditions).toEqual([
      expect.objectContaining({ type: 'Provisioned', status: 'True', reason: 'NodesReserved' }),
      expect.objectContaining({ type: 'Enforced', status: 'True' }),
    ]);
    expect(result.poolNamespacesLabel).toBe(true);
    pool = result.provisioned?.nodes ?? [];
    expect(pool).toHaveLength(2);
    const nodes = (await admin.list<Node>(Builtin.Node)).items;
    for (const n of nodes.filter((x) => pool.includes(x.metadata.name ?? ''))) {
      expect(n.metadata.labels).toMatchObject({
        [LABEL_POOL]: tenantA,
        [LABEL_POOL_RESTRICTED]: tenantA,
        'topology.kubernetes.io/region': 'eu-west-1',
      });
      expect(n.spec?.taints).toContainEqual({ key: TAINT_POOL, value: tenantA, effect: 'NoSchedule' });
    }
    // Idempotent: a second reconcile writes nothing.
    const writes = vi.spyOn(operator, 'patch');
    const again = await reconcileDedicated(await deps(), addon, tenantA);
    expect(again.provisioned?.nodes).toEqual(pool);
    expect(writes).not.toHaveBeenCalled();
    writes.mockRestore();
    console.info(`pool reserved in ${Date.now() - t0} ms: ${pool.join(', ')}`);
  });

  it('places every pod of the dedicated tenant on its pool and no other pod there', async () => {
    // The lead's tenant desired state will carry this label; here the test sets it.
    await admin.patch(
      Builtin.Namespace,
      nsA,
      undefined,
      { metadata: { labels: { [LABEL_POOL_NAMESPACE]: 'true' } } },
      'merge',
    );
    // The mutating policy sees the label once the API server's namespace cache has it.
    await waitFor('pods in the pool namespace to be pinned', async () => {
      const p = await dryRunPod(alice, pod(nsA, 'probe'));
      return p.spec.nodeSelector?.[LABEL_POOL_RESTRICTED] === tenantA ? p : false;
    });
    const t0 = Date.now();
    await Promise.all(
      Array.from({ length: PODS_EACH }, (_, i) => [
        alice.create(Builtin.Pod, pod(nsA, `a-${i}`)),
        bob.create(Builtin.Pod, pod(nsB, `b-${i}`)),
      ]).flat(),
    );
    const bound = async (ns: string) => {
      const pods = (
        await admin.list<Pod>(Builtin.Pod, { namespace: ns, labelSelector: 'app=dedicated-test' })
      ).items;
      return pods.length === PODS_EACH && pods.every((p) => p.spec.nodeName) ? pods : false;
    };
    const [podsA, podsB] = await Promise.all([
      waitFor(`${PODS_EACH} pods of ${tenantA} bound`, () => bound(nsA), { timeoutMs: 90_000 }),
      waitFor(`${PODS_EACH} pods of ${tenantB} bound`, () => bound(nsB), { timeoutMs: 90_000 }),
    ]);
    console.info(`${2 * PODS_EACH} pods bound in ${Date.now() - t0} ms`);
    for (const p of podsA) {
      expect(pool).toContain(p.spec.nodeName);
      expect(p.spec.nodeSelector).toMatchObject({ [LABEL_POOL_RESTRICTED]: tenantA });
      expect(p.spec.tolerations).toContainEqual(
        expect.objectContaining({ key: TAINT_POOL, operator: 'Equal', value: tenantA, effect: 'NoSchedule' }),
      );
    }
    for (const p of podsB) expect(pool).not.toContain(p.spec.nodeName);
    // Both pool nodes are used, and the shared tenant spread over the others.
    expect(new Set(podsA.map((p) => p.spec.nodeName)).size).toBe(2);
    // The mutation keeps the pod's own selector keys, overrides a foreign pool value and
    // does not duplicate a toleration the pod already has.
    const own = { key: TAINT_POOL, operator: 'Equal', value: tenantA, effect: 'NoSchedule' };
    const merged = await dryRunPod(
      alice,
      pod(nsA, 'merge', {
        nodeSelector: { 'topology.kubernetes.io/region': 'eu-west-1', [LABEL_POOL_RESTRICTED]: tenantB },
        tolerations: [own, { key: 'example.com/other', operator: 'Exists', effect: 'NoSchedule' }],
      }),
    );
    expect(merged.spec.nodeSelector).toEqual({
      'topology.kubernetes.io/region': 'eu-west-1',
      [LABEL_POOL_RESTRICTED]: tenantA,
    });
    expect(merged.spec.tolerations?.filter((t) => t.key === TAINT_POOL)).toEqual([own]);
    expect(merged.spec.tolerations).toContainEqual(expect.objectContaining({ key: 'example.com/other' }));
  });

  it('refuses every way around the pool', async () => {
    const nodes = (await admin.list<Node>(Builtin.Node)).items.map((n) => n.metadata.name ?? '');
    const outside = nodes.find((n) => !pool.includes(n)) ?? '';
    const [poolNode = ''] = pool;

    const nodeName = await refused(
      alice.create(Builtin.Pod, pod(nsA, 'bypass-nodename', { nodeName: outside })),
    );
    expect(nodeName.message).toMatch(/spec\.nodeName cannot be set in a tenant namespace/);
    // Also to the pool itself, and for the shared tenant.
    await refused(bob.create(Builtin.Pod, pod(nsB, 'bypass-nodename', { nodeName: poolNode })));

    for (const [client, ns] of [
      [alice, nsA],
      [bob, nsB],
    ] as const) {
      const wildcard = await refused(
        client.create(Builtin.Pod, pod(ns, 'bypass-wildcard', { tolerations: [{ operator: 'Exists' }] })),
      );
      expect(wildcard.message).toMatch(/toleration without a key/);
    }

    const otherTenant = await refused(
      bob.create(
        Builtin.Pod,
        pod(nsB, 'bypass-toleration', {
          tolerations: [{ key: TAINT_POOL, operator: 'Equal', value: tenantA, effect: 'NoSchedule' }],
          nodeSelector: { [LABEL_POOL]: tenantA },
        }),
      ),
    );
    expect(otherTenant.message).toMatch(/must be for this tenant's own pool/);
    const anyPool = await refused(
      bob.create(
        Builtin.Pod,
        pod(nsB, 'bypass-exists', { tolerations: [{ key: TAINT_POOL, operator: 'Exists' }] }),
      ),
    );
    expect(anyPool.message).toMatch(/must be for this tenant's own pool/);
    const otherSelector = await refused(
      bob.create(
        Builtin.Pod,
        pod(nsB, 'bypass-selector', { nodeSelector: { [LABEL_POOL_RESTRICTED]: tenantA } }),
      ),
    );
    expect(otherSelector.message).toMatch(/is another tenant's pool/);

    // Outside tenant namespaces, even an admin cannot tolerate the pool (or every taint).
    for (const tolerations of [
      [{ key: TAINT_POOL, operator: 'Equal', value: tenantA, effect: 'NoSchedule' }],
      [{ operator: 'Exists' }],
    ]) {
      const plain = await refused(admin.create(Builtin.Pod, pod(plainNs, 'bypass-plain', { tolerations })));
      expect(plain.message).toMatch(
        /tolerating tenantry\.dev\/dedicated .* is not allowed outside kube-system/,
      );
    }
    // A plain pod without pool tolerations is fine there.
    await dryRunPod(admin, pod(plainNs, 'plain-ok'));

    // A tenant owner has no rights on nodes at all.
    const owner = await refused(patchNode(alice, poolNode, { metadata: { labels: { [LABEL_POOL]: null } } }));
    expect(owner.code).toBe(403);
    // An admin who is not the operator cannot unlabel, relabel or untaint a pool node...
    for (const labels of [
      { [LABEL_POOL]: null },
      { [LABEL_POOL_RESTRICTED]: null },
      { [LABEL_POOL_RESTRICTED]: tenantB },
    ]) {
      const e = await refused(patchNode(admin, poolNode, { metadata: { labels } }));
      expect(e.message).toMatch(/labels and the .* annotation of a node are managed by Tenantry/);
    }
    // ...nor move the metered reservation start (it would change the invoice).
    for (const since of ['2020-01-01T00:00:00.000Z', null]) {
      const e = await refused(
        patchNode(admin, poolNode, { metadata: { annotations: { [ANNOTATION_RESERVED_SINCE]: since } } }),
      );
      expect(e.message).toMatch(/annotation of a node are managed by Tenantry/);
    }
    const taints = (await admin.get<Node>(Builtin.Node, poolNode)).spec?.taints ?? [];
    const untaint = await refused(
      patchNode(admin, poolNode, { spec: { taints: taints.filter((t) => t.key !== TAINT_POOL) } }),
    );
    expect(untaint.message).toMatch(/taint of a node is managed by Tenantry/);
    // ...nor label a free node into a pool.
    const selfLabel = await refused(
      patchNode(admin, outside, { metadata: { labels: { [LABEL_POOL_RESTRICTED]: tenantA } } }),
    );
    expect(selfLabel.message).toMatch(/annotation of a node are managed by Tenantry/);
    // Other labels of pool nodes stay the admin's to change.
    await patchNode(admin, poolNode, { metadata: { labels: { 'example.com/note': 'x' } } }, { dryRun: true });
  });

  it('still requires the pool selector when the mutating policy is missing', async () => {
    const pin = staticPoolAdmission(DEFAULT_NAMESPACE).find(
      (o) => o.kind === 'MutatingAdmissionPolicyBinding',
    ) as AnyObject;
    await admin.delete(Builtin.MutatingAdmissionPolicyBinding, pin.metadata.name ?? '');
    try {
      const e = await waitFor('the validating backstop to refuse an unpinned pod', async () => {
        const err = await dryRunPod(alice, pod(nsA, 'unpinned')).then(
          () => undefined,
          (x: unknown) => x,
        );
        return err instanceof ApiError && /run on the tenant's dedicated nodes/.test(err.message)
          ? err
          : false;
      });
      expect(e.message).toContain(`set spec.nodeSelector[${LABEL_POOL_RESTRICTED}] to ${tenantA}`);
      // With the selector and toleration written by hand, the pod is admitted.
      await dryRunPod(
        alice,
        pod(nsA, 'pinned', {
          nodeSelector: { [LABEL_POOL_RESTRICTED]: tenantA },
          tolerations: [{ key: TAINT_POOL, operator: 'Equal', value: tenantA, effect: 'NoSchedule' }],
        }),
      );
    } finally {
      await apply(admin, Builtin.MutatingAdmissionPolicyBinding, pin);
    }
    await waitFor('pods to be pinned again', async () => {
      const p = await dryRunPod(alice, pod(nsA, 'probe'));
      return p.spec.nodeSelector?.[LABEL_POOL_RESTRICTED] === tenantA;
    });
  });

  it('reports InsufficientNodes and touches no node when the pool cannot be filled', async () => {
    const tenantC = uniqueName('dpc');
    const writes = vi.spyOn(operator, 'patch');
    const wanting = {
      ...addon,
      metadata: { ...addon.metadata, namespace: `${tenantC}-system` },
      spec: {
        ...addon.spec,
        dedicatedCompute: {
          nodes: 5,
          candidateSelector: { matchLabels: { 'topology.kubernetes.io/region': 'eu-west-1' } },
        },
      },
    } as AddOnObject;
    const result = await reconcileDedicated(await deps(), wanting, tenantC);
    expect(result.conditions[0]).toMatchObject({
      type: 'Provisioned',
      status: 'False',
      reason: 'InsufficientNodes',
    });
    expect(result.conditions[0]?.message).toMatch(
      /5 nodes wanted, \d available .*: \d missing; no node was changed/,
    );
    expect(result.provisioned).toBeUndefined();
    expect(result.requeueAfterMs).toBeGreaterThan(0);
    expect(writes).not.toHaveBeenCalled();
    writes.mockRestore();
    const after = (await admin.list<Node>(Builtin.Node)).items;
    expect(after.filter((n) => n.metadata.labels?.[LABEL_POOL] === tenantC)).toEqual([]);
  });

  it('releases the pool: labels and taints removed', async () => {
    await releaseDedicated(await deps(), addon, tenantA);
    const nodes = (await admin.list<Node>(Builtin.Node)).items;
    for (const n of nodes) {
      expect(n.metadata.labels?.[LABEL_POOL]).not.toBe(tenantA);
      expect(n.metadata.labels?.[LABEL_POOL_RESTRICTED]).not.toBe(tenantA);
      expect(n.spec?.taints ?? []).not.toContainEqual(
        expect.objectContaining({ key: TAINT_POOL, value: tenantA }),
      );
    }
  });
});
