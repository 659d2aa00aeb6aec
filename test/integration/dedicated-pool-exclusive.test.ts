import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  ANNOTATION_RESERVED_SINCE,
  LABEL_NODE_AGENTS,
  LABEL_POOL,
  LABEL_POOL_NAMESPACE,
  LABEL_POOL_RESTRICTED,
} from '../../operator/api/names.ts';
import type { AddOn } from '../../operator/api/v1alpha1/index.ts';
import { AddOnResource, EntitlementResource, TenantResource } from '../../operator/api/v1alpha1/index.ts';
import { apply } from '../../operator/runtime/apply.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import type { Namespace, Node } from '../../operator/runtime/kube/core.ts';
import type { AnyObject, Condition, KubeObject } from '../../operator/runtime/kube/object.ts';
import { Builtin } from '../../operator/runtime/kube/resource.ts';
import { adminClient, startTestOperator, tenantManifest, uniqueName, waitReady } from '../support/cluster.ts';
import { dedicatedEntitlement, dryRunPod, type Pod, patchNode, refused, testPod } from '../support/pool.ts';
import { waitFor } from '../support/wait.ts';

// The whole operator reserves one node for a tenant while pods of others run on it: they are
// evicted through the Eviction API (a PodDisruptionBudget holds one back, and the AddOn says
// so), and every other way onto the node, or of changing what it is, is refused at admission.

type Event = KubeObject & { type: string; reason: string; message: string };
const PDB = {
  group: 'policy',
  version: 'v1',
  kind: 'PodDisruptionBudget',
  plural: 'poddisruptionbudgets',
  namespaced: true,
};
const ROLE = 'tenantry-test-namespace-labels';

let admin: KubeClient;
let carol: KubeClient;
let stopOperator: () => Promise<void>;
let tenant: string;
let nsC: string;
let plainNs: string;
let agentsNs: string;
let target: string;
let outside: string;
let addon: AddOn;
const kubeSystemPod = uniqueName('agent');

const podAt = async (ns: string, name: string) => admin.find<Pod>(Builtin.Pod, name, ns);
const provisioned = (a: AddOn | undefined): Condition | undefined =>
  a?.status?.conditions?.find((c) => c.type === 'Provisioned');
const currentAddOn = () =>
  admin.get<AddOn>(AddOnResource, addon.metadata.name ?? '', addon.metadata.namespace);

/** Creates the pod pinned to a node by its hostname label and waits until it runs there. */
async function runOn(
  client: KubeClient,
  ns: string,
  name: string,
  node: string,
  app?: string,
): Promise<void> {
  await client.create(
    Builtin.Pod,
    testPod(ns, name, { nodeSelector: { 'kubernetes.io/hostname': node } }, app ?? 'dedicated-test'),
  );
  await waitFor(`${ns}/${name} running on ${node}`, async () => {
    const p = await podAt(ns, name);
    return p?.spec.nodeName === node && p.status?.phase === 'Running';
  });
}

function bind(client: KubeClient, ns: string, name: string, node: string): Promise<unknown> {
  return client.request('POST', `/api/v1/namespaces/${ns}/pods/${name}/binding`, {
    body: {
      apiVersion: 'v1',
      kind: 'Binding',
      metadata: { name, namespace: ns },
      target: { kind: 'Node', name: node },
    },
  });
}

beforeAll(async () => {
  admin = await adminClient();
  ({ stop: stopOperator } = await startTestOperator(admin));
  const nodes = (await admin.list<Node>(Builtin.Node)).items
    .filter((n) => !n.metadata.labels?.[LABEL_POOL])
    .map((n) => n.metadata.name ?? '')
    .sort();
  // The last free node: the other pool test takes the first ones of a region.
  target = nodes.at(-1) ?? '';
  outside = nodes.at(-2) ?? '';
  tenant = uniqueName('dpx');
  nsC = `${tenant}-default`;
  plainNs = uniqueName('plain');
  agentsNs = uniqueName('agents');
  await apply(admin, TenantResource, tenantManifest(tenant, { owners: [{ name: 'carol' }] }));
  await apply(admin, EntitlementResource, dedicatedEntitlement(tenant, 1));
  await admin.create(Builtin.Namespace, { metadata: { name: plainNs } });
  // system:masters may set the node-agents label.
  await admin.create(Builtin.Namespace, {
    metadata: { name: agentsNs, labels: { [LABEL_NODE_AGENTS]: 'true' } },
  });
  await waitReady(admin, tenant);
  carol = admin.as({ user: 'carol', groups: ['system:authenticated'] });
});

afterAll(async () => {
  if (addon) {
    await admin.delete(AddOnResource, addon.metadata.name ?? '', addon.metadata.namespace).catch(() => {});
    await waitFor('the pool node released', async () => {
      const n = await admin.get<Node>(Builtin.Node, target);
      return n.metadata.labels?.[LABEL_POOL] === undefined;
    }).catch((e: unknown) => console.error(e));
  }
  await admin.delete(TenantResource, tenant).catch(() => {});
  await admin.delete(EntitlementResource, tenant).catch(() => {});
  for (const ns of [plainNs, agentsNs]) await admin.delete(Builtin.Namespace, ns).catch(() => {});
  await admin.delete(Builtin.Pod, kubeSystemPod, 'kube-system').catch(() => {});
  await admin.delete(Builtin.ClusterRoleBinding, ROLE).catch(() => {});
  await admin.delete(Builtin.ClusterRole, ROLE).catch(() => {});
  await stopOperator();
  admin.close();
});

describe('an exclusive dedicated pool', () => {
  it('evicts the pods of others from a node it reserves; a PodDisruptionBudget holds one back, and the AddOn says so', async () => {
    await runOn(admin, plainNs, 'victim', target);
    await runOn(admin, plainNs, 'guarded', target, 'guarded');
    await runOn(admin, agentsNs, 'agent', target);
    await runOn(admin, 'kube-system', kubeSystemPod, target);
    await runOn(carol, nsC, 'own', target);
    await admin.create(PDB, {
      metadata: { name: 'guarded', namespace: plainNs },
      spec: { minAvailable: 1, selector: { matchLabels: { app: 'guarded' } } },
    } as AnyObject);
    await waitFor('the budget to allow no disruption', async () => {
      const pdb = await admin.get<
        AnyObject & { status?: { currentHealthy?: number; disruptionsAllowed?: number } }
      >(PDB, 'guarded', plainNs);
      return pdb.status?.currentHealthy === 1 && pdb.status.disruptionsAllowed === 0;
    });

    const t0 = Date.now();
    addon = await waitFor('the add-on to be admitted', () =>
      carol
        .create<AddOn>(AddOnResource, {
          apiVersion: 'tenantry.dev/v1alpha1',
          kind: 'AddOn',
          metadata: { name: 'pool', namespace: `${tenant}-system` },
          spec: {
            type: 'DedicatedCompute',
            approval: { reason: 'isolation' },
            dedicatedCompute: {
              nodes: 1,
              candidateSelector: { matchLabels: { 'kubernetes.io/hostname': target } },
            },
          },
        } as AddOn)
        .then(
          (a) => a,
          () => false,
        ),
    );
    const blocked = await waitFor(
      'the AddOn to report the refused eviction',
      async () => {
        const c = provisioned(await currentAddOn());
        return c?.reason === 'EvictionRefused' && /^1 pod /.test(c.message) ? c : false;
      },
      { timeoutMs: 60_000 },
    );
    console.info(`victim evicted and refusal reported in ${Date.now() - t0} ms`);
    expect(blocked.status).toBe('False');
    expect(blocked.message).toMatch(
      new RegExp(`^1 pod of other tenants still on ${target}: 1 eviction refused \\(a PodDisruptionBudget`),
    );
    // The tenant reads this: no name of the other namespace or its pods.
    expect(blocked.message).not.toContain(plainNs);
    expect((await currentAddOn()).status?.provisioned?.nodes).toEqual([target]);

    expect(await podAt(plainNs, 'victim')).toBeUndefined();
    for (const [ns, name] of [
      [plainNs, 'guarded'],
      [agentsNs, 'agent'],
      ['kube-system', kubeSystemPod],
      [nsC, 'own'],
    ] as const) {
      expect((await podAt(ns, name))?.spec.nodeName, `${ns}/${name} stays`).toBe(target);
    }

    const events = async (ns: string, name: string) =>
      (
        await admin.list<Event>(Builtin.Event, {
          namespace: ns,
          fieldSelector: `involvedObject.name=${name}`,
        })
      ).items;
    const addonEvents = await waitFor('Events on the AddOn', async () => {
      const list = await events(`${tenant}-system`, 'pool');
      return list.some((e) => e.reason === 'EvictionRefused') ? list : false;
    });
    expect(addonEvents.map((e) => e.message).join('\n')).not.toContain(plainNs);
    const nodeEvents = await waitFor('Events on the Node naming the pods', async () => {
      const list = await events('default', target);
      const text = list.map((e) => `${e.type} ${e.reason} ${e.message}`).join('\n');
      return text.includes(`evicting ${plainNs}/victim`) && text.includes(`evicting ${plainNs}/guarded`)
        ? text
        : false;
    });
    expect(nodeEvents).toMatch(
      new RegExp(
        `Warning EvictionRefused evicting ${plainNs}/guarded .* refused: 429 .*disruption budget guarded needs 1 healthy`,
      ),
    );
    // The other namespace's owners learn why their pod must move, not for whom.
    const told = await waitFor('an Event on the guarded pod', async () => {
      const e = (await events(plainNs, 'guarded')).find((x) => x.reason === 'EvictionRefused');
      return e ?? false;
    });
    expect(told.message).toMatch(new RegExp(`node ${target} is now reserved as dedicated compute`));
    expect(told.message).not.toContain(tenant);

    // Once the budget allows it, the retry (with backoff) moves the pod and the pool is whole.
    await admin.delete(PDB, 'guarded', plainNs);
    const t1 = Date.now();
    const done = await waitFor(
      "the pool to be the tenant's alone",
      async () => {
        const c = provisioned(await currentAddOn());
        return c?.reason === 'NodesReserved' ? c : false;
      },
      { timeoutMs: 90_000 },
    );
    console.info(`guarded pod evicted ${Date.now() - t1} ms after its budget went`);
    expect(done.status).toBe('True');
    expect(await podAt(plainNs, 'guarded')).toBeUndefined();
    expect((await podAt(nsC, 'own'))?.spec.nodeName).toBe(target);
  });

  it('refuses a binding or spec.nodeName that puts a pod of others on the pool, and a pool pod outside it', async () => {
    await admin.create(Builtin.Pod, testPod(plainNs, 'unscheduled', { schedulerName: 'none' }));
    const binding = await refused(bind(admin, plainNs, 'unscheduled', target));
    expect(binding.message).toContain(
      `pods/binding target.name: node ${target} is reserved as another tenant's dedicated compute; pods of namespace ${plainNs} cannot run on it`,
    );
    const nodeName = await refused(
      admin.create(Builtin.Pod, testPod(plainNs, 'direct', { nodeName: target })),
    );
    expect(nodeName.message).toContain(
      `spec.nodeName: node ${target} is reserved as another tenant's dedicated compute`,
    );
    // Node agents and nodes outside the pool stay open.
    await dryRunPod(admin, testPod('kube-system', `${kubeSystemPod}-direct`, { nodeName: target }));
    await bind(admin, plainNs, 'unscheduled', outside);

    // The tenant's own pods (pinned by the pool policies) bind only inside the pool.
    await waitFor('the namespace to join the pool', async () => {
      const ns = await admin.get<Namespace>(Builtin.Namespace, nsC);
      return ns.metadata.labels?.[LABEL_POOL_NAMESPACE] === 'true';
    });
    const pinned = await waitFor<Pod>('a pinned pod of the tenant', () =>
      carol.create<Pod>(Builtin.Pod, testPod(nsC, 'pinned', { schedulerName: 'none' })).then(
        (p) => (p.spec.nodeSelector?.[LABEL_POOL_RESTRICTED] === tenant ? p : false),
        () => false,
      ),
    );
    expect(pinned.spec.nodeSelector).toEqual({ [LABEL_POOL_RESTRICTED]: tenant });
    const outsideBinding = await refused(bind(admin, nsC, 'pinned', outside));
    expect(outsideBinding.message).toContain(
      `pods/binding target.name: node ${outside} is not in the dedicated pool of tenant ${tenant}; pods of namespace ${nsC} run only on its nodes`,
    );
    await bind(admin, nsC, 'pinned', target);
    expect((await podAt(nsC, 'pinned'))?.spec.nodeName).toBe(target);
  });

  it('refuses pool label and annotation changes through nodes/status', async () => {
    const status = { subresource: 'status' };
    for (const metadata of [
      { labels: { [LABEL_POOL]: null } },
      { labels: { [LABEL_POOL_RESTRICTED]: 'someone-else' } },
      { annotations: { [ANNOTATION_RESERVED_SINCE]: '2020-01-01T00:00:00.000Z' } },
    ]) {
      const e = await refused(patchNode(admin, target, { metadata }, status));
      expect(e.message).toMatch(/labels and the .* annotation of a node are managed by Tenantry/);
    }
    // Nor can a free node be labelled into a pool that way.
    const into = await refused(
      patchNode(admin, outside, { metadata: { labels: { [LABEL_POOL_RESTRICTED]: tenant } } }, status),
    );
    expect(into.message).toMatch(/managed by Tenantry/);
    await patchNode(
      admin,
      target,
      { metadata: { labels: { 'example.com/note': 'x' } } },
      { ...status, dryRun: true },
    );
    const n = await admin.get<Node>(Builtin.Node, target);
    expect(n.metadata.labels).toMatchObject({ [LABEL_POOL]: tenant, [LABEL_POOL_RESTRICTED]: tenant });
  });

  it('lets only platform admins set the node-agents and dedicated-pool labels of a namespace', async () => {
    // Grants that let the API reach admission: the policy, not RBAC, must say no.
    await apply(admin, Builtin.ClusterRole, {
      metadata: { name: ROLE },
      rules: [
        {
          apiGroups: [''],
          resources: ['namespaces', 'namespaces/status'],
          verbs: ['get', 'patch', 'create'],
        },
      ],
    } as AnyObject);
    await apply(admin, Builtin.ClusterRoleBinding, {
      metadata: { name: ROLE },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: ROLE },
      subjects: [
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: 'carol' },
        { apiGroup: 'rbac.authorization.k8s.io', kind: 'Group', name: 'tenantry:platform-admins' },
      ],
    } as AnyObject);
    const label = (
      client: KubeClient,
      ns: string,
      labels: Record<string, string | null>,
      opts: { status?: boolean; dryRun?: boolean } = {},
    ) =>
      client.request('PATCH', `/api/v1/namespaces/${ns}${opts.status ? '/status' : ''}`, {
        body: { metadata: { labels } },
        contentType: 'application/merge-patch+json',
        query: opts.dryRun ? { dryRun: 'All' } : {},
      });
    const own = await waitFor('RBAC to let carol patch namespaces', async () => {
      const e = await refused(label(carol, nsC, { [LABEL_NODE_AGENTS]: 'true' }));
      return e.code === 403 && !/cannot patch/.test(e.message) ? e : false;
    });
    expect(own.message).toContain(
      `metadata.labels[${LABEL_NODE_AGENTS}]: "true" is for platform admins only (system:masters or group tenantry:platform-admins)`,
    );
    const viaStatus = await refused(label(carol, plainNs, { [LABEL_NODE_AGENTS]: 'true' }, { status: true }));
    expect(viaStatus.message).toContain(
      `metadata.labels[${LABEL_NODE_AGENTS}]: "true" is for platform admins only`,
    );
    const unpool = await refused(label(carol, nsC, { [LABEL_POOL_NAMESPACE]: null }));
    expect(unpool.message).toContain(
      `metadata.labels[${LABEL_POOL_NAMESPACE}]: removing "true" is for platform admins only`,
    );
    const created = await refused(
      carol.create(Builtin.Namespace, {
        metadata: { name: uniqueName('agents'), labels: { [LABEL_NODE_AGENTS]: 'true' } },
      }),
    );
    expect(created.message).toContain(
      `metadata.labels[${LABEL_NODE_AGENTS}]: "true" is for platform admins only`,
    );
    // The platform-admin group may.
    const pat = admin.as({ user: 'pat', groups: ['system:authenticated', 'tenantry:platform-admins'] });
    await label(pat, plainNs, { [LABEL_NODE_AGENTS]: 'true' }, { dryRun: true });
    expect(
      (await admin.get<Namespace>(Builtin.Namespace, nsC)).metadata.labels?.[LABEL_NODE_AGENTS],
    ).toBeUndefined();
  });
});
