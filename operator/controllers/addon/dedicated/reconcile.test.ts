import { describe, expect, it } from 'vitest';
import { ANNOTATION_RESERVED_SINCE, journalName } from '../../../api/names.ts';
import type { AddOn } from '../../../api/v1alpha1/index.ts';
import { realClock } from '../../../runtime/clock.ts';
import type { KubeClient } from '../../../runtime/kube/client.ts';
import type { Node, NodeTaint } from '../../../runtime/kube/core.ts';
import { isPoolNode, reconcileDedicated, releaseDedicated } from './reconcile.ts';

type Patch = {
  metadata: {
    resourceVersion?: string;
    labels: Record<string, string | null>;
    annotations: Record<string, string | null>;
  };
  spec: { taints: NodeTaint[] };
};

/** Nodes in memory; merge patches applied as the API server would (labels merged, taints replaced). */
function fakeCluster(nodes: Node[], opts: { policies?: boolean } = {}) {
  const store = new Map(nodes.map((n) => [n.metadata.name ?? '', structuredClone(n)]));
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
      return opts.policies === false ? undefined : { metadata: { name } };
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
  return {
    client,
    store,
    writes,
    configMaps,
    deps: { client, clock: realClock, nodes: cache, namespace: 'ops' },
  };
}

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
});
