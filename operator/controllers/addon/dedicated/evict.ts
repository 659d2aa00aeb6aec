import { AddOnReason } from '../../../api/conditions.ts';
import type { AddOn } from '../../../api/v1alpha1/index.ts';
import type { CheckSchedule } from '../../../runtime/check-schedule.ts';
import type { ConditionInput } from '../../../runtime/conditions.ts';
import type { EventRecorder } from '../../../runtime/events.ts';
import type { Cache } from '../../../runtime/informer.ts';
import type { KubeClient } from '../../../runtime/kube/client.ts';
import type { Namespace, Node } from '../../../runtime/kube/core.ts';
import { ApiError } from '../../../runtime/kube/errors.ts';
import type { ObjectMeta } from '../../../runtime/kube/object.ts';
import { Builtin, resourcePath } from '../../../runtime/kube/resource.ts';
import {
  ANNOTATION_MIRROR,
  type EvictionState,
  exclusivityCondition,
  isForeignPod,
  type NodeEvictions,
  type Pod,
} from './foreign.ts';

export interface EvictionDeps {
  client: KubeClient;
  recorder: EventRecorder;
  /** Every node of the cluster. */
  nodes: Cache<Node>;
  /** When a refused eviction may be tried again, by pod uid (in memory: a restart retries at once). */
  evictions: CheckSchedule;
}

/** A refused eviction waits 5 s, doubling up to 5 minutes: PodDisruptionBudgets free up as replicas become ready. */
export const evictionRetryDelay = (attempt: number): number =>
  Math.min(300_000, 5_000 * 2 ** Math.max(0, attempt - 1));
/** How soon to look again at pods that accepted eviction and are terminating. */
const TERMINATING_POLL_MS = 2_000;
/** Static pods need a person; look again now and then. */
const STATIC_POLL_MS = 60_000;
/** Pod lists at once while sizing up candidates. */
const LIST_CONCURRENCY = 4;

type Lookup = (namespace: string) => Promise<Namespace | undefined>;

/** Reads each namespace once per pass. */
function namespaceLookup(client: KubeClient): Lookup {
  const seen = new Map<string, Promise<Namespace | undefined>>();
  return (name) => {
    let found = seen.get(name);
    if (!found) {
      found = client.find<Namespace>(Builtin.Namespace, name);
      seen.set(name, found);
    }
    return found;
  };
}

/**
 * Pods on the node that must leave it for `tenant`. Listed by field selector (served from the
 * API server's watch cache, indexed by node) rather than watched: the operator keeps no cache
 * of every pod in the cluster for a check it makes on a handful of nodes.
 */
async function foreignPodsOn(
  client: KubeClient,
  node: string,
  tenant: string,
  lookup: Lookup,
): Promise<Pod[]> {
  const { items } = await client.list<Pod>(Builtin.Pod, {
    fieldSelector: `spec.nodeName=${node},status.phase!=Succeeded,status.phase!=Failed`,
  });
  const foreign: Pod[] = [];
  for (const pod of items) {
    if (isForeignPod(pod, await lookup(pod.metadata.namespace ?? ''), tenant)) foreign.push(pod);
  }
  return foreign;
}

/** How many pods of others run on each of the nodes: selection prefers the emptiest. */
export async function countForeignPods(
  client: KubeClient,
  nodes: string[],
  tenant: string,
): Promise<Map<string, number>> {
  const lookup = namespaceLookup(client);
  const counts = new Map<string, number>();
  for (let i = 0; i < nodes.length; i += LIST_CONCURRENCY) {
    await Promise.all(
      nodes.slice(i, i + LIST_CONCURRENCY).map(async (n) => {
        counts.set(n, (await foreignPodsOn(client, n, tenant, lookup)).length);
      }),
    );
  }
  return counts;
}

/** The object an Event is about: list items carry no apiVersion and kind. */
const involved = (kind: 'Node' | 'Pod', metadata: ObjectMeta) => ({ apiVersion: 'v1', kind, metadata });
const podName = (p: Pod) => `${p.metadata.namespace}/${p.metadata.name}`;

/** The API server's reason for a refusal, with the budget's own words when it gives them. */
function refusal(e: ApiError): string {
  const causes = (e.details as { causes?: Array<{ message?: string }> } | undefined)?.causes ?? [];
  const why = causes.map((c) => c.message).filter(Boolean);
  return `${e.code} ${e.message}${why.length ? ` (${why.join('; ')})` : ''}`;
}

/**
 * Asks the Eviction API (policy/v1, so PodDisruptionBudgets are honoured) to move one pod off
 * the pool node; undefined when the pod is gone already. The uid precondition keeps a pod
 * recreated under the same name (a StatefulSet's) from being evicted unseen.
 */
async function evict(
  deps: EvictionDeps,
  node: Node,
  pod: Pod,
  tenant: string,
): Promise<EvictionState | undefined> {
  const nodeName = node.metadata.name ?? '';
  const uid = pod.metadata.uid ?? podName(pod);
  const nodeRef = involved('Node', node.metadata);
  if (pod.metadata.deletionTimestamp) return 'evicting';
  if (pod.metadata.annotations?.[ANNOTATION_MIRROR] !== undefined) {
    const message = `static pod ${podName(pod)} runs on ${nodeName}, reserved for tenant ${tenant}: remove its manifest from the node`;
    deps.recorder.event(nodeRef, 'Warning', AddOnReason.EvictionRefused, message);
    return 'static';
  }
  if (!deps.evictions.due(uid, nodeName)) return 'refused';
  const { namespace, name = '' } = pod.metadata;
  try {
    await deps.client.request(
      'POST',
      resourcePath(Builtin.Pod, { namespace, name, subresource: 'eviction' }),
      {
        body: {
          apiVersion: 'policy/v1',
          kind: 'Eviction',
          metadata: { name, namespace },
          deleteOptions: { preconditions: { uid: pod.metadata.uid } },
        },
      },
    );
  } catch (e) {
    if (!(e instanceof ApiError)) throw e;
    // Gone, or replaced by a new pod of the same name that the next pass will see.
    if (e.code === 404 || e.code === 409) return undefined;
    const wait = deps.evictions.ran(uid, nodeName, false, evictionRetryDelay);
    deps.recorder.event(
      nodeRef,
      'Warning',
      AddOnReason.EvictionRefused,
      `evicting ${podName(pod)} (node reserved for tenant ${tenant}) was refused: ${refusal(e)}; retrying in ${Math.round(wait / 1000)} s`,
    );
    // The pod's owners can act on this; they are told the node is dedicated, not whose it is.
    deps.recorder.event(
      involved('Pod', pod.metadata),
      'Warning',
      AddOnReason.EvictionRefused,
      `node ${nodeName} is now reserved as dedicated compute and this pod has to move, but its eviction was refused (${e.message}); it is retried with backoff: allow a disruption so it can be rescheduled`,
    );
    return 'refused';
  }
  deps.evictions.forget(uid);
  deps.recorder.event(
    nodeRef,
    'Normal',
    AddOnReason.EvictingPods,
    `evicting ${podName(pod)}: the node is reserved for tenant ${tenant}`,
  );
  deps.recorder.event(
    involved('Pod', pod.metadata),
    'Normal',
    AddOnReason.EvictingPods,
    `evicted: node ${nodeName} is now reserved as dedicated compute; a controller recreates the pod elsewhere`,
  );
  return 'evicting';
}

export interface Exclusivity {
  /** Provisioned=False while pods of others remain; undefined once every node is the tenant's alone. */
  condition?: ConditionInput;
  requeueAfterMs?: number;
}

/**
 * Makes the pool nodes the tenant's alone: every pod of others still on them (placed before
 * the reservation, or past admission in the moment it took effect) is evicted. Called after
 * the nodes are tainted, so nothing new of others lands there meanwhile.
 */
export async function clearPoolNodes(
  deps: EvictionDeps,
  addon: AddOn,
  tenant: string,
  nodes: string[],
): Promise<Exclusivity> {
  const lookup = namespaceLookup(deps.client);
  const progress: NodeEvictions[] = [];
  const waits: number[] = [];
  for (const name of nodes) {
    const node = deps.nodes.get(name) ?? { metadata: { name } };
    const states: EvictionState[] = [];
    for (const pod of await foreignPodsOn(deps.client, name, tenant, lookup)) {
      const state = await evict(deps, node, pod, tenant);
      if (!state) continue;
      states.push(state);
      if (state === 'evicting') waits.push(TERMINATING_POLL_MS);
      if (state === 'static') waits.push(STATIC_POLL_MS);
      if (state === 'refused')
        waits.push(Math.max(1_000, deps.evictions.remaining(pod.metadata.uid ?? podName(pod))));
    }
    progress.push({ node: name, pods: states });
    const count = (s: EvictionState) => states.filter((x) => x === s).length;
    if (count('evicting')) {
      deps.recorder.event(
        addon,
        'Normal',
        AddOnReason.EvictingPods,
        `evicting pods of other tenants from ${name}, now reserved for this pool`,
      );
    }
    if (count('refused')) {
      deps.recorder.event(
        addon,
        'Warning',
        AddOnReason.EvictionRefused,
        `a pod of another tenant on ${name} cannot be evicted now (its PodDisruptionBudget allows no disruption, or the request failed); retried with backoff`,
      );
    }
  }
  const condition = exclusivityCondition(progress);
  return {
    ...(condition ? { condition } : {}),
    ...(waits.length ? { requeueAfterMs: Math.min(...waits) } : {}),
  };
}
