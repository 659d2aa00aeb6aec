import { describe, expect, it } from 'vitest';
import type { Node } from '../../../runtime/kube/core.ts';
import { selectPoolNodes } from './select.ts';

const node = (
  name: string,
  opts: Partial<{
    ready: boolean;
    labels: Record<string, string>;
    unschedulable: boolean;
    taints: Array<{ key: string; value?: string; effect: string }>;
  }> = {},
): Node => ({
  metadata: { name, labels: opts.labels ?? {} },
  spec: {
    ...(opts.unschedulable ? { unschedulable: true } : {}),
    ...(opts.taints ? { taints: opts.taints } : {}),
  },
  status: { conditions: [{ type: 'Ready', status: opts.ready === false ? 'False' : 'True' }] },
});

describe('selectPoolNodes', () => {
  it('picks free nodes by name, deterministically', () => {
    const nodes = [node('n3'), node('n1'), node('n2')];
    expect(selectPoolNodes(nodes, 2, 'acme', [])).toEqual({ nodes: ['n1', 'n2'], notReady: [] });
    expect(selectPoolNodes([...nodes].reverse(), 2, 'acme', [])).toEqual({
      nodes: ['n1', 'n2'],
      notReady: [],
    });
  });

  it('keeps the nodes already reserved for the tenant first', () => {
    const nodes = [
      node('n1'),
      node('n2'),
      node('n3', {
        labels: { 'node-restriction.kubernetes.io/tenantry-pool': 'acme' },
        taints: [{ key: 'tenantry.dev/dedicated', value: 'acme', effect: 'NoSchedule' }],
      }),
    ];
    expect(selectPoolNodes(nodes, 2, 'acme', ['n3'])).toEqual({ nodes: ['n3', 'n1'], notReady: [] });
    // Shrinking keeps the first of its own nodes.
    expect(selectPoolNodes(nodes, 1, 'acme', ['n3', 'n2'])).toEqual({ nodes: ['n2'], notReady: [] });
  });

  it('skips nodes reserved for another tenant, not Ready, cordoned or tainted', () => {
    const nodes = [
      node('a', { labels: { 'node-restriction.kubernetes.io/tenantry-pool': 'other' } }),
      node('b', { labels: { 'tenantry.dev/dedicated-pool': 'other' } }),
      node('c', { taints: [{ key: 'tenantry.dev/dedicated', value: 'other', effect: 'NoSchedule' }] }),
      node('d', { ready: false }),
      node('e', { unschedulable: true }),
      node('f', { taints: [{ key: 'gpu', effect: 'NoSchedule' }] }),
      node('g', { taints: [{ key: 'soft', effect: 'PreferNoSchedule' }] }),
    ];
    expect(selectPoolNodes(nodes, 1, 'acme', [])).toEqual({ nodes: ['g'], notReady: [] });
  });

  it('never returns a partial pool', () => {
    const got = selectPoolNodes([node('n1'), node('n2', { ready: false })], 3, 'acme', []);
    expect(got).toMatchObject({ shortBy: 2 });
    expect('reason' in got && got.reason).toMatch(/3 nodes wanted, 1 available/);
  });

  it('replaces a reserved node that is not Ready, and keeps it when nothing can replace it', () => {
    const ready = (n: string) => n !== 'n2';
    const nodes = [node('n1'), node('n2', { ready: false }), node('n3')];
    expect(selectPoolNodes(nodes, 2, 'acme', ['n1', 'n2'], { readyByName: ready })).toEqual({
      nodes: ['n1', 'n3'],
      notReady: [],
    });
    const noSpare = [node('n1'), node('n2', { ready: false })];
    expect(selectPoolNodes(noSpare, 2, 'acme', ['n1', 'n2'], { readyByName: ready })).toEqual({
      nodes: ['n1', 'n2'],
      notReady: ['n2'],
    });
  });

  it('prefers free nodes that host no pods of others, then the least busy, then by name', () => {
    const nodes = [node('n1'), node('n2'), node('n3'), node('n4')];
    const foreignPods = new Map([
      ['n1', 3],
      ['n2', 1],
      ['n4', 1],
    ]);
    expect(selectPoolNodes(nodes, 1, 'acme', [], { foreignPods })).toEqual({ nodes: ['n3'], notReady: [] });
    // Not enough empty nodes: the least busy follow, ties by name.
    expect(selectPoolNodes(nodes, 3, 'acme', [], { foreignPods })).toEqual({
      nodes: ['n3', 'n2', 'n4'],
      notReady: [],
    });
    // Busy nodes still count towards a full pool.
    expect(selectPoolNodes(nodes, 4, 'acme', [], { foreignPods })).toMatchObject({
      nodes: ['n3', 'n2', 'n4', 'n1'],
    });
    // Nodes already in the pool stay, however busy (their pods are being evicted).
    expect(selectPoolNodes(nodes, 1, 'acme', ['n1'], { foreignPods })).toEqual({
      nodes: ['n1'],
      notReady: [],
    });
  });
});
