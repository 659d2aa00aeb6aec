import type { ChildProcess } from 'node:child_process';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import * as k8s from '@kubernetes/client-node';
import { statusOf } from '../http-status.ts';
import { unwatchPid, watchPid } from '../watchdog.ts';
import { launchContainer } from './container.ts';
import {
  ContainerConfigError,
  containerArgv,
  containerEnv,
  containerMounts,
  containerUser,
  type KeyLookup,
  mountsServiceAccountToken,
} from './container-spec.ts';
import {
  type ContainerRecord,
  type PodRecord,
  podPhase,
  podStatus,
  restartDelayMs,
} from './container-status.ts';
import { ImagePullError, type ImageStore, type LocalImage } from './images.ts';
import { POD_GATEWAY, PodNetwork } from './pod-network.ts';
import { probeOnce, probeTiming } from './probes.ts';

/** A node as the runtime sees it: its address, its pod IPs and its own API identity. */
export interface RuntimeNode {
  name: string;
  hostIp: string;
  allocateIp(uid: string): string;
  releaseIp(uid: string): void;
  /** Writes as `system:node:<name>`, so NodeRestriction holds it to what it holds a kubelet to. */
  writer: k8s.CoreV1Api;
}

export interface ContainerRuntimeOptions {
  images: ImageStore;
  /** Pod directories (logs, the service account token, emptyDirs) go here. */
  dir: string;
  /** The CA pods verify the API server with (ca.crt of the service account volume). */
  caPem: string;
  /** Where pods reach the API server (the node's proxy on the gateway). */
  apiServerPort: number;
  onError: (context: string, err: unknown) => void;
}

const strategicMerge = k8s.setHeaderOptions('Content-Type', k8s.PatchStrategy.StrategicMergePatch);
const TOKEN_SECONDS = 3600;

/**
 * Runs pods' containers for real, from images on this machine, each pod in a network
 * namespace of its own and each container in a chroot of its image: what a kubelet with a
 * container runtime does, enough to run Tenantry's own Deployment and Jobs (no registry, no
 * cgroups, emptyDir the only volume).
 */
export class ContainerRuntime {
  private readonly opts: ContainerRuntimeOptions;
  private readonly pods = new Map<string, RunningPod>();

  constructor(opts: ContainerRuntimeOptions) {
    this.opts = opts;
  }

  async sync(pod: k8s.V1Pod, node: RuntimeNode): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    const running = this.pods.get(uid);
    if (pod.metadata?.deletionTimestamp) {
      if (running) {
        await running.terminate(pod.metadata.deletionGracePeriodSeconds ?? 30);
        this.pods.delete(uid);
      }
      try {
        await node.writer.deleteNamespacedPod({
          name: pod.metadata.name ?? '',
          namespace: pod.metadata.namespace ?? '',
          body: { gracePeriodSeconds: 0, preconditions: { uid } },
        });
      } catch (err) {
        if (statusOf(err) !== 404 && statusOf(err) !== 409) throw err;
      }
      node.releaseIp(uid);
      return;
    }
    if (running) {
      running.observe(pod);
      return;
    }
    // A pod that ended before this runtime started stays as it is.
    if (pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed') return;
    const fresh = new RunningPod(pod, node, this.opts);
    this.pods.set(uid, fresh);
    await fresh.start();
  }

  /** The pod is gone from the API (force-deleted): stop what still runs of it. */
  async removed(pod: k8s.V1Pod): Promise<void> {
    const uid = pod.metadata?.uid ?? '';
    const running = this.pods.get(uid);
    this.pods.delete(uid);
    await running?.terminate(0, { publish: false });
  }

  /** Stops every container (as a node shutting down: SIGTERM, a few seconds, SIGKILL). */
  async stop(): Promise<void> {
    await Promise.allSettled([...this.pods.values()].map((p) => p.terminate(5, { publish: false })));
    this.pods.clear();
  }
}

interface ContainerProcess {
  spec: k8s.V1Container;
  record: ContainerRecord;
  child?: ChildProcess | undefined;
  exited?: Promise<void>;
  probes: AbortController;
}

class RunningPod {
  private pod: k8s.V1Pod;
  private readonly node: RuntimeNode;
  private readonly opts: ContainerRuntimeOptions;
  private readonly uid: string;
  private readonly dir: string;
  private readonly record: PodRecord;
  private readonly containers: ContainerProcess[];
  private network: PodNetwork | undefined;
  private image = new Map<string, LocalImage>();
  private stopping = false;
  private readonly life = new AbortController();
  private publishing: Promise<void> = Promise.resolve();
  private tokenTimer: NodeJS.Timeout | undefined;

  constructor(pod: k8s.V1Pod, node: RuntimeNode, opts: ContainerRuntimeOptions) {
    this.pod = pod;
    this.node = node;
    this.opts = opts;
    this.uid = pod.metadata?.uid ?? '';
    const m = pod.metadata ?? {};
    this.dir = join(opts.dir, `${m.namespace}_${m.name}_${this.uid}`);
    this.record = {
      hostIp: node.hostIp,
      podIp: '',
      startTime: new Date().toISOString(),
      containers: [],
    };
    this.containers = (pod.spec?.containers ?? []).map((spec) => ({
      spec,
      record: {
        name: spec.name,
        image: spec.image ?? '',
        imageID: '',
        state: { kind: 'waiting', reason: 'ContainerCreating' },
        ready: false,
        restartCount: 0,
      },
      probes: new AbortController(),
    }));
    this.record.containers = this.containers.map((c) => c.record);
  }

  private get name(): string {
    return this.pod.metadata?.name ?? '';
  }

  private get namespace(): string {
    return this.pod.metadata?.namespace ?? '';
  }

  observe(pod: k8s.V1Pod): void {
    this.pod = pod;
  }

  async start(): Promise<void> {
    try {
      if ((this.pod.spec?.initContainers ?? []).length > 0)
        throw new ContainerConfigError('init containers are not supported by this node');
      if (this.pod.spec?.hostNetwork)
        throw new ContainerConfigError('hostNetwork pods are not supported by this node');
      this.record.podIp = this.node.allocateIp(this.uid);
      await mkdir(this.dir, { recursive: true });
      this.network = new PodNetwork(this.uid.replaceAll('-', '').slice(0, 12), this.record.podIp);
      await this.network.create();
      await this.writeEtc();
      if (mountsServiceAccountToken(this.pod)) await this.refreshToken();
      for (const c of this.containers) {
        try {
          this.image.set(c.spec.name, await this.opts.images.pull(c.spec.image ?? ''));
        } catch (err) {
          if (!(err instanceof ImagePullError)) throw err;
          c.record.state = { kind: 'waiting', reason: 'ErrImagePull', message: err.message };
        }
      }
      if (
        this.containers.some(
          (c) => c.record.state.kind === 'waiting' && c.record.state.reason === 'ErrImagePull',
        )
      ) {
        await this.publish();
        return;
      }
      for (const c of this.containers) await this.startContainer(c);
    } catch (err) {
      if (!(err instanceof ContainerConfigError)) throw err;
      for (const c of this.containers)
        c.record.state = { kind: 'waiting', reason: 'CreateContainerConfigError', message: err.message };
    }
    await this.publish();
  }

  private async writeEtc(): Promise<void> {
    const hosts = [
      '127.0.0.1\tlocalhost',
      '::1\tlocalhost ip6-localhost ip6-loopback',
      `${this.record.podIp}\t${this.name}`,
      '',
    ].join('\n');
    await writeFile(join(this.dir, 'hosts'), hosts);
    await writeFile(join(this.dir, 'hostname'), `${this.name}\n`);
    // No cluster DNS on these nodes: the node's relay on the gateway (dnsPolicy Default).
    await writeFile(
      join(this.dir, 'resolv.conf'),
      `nameserver ${POD_GATEWAY}\noptions timeout:2 attempts:2\n`,
    );
  }

  /** A bound token for the pod's ServiceAccount, requested as the node (as the kubelet does), renewed at 80 %. */
  private async refreshToken(): Promise<void> {
    const sa = join(this.dir, 'serviceaccount');
    await mkdir(sa, { recursive: true, mode: 0o755 });
    const tr = await this.node.writer.createNamespacedServiceAccountToken({
      name: this.pod.spec?.serviceAccountName ?? 'default',
      namespace: this.namespace,
      body: {
        spec: {
          audiences: [],
          expirationSeconds: TOKEN_SECONDS,
          boundObjectRef: { apiVersion: 'v1', kind: 'Pod', name: this.name, uid: this.uid },
        },
      },
    });
    await writeFile(join(sa, 'token.tmp'), tr.status?.token ?? '', { mode: 0o644 });
    await rename(join(sa, 'token.tmp'), join(sa, 'token'));
    await writeFile(join(sa, 'ca.crt'), this.opts.caPem, { mode: 0o644 });
    await writeFile(join(sa, 'namespace'), this.namespace, { mode: 0o644 });
    this.tokenTimer = setTimeout(() => {
      this.refreshToken().catch((e) =>
        this.opts.onError(`renewing the token of pod ${this.namespace}/${this.name}`, e),
      );
    }, TOKEN_SECONDS * 800).unref();
  }

  private lookup: KeyLookup = async (kind, name, key) => {
    try {
      const obj =
        kind === 'Secret'
          ? await this.node.writer.readNamespacedSecret({ name, namespace: this.namespace })
          : await this.node.writer.readNamespacedConfigMap({ name, namespace: this.namespace });
      const data = obj.data?.[key];
      return data === undefined
        ? undefined
        : kind === 'Secret'
          ? Buffer.from(data, 'base64').toString()
          : data;
    } catch (err) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  };

  private async startContainer(c: ContainerProcess): Promise<void> {
    const image = this.image.get(c.spec.name) as LocalImage;
    const sc = c.spec.securityContext ?? {};
    const env = await containerEnv(
      this.pod,
      c.spec,
      image.config,
      {
        podIp: this.record.podIp,
        hostIp: this.node.hostIp,
        apiServer: { host: POD_GATEWAY, port: this.opts.apiServerPort },
      },
      this.lookup,
    );
    const { uid, gid } = containerUser(this.pod, c.spec, image.config);
    const volumes = [];
    for (const m of containerMounts(this.pod, c.spec)) {
      const hostPath = join(this.dir, 'volumes', m.volume);
      await mkdir(hostPath, { recursive: true, mode: 0o777 });
      volumes.push({ ...m, hostPath });
    }
    const scratch = join(this.dir, 'rootfs', c.spec.name);
    await rm(scratch, { recursive: true, force: true });
    const child = launchContainer({
      netns: this.network?.namespace ?? '',
      rootfs: image.rootfs,
      readOnlyRootFilesystem: !!sc.readOnlyRootFilesystem,
      scratch,
      argv: containerArgv(c.spec, image.config, env),
      env,
      uid,
      gid,
      noNewPrivileges: sc.allowPrivilegeEscalation === false,
      etc: {
        hosts: join(this.dir, 'hosts'),
        hostname: join(this.dir, 'hostname'),
        resolv: join(this.dir, 'resolv.conf'),
      },
      ...(mountsServiceAccountToken(this.pod) ? { serviceAccountDir: join(this.dir, 'serviceaccount') } : {}),
      volumes,
      logFile: join(this.dir, `${c.spec.name}.log`),
      hostname: this.name,
    });
    const startedAt = new Date().toISOString();
    c.child = child;
    c.record.imageID = `${(c.spec.image ?? '').split('@')[0]}@${image.digest}`;
    c.record.containerID = `tenantry://${this.uid}-${c.spec.name}-${c.record.restartCount}`;
    c.record.state = { kind: 'running', startedAt };
    c.record.ready = !c.spec.readinessProbe;
    c.probes = new AbortController();
    // If this process dies without stopping its pods, the watchdog kills their process groups.
    const group = child.pid ? -child.pid : undefined;
    if (group) watchPid(group);
    c.exited = new Promise((resolve) => {
      child.on('exit', (code, signal) => {
        if (group) unwatchPid(group);
        c.probes.abort();
        void this.onExit(c, startedAt, code ?? (signal ? 128 + (k8sSignal(signal) ?? 9) : 1)).finally(
          resolve,
        );
      });
      child.on('error', (e) =>
        this.opts.onError(`starting container ${this.namespace}/${this.name}/${c.spec.name}`, e),
      );
    });
    if (c.spec.readinessProbe) void this.probeLoop(c, c.spec.readinessProbe, 'readiness');
    if (c.spec.livenessProbe) void this.probeLoop(c, c.spec.livenessProbe, 'liveness');
  }

  private async onExit(c: ContainerProcess, startedAt: string, exitCode: number): Promise<void> {
    const finishedAt = new Date().toISOString();
    const reason = exitCode === 0 ? 'Completed' : 'Error';
    const tail = exitCode === 0 ? '' : await this.logTail(c.spec.name);
    c.child = undefined;
    c.record.ready = false;
    c.record.state = {
      kind: 'terminated',
      exitCode,
      reason,
      ...(tail ? { message: tail } : {}),
      startedAt,
      finishedAt,
    };
    if (this.stopping) return;
    const policy = this.pod.spec?.restartPolicy ?? 'Always';
    const restart = policy === 'Always' || (policy === 'OnFailure' && exitCode !== 0);
    if (!restart) {
      await this.publish();
      if (podPhase(this.pod, this.record.containers) !== 'Running') await this.teardown();
      return;
    }
    c.record.lastTerminated = { exitCode, reason: c.record.state.reason, startedAt, finishedAt };
    c.record.restartCount++;
    c.record.state = {
      kind: 'waiting',
      reason: 'CrashLoopBackOff',
      message: `back-off restarting failed container ${c.spec.name}`,
    };
    await this.publish();
    try {
      await delay(restartDelayMs(c.record.restartCount), undefined, { signal: this.life.signal });
    } catch {
      return;
    }
    await this.startContainer(c).catch((e) =>
      this.opts.onError(`restarting ${this.namespace}/${this.name}/${c.spec.name}`, e),
    );
    await this.publish();
  }

  /** The end of a failed container's log, as its termination message (FallbackToLogsOnError). */
  private async logTail(container: string): Promise<string> {
    try {
      const log = await readFile(join(this.dir, `${container}.log`), 'utf8');
      return log.slice(-2048);
    } catch {
      return '';
    }
  }

  private async probeLoop(
    c: ContainerProcess,
    probe: k8s.V1Probe,
    kind: 'readiness' | 'liveness',
  ): Promise<void> {
    const t = probeTiming(probe);
    const signal = c.probes.signal;
    let failures = 0;
    let successes = 0;
    try {
      await delay(t.initialDelayMs, undefined, { signal });
      while (!signal.aborted) {
        const r = await probeOnce(probe, c.spec, this.record.podIp);
        if (signal.aborted) return;
        failures = r.ok ? 0 : failures + 1;
        successes = r.ok ? successes + 1 : 0;
        if (kind === 'readiness') {
          const ready = r.ok
            ? successes >= t.successThreshold || c.record.ready
            : failures < t.failureThreshold && c.record.ready;
          if (ready !== c.record.ready) {
            c.record.ready = ready;
            await this.publish();
          }
        } else if (failures >= t.failureThreshold) {
          // The kubelet kills a container that fails its liveness probe; the restart policy does the rest.
          if (c.child?.pid) signalGroup(c.child.pid, 'SIGTERM');
          return;
        }
        await delay(t.periodMs, undefined, { signal });
      }
    } catch {
      // Aborted: the container stopped.
    }
  }

  /** SIGTERM to each container's process group, SIGKILL after the grace period, then the sandbox goes. */
  async terminate(graceSeconds: number, opts: { publish?: boolean } = {}): Promise<void> {
    this.stopping = true;
    this.life.abort();
    await Promise.all(
      this.containers.map(async (c) => {
        c.probes.abort();
        const pid = c.child?.pid;
        if (!pid || !c.exited) return;
        signalGroup(pid, 'SIGTERM');
        const grace = new AbortController();
        const killed = delay(graceSeconds * 1000, 'timeout' as const, { signal: grace.signal }).catch(
          () => 'exited' as const,
        );
        const first = await Promise.race([c.exited.then(() => 'exited' as const), killed]);
        grace.abort();
        if (first === 'timeout') {
          signalGroup(pid, 'SIGKILL');
          await c.exited;
        }
      }),
    );
    if (opts.publish !== false) await this.publish().catch(() => {});
    await this.teardown();
  }

  private async teardown(): Promise<void> {
    if (this.tokenTimer) clearTimeout(this.tokenTimer);
    await this.network?.destroy();
    this.network = undefined;
  }

  /** Status writes go out one at a time, in order, each with the record as it is then. */
  private publish(): Promise<void> {
    const next = this.publishing.then(async () => {
      try {
        await this.node.writer.patchNamespacedPodStatus(
          { name: this.name, namespace: this.namespace, body: podStatus(this.pod, this.record, new Date()) },
          strategicMerge,
        );
      } catch (err) {
        if (statusOf(err) !== 404)
          this.opts.onError(`updating the status of pod ${this.namespace}/${this.name}`, err);
      }
    });
    this.publishing = next;
    return next;
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // Already gone.
  }
}

function k8sSignal(signal: NodeJS.Signals): number | undefined {
  return { SIGKILL: 9, SIGTERM: 15, SIGINT: 2 }[signal as string];
}
