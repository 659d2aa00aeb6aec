import { AddOnCondition, AddOnReason } from '../../../api/conditions.ts';
import { LABEL_NODE_AGENTS, LABEL_TENANT } from '../../../api/names.ts';
import type { ConditionInput } from '../../../runtime/conditions.ts';
import type { Namespace } from '../../../runtime/kube/core.ts';
import type { KubeObject } from '../../../runtime/kube/object.ts';

/** The parts of a core/v1 Pod that pool exclusivity reads. */
export interface Pod extends KubeObject {
  spec?: { nodeName?: string };
  status?: { phase?: string };
}

/** Set on the API object of a static pod: the kubelet runs it from a file, evicting it stops nothing. */
export const ANNOTATION_MIRROR = 'kubernetes.io/config.mirror';

/**
 * Whether a pod on a node reserved for `tenant` must leave it. It may stay when its namespace
 * is the tenant's, or belongs to node agents (kube-system, or a namespace that is no tenant's
 * and is labelled node-agents=true), or when it has finished (it runs nothing). A pod whose
 * namespace is unknown (deleted meanwhile) must leave: nothing vouches for it.
 */
export function isForeignPod(pod: Pod, namespace: Namespace | undefined, tenant: string): boolean {
  if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return false;
  if (!namespace) return true;
  const labels = namespace.metadata.labels ?? {};
  const owner = labels[LABEL_TENANT];
  if (owner !== undefined) return owner !== tenant;
  if (namespace.metadata.name === 'kube-system') return false;
  return labels[LABEL_NODE_AGENTS] !== 'true';
}

/**
 * Where the eviction of one pod stands: `evicting` (accepted, the pod is terminating),
 * `refused` (a PodDisruptionBudget or an error said no; retried with backoff) or `static`
 * (a static pod: only removing its file from the node stops it).
 */
export type EvictionState = 'evicting' | 'refused' | 'static';

export interface NodeEvictions {
  node: string;
  /** One entry per pod of others still on the node. */
  pods: EvictionState[];
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/**
 * Provisioned=False while pods of others are still on pool nodes, counted per node. The
 * status is the tenant's to read, so it names no pod or namespace of others: the Node's
 * Events, for platform admins, do.
 */
export function exclusivityCondition(nodes: NodeEvictions[]): ConditionInput | undefined {
  const busy = nodes.filter((n) => n.pods.length > 0);
  if (busy.length === 0) return undefined;
  const describe = ({ node, pods }: NodeEvictions) => {
    const count = (s: EvictionState) => pods.filter((p) => p === s).length;
    const parts = [
      count('evicting') && `${count('evicting')} being evicted`,
      count('refused') &&
        `${plural(count('refused'), 'eviction', 'evictions')} refused (a PodDisruptionBudget allows no disruption now, or the request failed; retried with backoff)`,
      count('static') &&
        `${plural(count('static'), 'static pod', 'static pods')} (run from a file on the node: remove it there)`,
    ].filter(Boolean);
    return `${plural(pods.length, 'pod', 'pods')} of other tenants still on ${node}: ${parts.join(', ')}`;
  };
  const blocked = busy.some((n) => n.pods.some((p) => p !== 'evicting'));
  return {
    type: AddOnCondition.Provisioned,
    status: 'False',
    reason: blocked ? AddOnReason.EvictionRefused : AddOnReason.EvictingPods,
    message: `${busy.map(describe).join('; ')}. The nodes' Events name the pods`,
  };
}
