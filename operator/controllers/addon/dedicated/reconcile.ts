import {
  POOL_NAMESPACE_LABELS,
  POOL_NODES,
  POOL_OTHER_PODS,
  POOL_PIN,
  POOL_PLACEMENT,
  POOL_PLACEMENT_POOLED,
  POOL_TENANT_PODS,
  poolNodeLabels,
  poolTaint,
} from '../../../admission/pool-policies.ts';
import { AddOnCondition, AddOnReason } from '../../../api/conditions.ts';
import {
  ANNOTATION_RESERVED_SINCE,
  LABEL_POOL,
  LABEL_POOL_RESTRICTED,
  TAINT_POOL,
} from '../../../api/names.ts';
import type { AddOn } from '../../../api/v1alpha1/index.ts';
import { recordEnded } from '../../../metering/journal.ts';
import type { Clock } from '../../../runtime/clock.ts';
import type { ConditionInput } from '../../../runtime/conditions.ts';
import type { KubeClient } from '../../../runtime/kube/client.ts';
import type { Node, NodeTaint } from '../../../runtime/kube/core.ts';
import { ApiError } from '../../../runtime/kube/errors.ts';
import { Builtin } from '../../../runtime/kube/resource.ts';
import { type HandlerResult, missingSettings } from '../handler.ts';
import { clearPoolNodes, countForeignPods, type EvictionDeps, type Exclusivity } from './evict.ts';
import { isFree, isReady, reservedFor, selectPoolNodes } from './select.ts';
import { matchesSelector } from './selector.ts';

const { Provisioned, Enforced } = AddOnCondition;

/** Field manager of pool labels and taints, apart from the operator's other writes. */
export const POOL_FIELD_MANAGER = 'tenantry-pool';
const RETRY_SHORT_MS = 60_000;

export interface DedicatedDeps extends EvictionDeps {
  clock: Clock;
  /** The operator's namespace. */
  namespace: string;
}

export interface DedicatedResult extends HandlerResult {
  /** The tenant's workload namespaces must carry tenantry.dev/dedicated-pool=true. */
  poolNamespacesLabel?: boolean;
}

type AddOnObject = AddOn;

const cond = (
  type: string,
  status: ConditionInput['status'],
  reason: string,
  message: string,
): ConditionInput => ({ type, status, reason, message });

/** Nodes labelled or tainted for the tenant, by name. */
function poolOf(nodes: Node[], tenant: string): string[] {
  return nodes
    .filter((n) => reservedFor(n) === tenant || ownTaint(n, tenant) || hasOwnLabel(n, tenant))
    .map((n) => n.metadata.name ?? '');
}
const hasOwnLabel = (n: Node, tenant: string) =>
  n.metadata.labels?.[LABEL_POOL] === tenant || n.metadata.labels?.[LABEL_POOL_RESTRICTED] === tenant;
const ownTaint = (n: Node, tenant: string) =>
  n.spec?.taints?.some((t) => t.key === TAINT_POOL && t.value === tenant) ?? false;

/** Whether the node carries exactly the tenant's pool labels and taint, and its reservation time. */
export function isPoolNode(n: Node, tenant: string): boolean {
  const l = n.metadata.labels ?? {};
  const taints = (n.spec?.taints ?? []).filter((t) => t.key === TAINT_POOL);
  return (
    reservedSince(n) !== undefined &&
    l[LABEL_POOL] === tenant &&
    l[LABEL_POOL_RESTRICTED] === tenant &&
    taints.length === 1 &&
    taints[0]?.value === tenant &&
    taints[0]?.effect === 'NoSchedule'
  );
}

/**
 * Reads the node and writes a merge patch built from it, with its resourceVersion as a
 * precondition: taints are an atomic list, so the whole list is written and a concurrent
 * change (cordon, another taint) must not be lost. Retries on conflict.
 */
interface NodeChange {
  labels: Record<string, string | null>;
  annotations: Record<string, string | null>;
  taints: NodeTaint[];
}

async function patchNode(
  client: KubeClient,
  name: string,
  build: (n: Node) => Promise<NodeChange | undefined> | NodeChange | undefined,
): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const node = await client.find<Node>(Builtin.Node, name);
    if (!node) return;
    const change = await build(node);
    if (!change) return;
    try {
      await client.patch(
        Builtin.Node,
        name,
        undefined,
        {
          metadata: {
            resourceVersion: node.metadata.resourceVersion,
            labels: change.labels,
            annotations: change.annotations,
          },
          spec: { taints: change.taints },
        },
        'merge',
        { fieldManager: POOL_FIELD_MANAGER },
      );
      return;
    } catch (e) {
      if (!(e instanceof ApiError && e.code === 409) || attempt >= 4) throw e;
    }
  }
}

/** When the node was reserved, as its annotation says (metering reads it). */
export const reservedSince = (n: Node): string | undefined =>
  n.metadata.annotations?.[ANNOTATION_RESERVED_SINCE];

function reserve(deps: DedicatedDeps, name: string, tenant: string): Promise<void> {
  return patchNode(deps.client, name, (n) => {
    if (isPoolNode(n, tenant)) return undefined;
    const others = (n.spec?.taints ?? []).filter((t) => t.key !== TAINT_POOL);
    // A node already reserved for the tenant keeps its start; metering counts from it.
    const since = (hasOwnLabel(n, tenant) && reservedSince(n)) || new Date(deps.clock.now()).toISOString();
    return {
      labels: poolNodeLabels(tenant),
      annotations: { [ANNOTATION_RESERVED_SINCE]: since },
      taints: [...others, poolTaint(tenant)],
    };
  });
}

/**
 * Gives the node back. The end of the reservation is journalled before the labels go, so
 * metering, which reads the nodes first and the journal second, sees it in one or the other.
 */
function release(deps: DedicatedDeps, name: string, tenant: string): Promise<void> {
  return patchNode(deps.client, name, async (n) => {
    if (!hasOwnLabel(n, tenant) && !ownTaint(n, tenant)) return undefined;
    const l = n.metadata.labels ?? {};
    const since = reservedSince(n);
    if (since && l[LABEL_POOL] === tenant) {
      await recordEnded(deps.client, deps.namespace, tenant, {
        node: name,
        from: since,
        to: deps.clock.now(),
      });
    }
    const labels: Record<string, null> = {};
    if (l[LABEL_POOL] === tenant) labels[LABEL_POOL] = null;
    if (l[LABEL_POOL_RESTRICTED] === tenant) labels[LABEL_POOL_RESTRICTED] = null;
    const taints = (n.spec?.taints ?? []).filter((t) => !(t.key === TAINT_POOL && t.value === tenant));
    return { labels, annotations: since ? { [ANNOTATION_RESERVED_SINCE]: null } : {}, taints };
  });
}

/** Whether the cluster-wide pool policies and bindings are installed. */
async function policiesMissing(client: KubeClient): Promise<string[]> {
  const wanted = [
    [Builtin.MutatingAdmissionPolicyBinding, POOL_PIN],
    [Builtin.ValidatingAdmissionPolicyBinding, POOL_TENANT_PODS],
    [Builtin.ValidatingAdmissionPolicyBinding, POOL_OTHER_PODS],
    [Builtin.ValidatingAdmissionPolicyBinding, POOL_NODES],
    [Builtin.ValidatingAdmissionPolicyBinding, POOL_PLACEMENT],
    [Builtin.ValidatingAdmissionPolicyBinding, POOL_PLACEMENT_POOLED],
    [Builtin.ValidatingAdmissionPolicyBinding, POOL_NAMESPACE_LABELS],
  ] as const;
  const found = await Promise.all(wanted.map(([type, name]) => client.find(type, name)));
  return wanted.filter((_, i) => !found[i]).map(([type, name]) => `${type.kind} ${name}`);
}

/**
 * Reserves the tenant's pool: picks nodes (those already reserved first, then those hosting
 * the fewest pods of others), labels and taints them, evicts the pods of others still on them
 * and releases any nodes it no longer needs. With too few nodes nothing is touched.
 */
export async function reconcileDedicated(
  deps: DedicatedDeps,
  addon: AddOnObject,
  tenant: string,
): Promise<DedicatedResult> {
  const spec = addon.spec.dedicatedCompute;
  // Admission requires the settings for the type; an object from before that rule can only be fixed by its author.
  if (!spec) throw missingSettings('dedicatedCompute', addon.spec.type);
  const all = deps.nodes.list();
  const current = poolOf(all, tenant);
  const candidates = all.filter((n) => matchesSelector(spec.candidateSelector, n.metadata.labels));
  const readyByName = (name: string) => {
    const n = deps.nodes.get(name);
    return n !== undefined && isReady(n);
  };
  // Only a pool that takes new nodes needs to know how busy the free ones are.
  const foreignPods =
    current.filter(readyByName).length < spec.nodes
      ? await countForeignPods(
          deps.client,
          candidates.filter((n) => isFree(n, tenant, current)).map((n) => n.metadata.name ?? ''),
          tenant,
        )
      : undefined;
  const picked = selectPoolNodes(candidates, spec.nodes, tenant, current, {
    readyByName,
    ...(foreignPods ? { foreignPods } : {}),
  });
  if ('shortBy' in picked) {
    const message = `not enough nodes for a pool of ${spec.nodes}: ${picked.reason}; no node was changed`;
    // The previous pool stays in force, exclusive included.
    const kept: Exclusivity = current.length > 0 ? await clearPoolNodes(deps, addon, tenant, current) : {};
    return {
      conditions: [
        cond(Provisioned, 'False', AddOnReason.InsufficientNodes, message),
        cond(
          Enforced,
          current.length > 0 ? 'True' : 'False',
          current.length > 0 ? AddOnReason.PreviousPool : AddOnReason.InsufficientNodes,
          current.length > 0
            ? `the previous pool (${current.join(', ')}) stays in force`
            : 'no pool to enforce yet',
        ),
      ],
      ...(current.length > 0 ? { provisioned: { nodes: current }, poolNamespacesLabel: true } : {}),
      requeueAfterMs: Math.min(RETRY_SHORT_MS, kept.requeueAfterMs ?? RETRY_SHORT_MS),
    };
  }
  // Tainted first, so nothing new of others lands on a node while it is being cleared.
  for (const name of picked.nodes) await reserve(deps, name, tenant);
  for (const name of current.filter((n) => !picked.nodes.includes(n))) await release(deps, name, tenant);
  const exclusive = await clearPoolNodes(deps, addon, tenant, picked.nodes);
  const missing = await policiesMissing(deps.client);
  const nodes = picked.nodes;
  const requeues = [
    ...(picked.notReady.length ? [RETRY_SHORT_MS] : []),
    ...(exclusive.requeueAfterMs !== undefined ? [exclusive.requeueAfterMs] : []),
  ];
  return {
    conditions: [
      picked.notReady.length
        ? cond(
            Provisioned,
            'False',
            AddOnReason.NodesNotReady,
            `${picked.notReady.join(', ')} of the pool ${picked.notReady.length === 1 ? 'is' : 'are'} not Ready and no free candidate can replace ${picked.notReady.length === 1 ? 'it' : 'them'} yet`,
          )
        : (exclusive.condition ??
          cond(
            Provisioned,
            'True',
            AddOnReason.NodesReserved,
            `${nodes.length} nodes reserved: ${nodes.join(', ')}`,
          )),
      missing.length === 0
        ? cond(
            Enforced,
            'True',
            AddOnReason.AdmissionPolicies,
            `pods of ${tenant} are pinned to the pool at admission`,
          )
        : cond(
            Enforced,
            'False',
            AddOnReason.PoliciesMissing,
            `admission policies missing: ${missing.join(', ')}`,
          ),
    ],
    provisioned: { nodes },
    poolNamespacesLabel: true,
    ...(requeues.length ? { requeueAfterMs: Math.min(...requeues) } : {}),
  };
}

/** Removes the tenant's pool labels and taints from every node. Returns true when done. */
export async function releaseDedicated(
  deps: DedicatedDeps,
  _addon: AddOnObject,
  tenant: string,
): Promise<boolean> {
  for (const name of poolOf(deps.nodes.list(), tenant)) await release(deps, name, tenant);
  return true;
}
