import { LABEL_POOL, LABEL_POOL_RESTRICTED, TAINT_POOL } from '../../../api/names.ts';
import type { Node } from '../../../runtime/kube/core.ts';

/** The pool, with the reserved nodes it keeps although they are not Ready (no free node could replace them). */
export type Selection = { nodes: string[]; notReady: string[] } | { shortBy: number; reason: string };

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

/** A candidate no tenant holds, Ready and schedulable: one the pool may take. */
export function isFree(node: Node, tenant: string, ours: readonly string[]): boolean {
  const name = node.metadata.name ?? '';
  return (
    name !== '' &&
    !ours.includes(name) &&
    reservedFor(node) === undefined &&
    isReady(node) &&
    isSchedulable(node, tenant)
  );
}

export interface SelectOptions {
  /** Whether a reserved node is Ready now (the cache's view); default: all are. */
  readyByName?: (name: string) => boolean;
  /** How many pods of others (to be evicted) run on each free candidate; missing: none. */
  foreignPods?: ReadonlyMap<string, number>;
}

/**
 * Picks the tenant's pool: its Ready reserved nodes first (so a pool is stable), then free,
 * Ready, schedulable candidates, those hosting the fewest pods of others first (each of them
 * has to be evicted), then by name. A reserved node that is not Ready is replaced by a free
 * one when there is one (so the tenant gets, and pays for, working nodes), and kept otherwise
 * rather than shrinking the pool. Never a partial pool: when fewer than `want` nodes are
 * available, says how many are missing instead.
 */
export function selectPoolNodes(
  candidates: Node[],
  want: number,
  tenant: string,
  alreadyOurs: string[],
  opts: SelectOptions = {},
): Selection {
  const readyByName = opts.readyByName ?? (() => true);
  const busy = (name: string) => opts.foreignPods?.get(name) ?? 0;
  const byName = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  const ours = [...new Set(alreadyOurs)].sort(byName);
  const oursReady = ours.filter(readyByName);
  const oursNotReady = ours.filter((n) => !readyByName(n));
  const kept = oursReady.slice(0, want);
  const free = candidates
    .filter((n) => isFree(n, tenant, ours))
    .map((n) => n.metadata.name ?? '')
    .sort((a, b) => busy(a) - busy(b) || byName(a, b));
  const fresh = free.slice(0, Math.max(0, want - kept.length));
  const stale = oursNotReady.slice(0, Math.max(0, want - kept.length - fresh.length));
  const nodes = [...kept, ...fresh, ...stale];
  if (nodes.length < want) {
    const shortBy = want - nodes.length;
    return {
      shortBy,
      reason: `${want} nodes wanted, ${nodes.length} available (${ours.length} already reserved for ${tenant}, ${free.length} free, Ready and schedulable among ${candidates.length} candidates): ${shortBy} missing`,
    };
  }
  return { nodes, notReady: stale };
}
