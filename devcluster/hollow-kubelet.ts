import { setTimeout as delay } from 'node:timers/promises';
import * as k8s from '@kubernetes/client-node';
import { statusOf } from './http-status.ts';
import { isRunningAsDesired, isTerminal, runningStatusPatch } from './pod-status.ts';
import type { ContainerRuntime } from './runtime/pod-runtime.ts';

export interface HollowNode {
  hostIp: string;
  /** First three octets of the node's /24 pod network. */
  podNetworkPrefix: string;
  /** The node's own identity: its pods' status and deletions are written as the node. */
  kubeConfig: k8s.KubeConfig;
}

export interface HollowKubeletOptions {
  /** Reads (lists and watches) the pods of all the nodes. */
  kubeConfig: k8s.KubeConfig;
  nodes: ReadonlyMap<string, HollowNode>;
  onError: (context: string, err: unknown) => void;
  /** Run the pods' containers for real instead of only reporting them Running. */
  runtime?: ContainerRuntime;
}

// Only pods that the scheduler (or a user) has bound somewhere; the rest are filtered client-side
// because a field selector cannot match a set of node names.
const boundPods = 'spec.nodeName!=';
const strategicMerge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);

async function ignoring<T>(call: Promise<T>, ...statuses: number[]): Promise<T | undefined> {
  try {
    return await call;
  } catch (err) {
    const status = statusOf(err);
    if (status !== undefined && statuses.includes(status)) return undefined;
    throw err;
  }
}

/** Hands out pod IPs from a node's /24, lowest free first. */
class PodIpPool {
  private readonly prefix: string;
  private readonly byPod = new Map<string, string>();
  private readonly used = new Set<string>();

  constructor(prefix: string) {
    this.prefix = prefix;
  }

  reserve(uid: string, ip: string): void {
    if (!ip.startsWith(`${this.prefix}.`)) return;
    this.byPod.set(uid, ip);
    this.used.add(ip);
  }

  allocate(uid: string): string {
    const existing = this.byPod.get(uid);
    if (existing !== undefined) return existing;
    for (let host = 2; host < 255; host++) {
      const ip = `${this.prefix}.${host}`;
      if (!this.used.has(ip)) {
        this.reserve(uid, ip);
        return ip;
      }
    }
    throw new Error(`no free pod IP left in ${this.prefix}.0/24`);
  }

  release(uid: string): void {
    const ip = this.byPod.get(uid);
    if (ip === undefined) return;
    this.byPod.delete(uid);
    this.used.delete(ip);
  }
}

interface WatchResult {
  resourceVersion: string;
  /** The server no longer has that resource version: a fresh list is needed. */
  expired: boolean;
  error?: unknown;
}

/**
 * Plays the kubelet for a set of nodes: pods bound to them become Running and Ready, and pods
 * marked for deletion are removed for good (grace period 0), which is what lets namespaces with
 * pods finish terminating. One watch serves every node (a node itself may only watch its own
 * pods, and one watch per node would not scale to a bench's hundreds); each node's writes go
 * out as that node.
 */
export class HollowKubelet {
  private readonly core: k8s.CoreV1Api;
  private readonly writers = new Map<string, k8s.CoreV1Api>();
  private readonly watcher: k8s.Watch;
  private readonly nodes: ReadonlyMap<string, HollowNode>;
  private readonly pools = new Map<string, PodIpPool>();
  private readonly onError: (context: string, err: unknown) => void;
  private readonly runtime: ContainerRuntime | undefined;
  private readonly pending = new Map<string, { pod: k8s.V1Pod; dirty: boolean }>();
  private readonly inFlight = new Set<Promise<void>>();
  private readonly stopSignal = new AbortController();
  private currentWatch: AbortController | undefined;
  private loop: Promise<void> | undefined;

  constructor(opts: HollowKubeletOptions) {
    this.core = opts.kubeConfig.makeApiClient(k8s.CoreV1Api);
    this.watcher = new k8s.Watch(opts.kubeConfig);
    this.nodes = opts.nodes;
    this.onError = opts.onError;
    this.runtime = opts.runtime;
    for (const [name, node] of opts.nodes) {
      this.pools.set(name, new PodIpPool(node.podNetworkPrefix));
      this.writers.set(name, node.kubeConfig.makeApiClient(k8s.CoreV1Api));
    }
  }

  private get stopped(): boolean {
    return this.stopSignal.signal.aborted;
  }

  /** Resolves once existing pods are listed and the watch loop runs. */
  async start(): Promise<void> {
    const resourceVersion = await this.relist();
    this.loop = this.watchLoop(resourceVersion);
  }

  async stop(): Promise<void> {
    this.stopSignal.abort();
    this.currentWatch?.abort();
    await this.loop;
    await Promise.allSettled([...this.inFlight]);
    await this.runtime?.stop();
  }

  private async relist(): Promise<string> {
    const list = await this.core.listPodForAllNamespaces({ fieldSelector: boundPods });
    for (const pod of list.items) this.observe(pod);
    return list.metadata?.resourceVersion ?? '';
  }

  private async watchLoop(initialResourceVersion: string): Promise<void> {
    let resourceVersion: string | undefined = initialResourceVersion;
    let failures = 0;
    while (!this.stopped) {
      try {
        resourceVersion ??= await this.relist();
        const result = await this.watchOnce(resourceVersion);
        resourceVersion = result.expired ? undefined : result.resourceVersion;
        if (result.error !== undefined && !this.stopped) throw result.error;
        failures = 0;
      } catch (err) {
        if (this.stopped) break;
        failures++;
        // A fresh list is the safe way back after any failure.
        resourceVersion = undefined;
        if (failures > 1) this.onError('watching pods', err);
        await delay(Math.min(5000, 100 * 2 ** failures), undefined, { signal: this.stopSignal.signal }).catch(
          () => {},
        );
      }
    }
  }

  private watchOnce(resourceVersion: string): Promise<WatchResult> {
    return new Promise((resolve) => {
      const result: WatchResult = { resourceVersion, expired: false };
      const query = {
        fieldSelector: boundPods,
        resourceVersion,
        allowWatchBookmarks: true,
        // The server ends the watch before the client's 30 s inactivity timeout would abort it.
        timeoutSeconds: 20 + Math.floor(Math.random() * 5),
      };
      const onEvent = (type: string, obj: k8s.V1Pod & { code?: number; message?: string }) => {
        if (type === 'ERROR') {
          if (obj.code === 410) result.expired = true;
          else result.error = new Error(`watch error: ${obj.message ?? JSON.stringify(obj)}`);
          return;
        }
        const rv = obj.metadata?.resourceVersion;
        if (rv) result.resourceVersion = rv;
        if (type === 'BOOKMARK') return;
        if (type === 'DELETED') {
          this.forget(obj);
          return;
        }
        this.observe(obj);
      };
      const onDone = (err: unknown) => {
        this.currentWatch = undefined;
        if (err) result.error = err;
        resolve(result);
      };
      this.watcher.watch('/api/v1/pods', query, onEvent, onDone).then((controller) => {
        if (this.stopped) controller.abort();
        else this.currentWatch = controller;
      }, onDone);
    });
  }

  private forget(pod: k8s.V1Pod): void {
    const uid = pod.metadata?.uid;
    const pool = this.pools.get(pod.spec?.nodeName ?? '');
    if (uid && pool) pool.release(uid);
    if (this.runtime && this.nodes.has(pod.spec?.nodeName ?? ''))
      this.runtime
        .removed(pod)
        .catch((err) => this.onError(`stopping removed pod ${pod.metadata?.name}`, err));
  }

  /** Queues a sync; events for a pod that is being synced coalesce into one follow-up sync. */
  private observe(pod: k8s.V1Pod): void {
    const node = pod.spec?.nodeName;
    if (node === undefined || !this.nodes.has(node) || this.stopped) return;
    const key = `${pod.metadata?.namespace}/${pod.metadata?.name}`;
    const entry = this.pending.get(key);
    if (entry) {
      entry.pod = pod;
      entry.dirty = true;
      return;
    }
    const fresh = { pod, dirty: true };
    this.pending.set(key, fresh);
    const work = (async () => {
      while (fresh.dirty && !this.stopped) {
        fresh.dirty = false;
        try {
          await this.sync(fresh.pod);
        } catch (err) {
          if (!this.stopped) this.onError(`syncing pod ${key}`, err);
        }
      }
      this.pending.delete(key);
    })();
    this.inFlight.add(work);
    void work.finally(() => this.inFlight.delete(work));
  }

  private async sync(pod: k8s.V1Pod): Promise<void> {
    const name = pod.metadata?.name;
    const namespace = pod.metadata?.namespace;
    const uid = pod.metadata?.uid;
    const nodeName = pod.spec?.nodeName;
    const node = this.nodes.get(nodeName ?? '');
    const pool = this.pools.get(nodeName ?? '');
    const writer = this.writers.get(nodeName ?? '');
    if (!name || !namespace || !uid || !node || !pool || !writer) return;
    if (this.runtime) {
      await this.runtime.sync(pod, {
        name: nodeName ?? '',
        hostIp: node.hostIp,
        allocateIp: (id) => pool.allocate(id),
        releaseIp: (id) => pool.release(id),
        writer,
      });
      return;
    }

    if (pod.metadata?.deletionTimestamp) {
      // The containers "stopped" instantly; finish the deletion the way a kubelet does. The grace
      // period must be in the body: with a body present the apiserver ignores query parameters.
      await ignoring(
        writer.deleteNamespacedPod({
          name,
          namespace,
          body: { gracePeriodSeconds: 0, preconditions: { uid } },
        }),
        404,
        409,
      );
      pool.release(uid);
      return;
    }
    const currentIp = pod.status?.podIP;
    if (currentIp && !pod.spec?.hostNetwork) pool.reserve(uid, currentIp);
    if (isTerminal(pod) || isRunningAsDesired(pod)) return;

    const podIp = pod.spec?.hostNetwork ? node.hostIp : (currentIp ?? pool.allocate(uid));
    const body = runningStatusPatch(pod, { hostIp: node.hostIp, podIp, now: new Date() });
    await ignoring(writer.patchNamespacedPodStatus({ name, namespace, body }, strategicMerge), 404);
  }
}
