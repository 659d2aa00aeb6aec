import { describe, expect, it } from 'vitest';
import { ANNOTATION_RESERVED_SINCE, journalName } from '../../../api/names.ts';
import type { AddOn } from '../../../api/v1alpha1/index.ts';
import { CheckSchedule } from '../../../runtime/check-schedule.ts';
import type { KubeClient } from '../../../runtime/kube/client.ts';
import type { Namespace, Node, NodeTaint } from '../../../runtime/kube/core.ts';
import { ApiError } from '../../../runtime/kube/errors.ts';
import type { KubeObject } from '../../../runtime/kube/object.ts';
import { FakeClock } from '../../../runtime/testing/fake-clock.ts';
import type { Pod } from './foreign.ts';
import { isPoolNode, reconcileDedicated, releaseDedicated } from './reconcile.ts';

type Patch = {
  metadata: {
    resourceVersion?: string;
    labels: Record<string, string | null>;
    annotations: Record<string, string | null>;
  };
  spec: { taints: NodeTaint[] };
};

/**
 * Nodes in memory; merge patches applied as the API server would (labels merged, taints
 * replaced). Pods are listed by spec.nodeName and evicted (removed) unless `refuse` names
 * them, which answers 429 as a PodDisruptionBudget does.
 */
function fakeCluster(
  nodes: Node[],
  opts: { policies?: boolean; pods?: Pod[]; namespaces?: Namespace[]; refuse?: Set<string> } = {},
) {
  const store = new Map(nodes.map((n) => [n.metadata.name ?? '', structuredClone(n)]));
  const pods = new Map((opts.pods ?? []).map((p) => [`${p.metadata.namespace}/${p.metadata.name}`, p]));
  const namespaces = new Map((opts.namespaces ?? []).map((n) => [n.metadata.name ?? '', n]));
  const evictions: string[] = [];
  const events: Array<{
    kind?: string | undefined;
    name?: string | undefined;
    type: string;
    reason: string;
    message: string;
  }> = [];
  const writes: string[] = [];
  const configMaps = new Map<string, { metadata: { name: string }; data?: Record<string, string> }>();
  const saveConfigMap = async (cm: { metadata: { name: string } }) => {
    configMaps.set(cm.metadata.name, structuredClone(cm));
    return cm;
  };
  const client = {
    async find(type: { kind: string }, name: string) {
      if (type.kind === 'Node') return structuredClone(store.get(name));
      if (type.kind === 'ConfigMap') return structuredClone(configMaps.get(name));
      if (type.kind === 'Namespace') return structuredClone(namespaces.get(name));
      return opts.policies === false ? undefined : { metadata: { name } };
    },
    async list(type: { kind: string }, o: { fieldSelector?: string }) {
      expect(type.kind).toBe('Pod');
      const node = /spec\.nodeName=([^,]+)/.exec(o.fieldSelector ?? '')?.[1];
      return { metadata: {}, items: [...pods.values()].filter((p) => p.spec?.nodeName === node) };
    },
    async request(method: string, path: string, o: { body: { deleteOptions: unknown } }) {
      const m = /^\/api\/v1\/namespaces\/([^/]+)\/pods\/([^/]+)\/eviction$/.exec(path);
      expect(method).toBe('POST');
      if (!m) throw new Error(`unexpected request ${path}`);
      const key = `${m[1]}/${m[2]}`;
      expect(o.body.deleteOptions).toEqual({ preconditions: { uid: pods.get(key)?.metadata.uid } });
      evictions.push(key);
      if (opts.refuse?.has(key)) {
        throw new ApiError(
          429,
          'TooManyRequests',
          "Cannot evict pod as it would violate the pod's disruption budget.",
          {
            causes: [
              {
                reason: 'DisruptionBudget',
                message: 'The disruption budget db needs 1 healthy pods and has 1 currently',
              },
            ],
          },
        );
      }
      pods.delete(key);
      return {};
    },
    create: (_t: unknown, cm: { metadata: { name: string } }) => saveConfigMap(cm),
    update: (_t: unknown, cm: { metadata: { name: string } }) => saveConfigMap(cm),
    async patch(
      _type: unknown,
      name: string,
      _ns: unknown,
      patch: Patch,
      kind: string,
      o: { fieldManager?: string },
    ) {
      expect(kind).toBe('merge');
      expect(o.fieldManager).toBe('tenantry-pool');
      const n = store.get(name);
      if (!n) throw new Error('missing');
      expect(patch.metadata.resourceVersion).toBe(n.metadata.resourceVersion);
      const merge = (old: Record<string, string> | undefined, change: Record<string, string | null>) => {
        const out: Record<string, string> = { ...old };
        for (const [k, v] of Object.entries(change)) {
          if (v === null) delete out[k];
          else out[k] = v;
        }
        return out;
      };
      n.metadata = {
        ...n.metadata,
        labels: merge(n.metadata.labels, patch.metadata.labels),
        annotations: merge(n.metadata.annotations, patch.metadata.annotations),
        resourceVersion: String(Number(n.metadata.resourceVersion) + 1),
      };
      n.spec = { ...n.spec, taints: patch.spec.taints ?? [] };
      writes.push(name);
      return n;
    },
  } as unknown as KubeClient;
  const cache = { list: () => [...store.values()], get: (k: string) => store.get(k) };
  const clock = new FakeClock();
  const recorder = {
    event: (obj: KubeObject, type: string, reason: string, message: string) =>
      events.push({ kind: obj.kind, name: obj.metadata.name, type, reason, message }),
  };
  return {
    client,
    store,
    writes,
    configMaps,
    pods,
    evictions,
    events,
    clock,
    deps: {
      client,
      clock,
      nodes: cache,
      namespace: 'ops',
      recorder,
      evictions: new CheckSchedule(clock),
    },
  };
}

const ns = (name: string, labels: Record<string, string> = {}): Namespace => ({ metadata: { name, labels } });
const podOn = (node: string, key: string, phase = 'Running'): Pod => {
  const [namespace = '', name = ''] = key.split('/');
  return { metadata: { name, namespace, uid: `uid-${key}` }, spec: { nodeName: node }, status: { phase } };
};
const namespaces = [
  ns('acme-default', { 'tenantry.dev/tenant': 'acme' }),
  ns('other-default', { 'tenantry.dev/tenant': 'other' }),
  ns('kube-system'),
  ns('agents', { 'tenantry.dev/node-agents': 'true' }),
  // A tenant's namespace is never a node agent, whatever its labels say.
  ns('sneaky', { 'tenantry.dev/tenant': 'other', 'tenantry.dev/node-agents': 'true' }),
  ns('plain'),
];

const node = (name: string, extra: Partial<Node> = {}): Node => ({
  metadata: { name, resourceVersion: '1', labels: { pool: 'yes' }, ...extra.metadata },
  spec: { ...extra.spec },
  status: { conditions: [{ type: 'Ready', status: 'True' }] },
});

const addon = (nodes: number) =>
  ({
    apiVersion: 'tenantry.dev/v1alpha1',
    kind: 'AddOn',
    metadata: { name: 'dc', namespace: 'acme-system' },
    spec: {
      type: 'DedicatedCompute',
      approval: { reason: 'r' },
      dedicatedCompute: { nodes, candidateSelector: { matchLabels: { pool: 'yes' } } },
    },
  }) as AddOn;

describe('reconcileDedicated', () => {
  it('labels and taints the pool, keeping other taints, then writes nothing when in place', async () => {
    const c = fakeCluster([
      node('n1', { spec: { taints: [{ key: 'example.com/x', effect: 'PreferNoSchedule' }] } }),
      node('n2'),
      node('n3'),
    ]);
    const r = await reconcileDedicated(c.deps, addon(2), 'acme');
    expect(r.provisioned).toEqual({ nodes: ['n1', 'n2'] });
    expect(r.poolNamespacesLabel).toBe(true);
    expect(r.conditions.map((x) => [x.type, x.status, x.reason])).toEqual([
      ['Provisioned', 'True', 'NodesReserved'],
      ['Enforced', 'True', 'AdmissionPolicies'],
    ]);
    const n1 = c.store.get('n1') as Node;
    expect(isPoolNode(n1, 'acme')).toBe(true);
    expect(n1.spec?.taints).toContainEqual({ key: 'example.com/x', effect: 'PreferNoSchedule' });
    expect(c.writes).toEqual(['n1', 'n2']);
    await reconcileDedicated(c.deps, addon(2), 'acme');
    expect(c.writes).toEqual(['n1', 'n2']);
  });

  it('releases surplus nodes when the pool shrinks, and all of them on release', async () => {
    const c = fakeCluster([node('n1'), node('n2'), node('n3')]);
    await reconcileDedicated(c.deps, addon(2), 'acme');
    const r = await reconcileDedicated(c.deps, addon(1), 'acme');
    expect(r.provisioned).toEqual({ nodes: ['n1'] });
    const n2 = c.store.get('n2') as Node;
    expect(n2.metadata.labels).toEqual({ pool: 'yes' });
    expect(n2.spec?.taints).toEqual([]);
    const since = (c.store.get('n1') as Node).metadata.annotations?.[ANNOTATION_RESERVED_SINCE];
    expect(since).toMatch(/^\d{4}-\d\d-\d\dT/);
    await releaseDedicated(c.deps, addon(1), 'acme');
    for (const n of c.store.values()) expect(isPoolNode(n, 'acme')).toBe(false);
    expect((c.store.get('n1') as Node).metadata.labels).toEqual({ pool: 'yes' });
    expect((c.store.get('n1') as Node).metadata.annotations).toEqual({});
    // Both ended reservations are journalled for metering before the labels went, once each.
    const ended = JSON.parse(c.configMaps.get(journalName('acme'))?.data?.['ended.json'] ?? '[]') as Array<{
      node: string;
      from: string;
    }>;
    expect(ended.map((e) => e.node).sort()).toEqual(['n1', 'n2']);
    expect(ended.find((e) => e.node === 'n1')?.from).toBe(new Date(since ?? '').toISOString());
    await releaseDedicated(c.deps, addon(1), 'acme');
    expect(JSON.parse(c.configMaps.get(journalName('acme'))?.data?.['ended.json'] ?? '[]')).toHaveLength(2);
  });

  it('touches no node when too few are free, and keeps a previous pool in force', async () => {
    const c = fakeCluster([node('n1'), node('n2'), node('n3', { metadata: { labels: { pool: 'no' } } })]);
    const short = await reconcileDedicated(c.deps, addon(3), 'acme');
    expect(short.conditions[0]).toMatchObject({ status: 'False', reason: 'InsufficientNodes' });
    expect(short.conditions[0]?.message).toMatch(/1 missing/);
    expect(short.provisioned).toBeUndefined();
    expect(c.writes).toEqual([]);
    await reconcileDedicated(c.deps, addon(2), 'acme');
    const grow = await reconcileDedicated(c.deps, addon(3), 'acme');
    expect(grow.conditions[1]).toMatchObject({ type: 'Enforced', status: 'True', reason: 'PreviousPool' });
    expect(grow.provisioned).toEqual({ nodes: ['n1', 'n2'] });
    expect(c.writes).toEqual(['n1', 'n2']);
  });

  it("does not take another tenant's nodes and reports missing policies", async () => {
    const c = fakeCluster([node('n1'), node('n2')], { policies: false });
    await reconcileDedicated(c.deps, addon(1), 'other');
    const r = await reconcileDedicated(c.deps, addon(1), 'acme');
    expect(r.provisioned).toEqual({ nodes: ['n2'] });
    expect(r.conditions[1]).toMatchObject({ type: 'Enforced', status: 'False', reason: 'PoliciesMissing' });
  });

  it('replaces a pool node that stops being Ready, releasing it (its reservation ends)', async () => {
    const c = fakeCluster([node('n1'), node('n2'), node('n3')]);
    await reconcileDedicated(c.deps, addon(2), 'acme');
    const n2 = c.store.get('n2') as Node;
    n2.status = { conditions: [{ type: 'Ready', status: 'False' }] };
    const r = await reconcileDedicated(c.deps, addon(2), 'acme');
    expect(r.provisioned).toEqual({ nodes: ['n1', 'n3'] });
    expect(r.conditions[0]).toMatchObject({ status: 'True', reason: 'NodesReserved' });
    expect(isPoolNode(c.store.get('n2') as Node, 'acme')).toBe(false);
    const ended = JSON.parse(c.configMaps.get(journalName('acme'))?.data?.['ended.json'] ?? '[]');
    expect(ended.map((e: { node: string }) => e.node)).toEqual(['n2']);
    // With no spare node, a node that is not Ready stays in the pool and says so.
    (c.store.get('n3') as Node).status = { conditions: [{ type: 'Ready', status: 'False' }] };
    const degraded = await reconcileDedicated(c.deps, addon(2), 'acme');
    expect(degraded.provisioned).toEqual({ nodes: ['n1', 'n3'] });
    expect(degraded.conditions[0]).toMatchObject({ status: 'False', reason: 'NodesNotReady' });
    expect(degraded.conditions[0]?.message).toMatch(/n3 of the pool is not Ready/);
  });

  it("evicts the pods of others from a reserved node, keeping the tenant's, node agents' and finished ones", async () => {
    const c = fakeCluster([node('n1')], {
      namespaces,
      pods: [
        podOn('n1', 'acme-default/mine'),
        podOn('n1', 'kube-system/proxy'),
        podOn('n1', 'agents/ds'),
        podOn('n1', 'other-default/web'),
        podOn('n1', 'sneaky/x'),
        podOn('n1', 'plain/job'),
        podOn('n1', 'gone/orphan'),
        podOn('n1', 'other-default/done', 'Succeeded'),
      ],
    });
    const r = await reconcileDedicated(c.deps, addon(1), 'acme');
    expect(c.evictions.sort()).toEqual(['gone/orphan', 'other-default/web', 'plain/job', 'sneaky/x']);
    expect(r.conditions[0]).toMatchObject({ type: 'Provisioned', status: 'False', reason: 'EvictingPods' });
    expect(r.conditions[0]?.message).toMatch(/^4 pods of other tenants still on n1: 4 being evicted/);
    // The tenant reads its AddOn: no name of another's pod or namespace there.
    const addonEvents = c.events.filter((e) => e.kind === 'AddOn');
    for (const text of [r.conditions[0]?.message, ...addonEvents.map((e) => e.message)]) {
      expect(text).not.toMatch(/other-default|sneaky|plain|orphan/);
    }
    expect(addonEvents).toContainEqual(expect.objectContaining({ type: 'Normal', reason: 'EvictingPods' }));
    expect(c.events).toContainEqual(
      expect.objectContaining({
        kind: 'Node',
        name: 'n1',
        message: 'evicting other-default/web: the node is reserved for tenant acme',
      }),
    );
    // The evicted pod's owners learn why, not for whom.
    const told = c.events.find((e) => e.kind === 'Pod' && e.name === 'web');
    expect(told?.message).toMatch(/node n1 is now reserved as dedicated compute/);
    expect(told?.message).not.toMatch(/acme/);
    expect(r.requeueAfterMs).toBe(2_000);
    const done = await reconcileDedicated(c.deps, addon(1), 'acme');
    expect(done.conditions[0]).toMatchObject({ status: 'True', reason: 'NodesReserved' });
    expect(done.requeueAfterMs).toBeUndefined();
    expect([...c.pods.keys()].sort()).toEqual([
      'acme-default/mine',
      'agents/ds',
      'kube-system/proxy',
      'other-default/done',
    ]);
  });

  it('reports a refused eviction and retries it with backoff, not before', async () => {
    const refuse = new Set(['other-default/db']);
    const c = fakeCluster([node('n1')], { namespaces, refuse, pods: [podOn('n1', 'other-default/db')] });
    const r = await reconcileDedicated(c.deps, addon(1), 'acme');
    expect(r.conditions[0]).toMatchObject({ status: 'False', reason: 'EvictionRefused' });
    expect(r.conditions[0]?.message).toMatch(
      /1 pod of other tenants still on n1: 1 eviction refused \(a PodDisruptionBudget/,
    );
    expect(r.requeueAfterMs).toBe(5_000);
    const refusedEvent = c.events.find((e) => e.kind === 'Node' && e.reason === 'EvictionRefused');
    expect(refusedEvent?.message).toMatch(
      /other-default\/db .* refused: 429 .*disruption budget db needs 1 healthy pods/,
    );
    // Early passes (other triggers) do not ask again.
    c.clock.advance(4_000);
    await reconcileDedicated(c.deps, addon(1), 'acme');
    expect(c.evictions).toEqual(['other-default/db']);
    c.clock.advance(1_000);
    const again = await reconcileDedicated(c.deps, addon(1), 'acme');
    expect(c.evictions).toHaveLength(2);
    expect(again.requeueAfterMs).toBe(10_000);
    // The budget allows it now: the next due pass evicts, the one after finds the node clear.
    refuse.clear();
    c.clock.advance(10_000);
    expect((await reconcileDedicated(c.deps, addon(1), 'acme')).conditions[0]?.reason).toBe('EvictingPods');
    expect((await reconcileDedicated(c.deps, addon(1), 'acme')).conditions[0]?.reason).toBe('NodesReserved');
  });

  it('prefers a free node that hosts no pods of others, so nothing is evicted', async () => {
    const c = fakeCluster([node('n1'), node('n2')], { namespaces, pods: [podOn('n1', 'other-default/web')] });
    const r = await reconcileDedicated(c.deps, addon(1), 'acme');
    expect(r.provisioned).toEqual({ nodes: ['n2'] });
    expect(r.conditions[0]).toMatchObject({ status: 'True', reason: 'NodesReserved' });
    expect(c.evictions).toEqual([]);
  });
});
