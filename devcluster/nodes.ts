import { readFileSync } from 'node:fs';
import { setTimeout as delay } from 'node:timers/promises';
import * as k8s from '@kubernetes/client-node';
import { HollowKubelet, type HollowNode } from './hollow-kubelet.ts';
import { statusOf } from './http-status.ts';
import { nodeKubeConfig } from './node-credentials.ts';
import {
  defaultCapacity,
  type NodePlacement,
  nodeBody,
  nodeConditions,
  nodeIp,
  nodeLabels,
  placeNodes,
  podNetworkPrefix,
} from './node-spec.ts';
import type { ImageStore } from './runtime/images.ts';
import { ensureGateway, hostNameserver, startApiServerProxy, startDnsRelay } from './runtime/pod-network.ts';
import { ContainerRuntime } from './runtime/pod-runtime.ts';

export interface NodeSimulatorOptions {
  /** Number of nodes. Default 3. */
  count?: number;
  /** Nodes are spread round-robin over these regions. Default ['eu-west-1']. */
  regions?: readonly string[];
  /** Set by the simulator's own (admin) identity, as an administrator labels nodes: a node may not give itself most labels. */
  extraLabels?: Readonly<Record<string, string>>;
  /** node.kubernetes.io/instance-type. Default m5.2xlarge (matches the default capacity). */
  instanceType?: string;
  /** Overrides for capacity and allocatable (cpu 8, memory 32Gi, pods 110, ephemeral-storage 100Gi). */
  capacity?: Readonly<Record<string, string>>;
  /** Lease renewal period. Default 10 s, like the kubelet. */
  leaseRenewIntervalMs?: number;
  /** How often the Ready condition's heartbeat is refreshed. Default 40 s. */
  statusUpdateIntervalMs?: number;
  /** Reported as status.nodeInfo.kubeletVersion. Default: the apiserver's version. */
  kubeletVersion?: string;
  /**
   * Run the pods' containers for real, from these images, each pod in a network namespace of
   * its own (needs root). Without it pods are only reported Running.
   */
  containers?: { images: ImageStore; dir: string };
  /** Problems after startup (failed heartbeats, watch errors). Default: a line on stderr. */
  onError?: (context: string, err: unknown) => void;
}

export interface NodeSimulator {
  nodes: string[];
  /** Stops heartbeats and the pod watch; with deleteNodes also removes the Nodes and their Leases. */
  stop(opts?: { deleteNodes?: boolean }): Promise<void>;
}

const leaseNamespace = 'kube-node-lease';
const leaseDurationSeconds = 40;
const notReadyTaint = 'node.kubernetes.io/not-ready';
const mergePatch = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.MergePatch);
const strategicMerge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const message = err.message.split('\n')[0] ?? '';
  // fetch failures say only "fetch failed"; the reason (ECONNREFUSED, a timeout) is in the cause.
  return err.cause === undefined ? message : `${message} (${describe(err.cause)})`;
}

function defaultOnError(context: string, err: unknown): void {
  process.stderr.write(`[node-simulator] ${context}: ${describe(err)}\n`);
}

function loadKubeConfig(kubeconfig: string | k8s.KubeConfig): k8s.KubeConfig {
  if (typeof kubeconfig !== 'string') return kubeconfig;
  const kc = new k8s.KubeConfig();
  kc.loadFromFile(kubeconfig);
  return kc;
}

/** One simulated node and the clients that act as it. */
interface SimulatedNode {
  placement: NodePlacement;
  kubeConfig: k8s.KubeConfig;
  core: k8s.CoreV1Api;
  coordination: k8s.CoordinationV1Api;
}

/**
 * Registers simulated Nodes, keeps them Ready (Lease renewals plus the Ready condition heartbeat,
 * so the node lifecycle controller never taints them) and runs a hollow kubelet for their pods.
 * Each node writes its Node, its Lease and its pods' status as itself (`system:node:<name>`),
 * so the Node authorizer and NodeRestriction admission hold it to what they hold a kubelet to;
 * the simulator's own identity only reads pods, issues the node certificates, and does what an
 * administrator or a controller would (extra labels, the not-ready taint, deleting nodes).
 * Resolves once the nodes are Ready, untainted, and the pod watch is running.
 */
export async function startNodeSimulator(
  kubeconfig: string | k8s.KubeConfig,
  opts: NodeSimulatorOptions = {},
): Promise<NodeSimulator> {
  const kc = loadKubeConfig(kubeconfig);
  const core = kc.makeApiClient(k8s.CoreV1Api);
  const coordination = kc.makeApiClient(k8s.CoordinationV1Api);
  const onError = opts.onError ?? defaultOnError;
  const placements = placeNodes(opts.count ?? 3, opts.regions ?? ['eu-west-1']);
  const kubeletVersion = opts.kubeletVersion ?? (await kc.makeApiClient(k8s.VersionApi).getCode()).gitVersion;
  const params = (placement: NodePlacement) => ({
    placement,
    instanceType: opts.instanceType ?? 'm5.2xlarge',
    kubeletVersion,
    capacity: { ...defaultCapacity, ...opts.capacity },
  });
  const simulated: SimulatedNode[] = await Promise.all(
    placements.map(async (placement) => {
      const nodeKc = await nodeKubeConfig(kc, placement.name);
      return {
        placement,
        kubeConfig: nodeKc,
        core: nodeKc.makeApiClient(k8s.CoreV1Api),
        coordination: nodeKc.makeApiClient(k8s.CoordinationV1Api),
      };
    }),
  );

  const readySince = new Date();
  const extraLabels = opts.extraLabels ?? {};
  const uids = await Promise.all(
    simulated.map((n) => registerNode(n, core, params(n.placement), extraLabels, readySince)),
  );
  await Promise.all(simulated.map((n, i) => renewLease(n.coordination, n.placement.name, uids[i] as string)));

  const hollowNodes = new Map<string, HollowNode>(
    simulated.map(({ placement: p, kubeConfig }) => [
      p.name,
      { hostIp: nodeIp(p.index), podNetworkPrefix: podNetworkPrefix(p.index), kubeConfig },
    ]),
  );
  const containers = opts.containers ? await startContainerRuntime(kc, opts.containers, onError) : undefined;
  const kubelet = new HollowKubelet({
    kubeConfig: kc,
    nodes: hollowNodes,
    onError,
    ...(containers ? { runtime: containers.runtime } : {}),
  });
  await kubelet.start();

  const stopSignal = new AbortController();
  const every = async (intervalMs: number, what: string, tick: () => Promise<unknown>) => {
    while (!stopSignal.signal.aborted) {
      try {
        await delay(intervalMs, undefined, { signal: stopSignal.signal, ref: false });
      } catch {
        return;
      }
      try {
        await tick();
      } catch (err) {
        if (!stopSignal.signal.aborted) onError(what, err);
      }
    }
  };
  const loops = [
    every(opts.leaseRenewIntervalMs ?? 10_000, 'renewing node leases', () =>
      Promise.all(simulated.map((n, i) => renewLease(n.coordination, n.placement.name, uids[i] as string))),
    ),
    every(opts.statusUpdateIntervalMs ?? 40_000, 'posting node status', () =>
      Promise.all(simulated.map((n) => postReady(n.core, n.placement.name, readySince))),
    ),
  ];

  let stopping: Promise<void> | undefined;
  const nodes = placements.map((p) => p.name);
  return {
    nodes,
    stop: (stopOpts = {}) => {
      stopping ??= (async () => {
        stopSignal.abort();
        await Promise.all([kubelet.stop(), ...loops]);
        await containers?.proxy.close();
        await containers?.dns?.close();
        if (stopOpts.deleteNodes) {
          await Promise.all(
            nodes.flatMap((name) => [
              ignoreNotFound(core.deleteNode({ name })),
              ignoreNotFound(coordination.deleteNamespacedLease({ name, namespace: leaseNamespace })),
            ]),
          );
        }
      })();
      return stopping;
    },
  };
}

/** The gateway, the node's proxy to the API server for its pods, and the runtime that runs them. */
async function startContainerRuntime(
  kc: k8s.KubeConfig,
  opts: { images: ImageStore; dir: string },
  onError: (context: string, err: unknown) => void,
) {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig names no cluster');
  const server = new URL(cluster.server);
  const caPem = cluster.caData
    ? Buffer.from(cluster.caData, 'base64').toString()
    : cluster.caFile
      ? readFileSync(cluster.caFile, 'utf8')
      : '';
  await ensureGateway();
  const proxy = await startApiServerProxy({ host: server.hostname, port: Number(server.port || 443) });
  const upstream = hostNameserver(readFileSync('/etc/resolv.conf', 'utf8'));
  const dns = upstream ? await startDnsRelay(upstream) : undefined;
  const runtime = new ContainerRuntime({
    images: opts.images,
    dir: opts.dir,
    caPem,
    apiServerPort: proxy.port,
    onError,
  });
  return { runtime, proxy, dns };
}

async function ignoreNotFound<T>(call: Promise<T>): Promise<void> {
  try {
    await call;
  } catch (err) {
    if (statusOf(err) !== 404) throw err;
  }
}

/**
 * The node creates (or adopts) its Node and marks it Ready; the admin adds the extra labels and
 * drops the taint admission put on it. Returns the Node's uid.
 */
async function registerNode(
  node: SimulatedNode,
  admin: k8s.CoreV1Api,
  p: Parameters<typeof nodeBody>[0],
  extraLabels: Readonly<Record<string, string>>,
  readySince: Date,
): Promise<string> {
  const name = p.placement.name;
  const body = nodeBody(p, readySince);
  try {
    await node.core.createNode({ body });
  } catch (err) {
    if (statusOf(err) !== 409) throw err;
    // Left over from an earlier run against the same cluster: bring labels and status up to date.
    await node.core.patchNode({ name, body: { metadata: { labels: nodeLabels(p) } } }, mergePatch);
  }
  // Status on create is not guaranteed to survive, and an adopted node has a stale one.
  await node.core.patchNodeStatus({ name, body: { status: body.status } }, strategicMerge);
  if (Object.keys(extraLabels).length > 0)
    await admin.patchNode({ name, body: { metadata: { labels: extraLabels } } }, mergePatch);
  return untaintNotReady(admin, name);
}

/**
 * TaintNodesByCondition admission taints every new Node not-ready; the node lifecycle controller
 * would lift it within seconds, but doing it here makes the nodes schedulable as soon as this
 * resolves. As the admin: a node may not change its own taints.
 */
async function untaintNotReady(core: k8s.CoreV1Api, name: string): Promise<string> {
  for (let attempt = 0; ; attempt++) {
    const node = await core.readNode({ name });
    const taints = node.spec?.taints ?? [];
    const kept = taints.filter((t) => t.key !== notReadyTaint);
    if (kept.length === taints.length) return node.metadata?.uid ?? '';
    try {
      const updated = await core.replaceNode({
        name,
        body: { ...node, spec: { ...node.spec, taints: kept } },
      });
      return updated.metadata?.uid ?? '';
    } catch (err) {
      // Someone else (usually the node lifecycle controller) updated the node in between.
      if (statusOf(err) !== 409 || attempt >= 10) throw err;
    }
  }
}

async function renewLease(coordination: k8s.CoordinationV1Api, name: string, nodeUid: string): Promise<void> {
  const renewTime = new k8s.V1MicroTime();
  try {
    await coordination.patchNamespacedLease(
      {
        name,
        namespace: leaseNamespace,
        body: { spec: { holderIdentity: name, renewTime: renewTime.toISOString() } },
      },
      mergePatch,
    );
  } catch (err) {
    if (statusOf(err) !== 404) throw err;
    await coordination.createNamespacedLease({
      namespace: leaseNamespace,
      body: {
        metadata: {
          name,
          namespace: leaseNamespace,
          // As the kubelet does: the lease goes away with its node.
          ownerReferences: [{ apiVersion: 'v1', kind: 'Node', name, uid: nodeUid }],
        },
        spec: { holderIdentity: name, leaseDurationSeconds, renewTime },
      },
    });
  }
}

async function postReady(core: k8s.CoreV1Api, name: string, readySince: Date): Promise<void> {
  const conditions = nodeConditions(new Date(), readySince);
  await core.patchNodeStatus({ name, body: { status: { conditions } } }, strategicMerge);
}
