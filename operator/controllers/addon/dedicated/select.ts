import { LABEL_POOL, LABEL_POOL_RESTRICTED, TAINT_POOL } from '../../../admission/pool-policies.ts';
import type { KubeObject } from '../../../runtime/kube/object.ts';

/** The parts of a core/v1 Node the pool logic reads. */
export interface NodeTaint {
  key: string;
  value?: string;
  effect: string;
  timeAdded?: string;
}
export interface Node extends KubeObject {
  spec?: { unschedulable?: boolean; taints?: NodeTaint[] };
  status?: { conditions?: Array<{ type: string; status: string }> };
}

export type Selection = { nodes: string[] } | { shortBy: number; reason: string };

/** The tenant a node is reserved for (by label or taint), or undefined when it is free. */
export function reservedFor(node: Node): string | undefined {
  const l = node.metadata.labels ?? {};
  return (
    l[LABEL_POOL_RESTRICTED] ?? l[LABEL_POOL] ?? node.spec?.taints?.find((t) => t.key === TAINT_POOL)?.value
  );
}

export function isReady(node: Node): boolean {
  return node.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True') ?? false;
}

/** Ready, not cordoned, and no taint that would keep the tenant's pods off (other than its own pool's). */
export function isSchedulable(node: Node, tenant: string): boolean {
  if (node.spec?.unschedulable) return false;
  return !(node.spec?.taints ?? []).some(
    (t) =>
      (t.effect === 'NoSchedule' || t.effect === 'NoExecute') &&
      !(t.key === TAINT_POOL && t.value === tenant),
  );
}

/**
 * Picks the tenant's pool: nodes already reserved for it first (so a pool is stable), then
 * free, Ready, schedulable candidates, each group by name. Never a partial pool: when fewer
 * than `want` nodes are available, says how many are missing instead.
 */
export function selectPoolNodes(
  candidates: Node[],
  want: number,
  tenant: string,
  alreadyOurs: string[],
): Selection {
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const ours = [...new Set(alreadyOurs)].sort(byName);
  const kept = ours.slice(0, want);
  const free = candidates
    .filter((n) => {
      const name = n.metadata.name ?? '';
      return (
        name !== '' &&
        !ours.includes(name) &&
        reservedFor(n) === undefined &&
        isReady(n) &&
        isSchedulable(n, tenant)
      );
    })
    .map((n) => n.metadata.name ?? '')
    .sort(byName);
  const nodes = [...kept, ...free.slice(0, Math.max(0, want - kept.length))];
  if (nodes.length < want) {
    const shortBy = want - nodes.length;
    return {
      shortBy,
      reason: `${want} nodes wanted, ${nodes.length} available (${kept.length} already reserved for ${tenant}, ${free.length} free, Ready and schedulable among ${candidates.length} candidates): ${shortBy} missing`,
    };
  }
  return { nodes };
}
