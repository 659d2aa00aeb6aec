import { describe, expect, it } from 'vitest';
import type { Namespace } from '../../../runtime/kube/core.ts';
import { exclusivityCondition, isForeignPod, type Pod } from './foreign.ts';

const pod = (phase = 'Running'): Pod => ({ metadata: { name: 'p', namespace: 'x' }, status: { phase } });
const ns = (name: string, labels: Record<string, string> = {}): Namespace => ({ metadata: { name, labels } });

describe('isForeignPod', () => {
  it("lets the tenant's pods and node agents stay, and nobody else's", () => {
    expect(isForeignPod(pod(), ns('acme-a', { 'tenantry.dev/tenant': 'acme' }), 'acme')).toBe(false);
    expect(isForeignPod(pod(), ns('other-a', { 'tenantry.dev/tenant': 'other' }), 'acme')).toBe(true);
    expect(isForeignPod(pod(), ns('kube-system'), 'acme')).toBe(false);
    expect(isForeignPod(pod(), ns('cni', { 'tenantry.dev/node-agents': 'true' }), 'acme')).toBe(false);
    expect(isForeignPod(pod(), ns('cni', { 'tenantry.dev/node-agents': 'yes' }), 'acme')).toBe(true);
    expect(isForeignPod(pod(), ns('monitoring'), 'acme')).toBe(true);
  });

  it('never takes a tenant namespace for node agents, nor an unknown namespace for anything', () => {
    const labels = { 'tenantry.dev/tenant': 'other', 'tenantry.dev/node-agents': 'true' };
    expect(isForeignPod(pod(), ns('other-a', labels), 'acme')).toBe(true);
    expect(isForeignPod(pod(), undefined, 'acme')).toBe(true);
  });

  it('ignores finished pods: they run nothing', () => {
    expect(isForeignPod(pod('Succeeded'), undefined, 'acme')).toBe(false);
    expect(isForeignPod(pod('Failed'), ns('other'), 'acme')).toBe(false);
    expect(isForeignPod(pod('Pending'), ns('other'), 'acme')).toBe(true);
  });
});

describe('exclusivityCondition', () => {
  it('is nothing once every node hosts only the tenant', () => {
    expect(exclusivityCondition([])).toBeUndefined();
    expect(exclusivityCondition([{ node: 'n1', pods: [] }])).toBeUndefined();
  });

  it('counts per node, and says EvictingPods while every eviction is under way', () => {
    const c = exclusivityCondition([
      { node: 'n1', pods: ['evicting', 'evicting', 'evicting'] },
      { node: 'n2', pods: [] },
    ]);
    expect(c).toMatchObject({ type: 'Provisioned', status: 'False', reason: 'EvictingPods' });
    expect(c?.message).toBe(
      "3 pods of other tenants still on n1: 3 being evicted. The nodes' Events name the pods",
    );
  });

  it('says EvictionRefused when any pod cannot leave now, and why for each node', () => {
    const c = exclusivityCondition([
      { node: 'n1', pods: ['evicting', 'refused'] },
      { node: 'n2', pods: ['static', 'static'] },
    ]);
    expect(c?.reason).toBe('EvictionRefused');
    expect(c?.message).toMatch(
      /^2 pods of other tenants still on n1: 1 being evicted, 1 eviction refused \(a PodDisruptionBudget .*retried with backoff\); 2 pods of other tenants still on n2: 2 static pods \(run from a file on the node: remove it there\)/,
    );
  });
});
