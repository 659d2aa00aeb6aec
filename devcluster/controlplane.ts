import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startApiServer } from './apiserver.ts';
import { ensureBinaries } from './binaries.ts';
import { startControllerManager, startScheduler } from './controllers.ts';
import { startEtcd } from './etcd.ts';
import { writeKubeconfig } from './kubeconfig.ts';
import { generatePki } from './pki.ts';
import { freePorts } from './ports.ts';
import { probe } from './probe.ts';
import type { ManagedProcess } from './process.ts';
import { removeOnExit } from './process.ts';

export interface ControlPlaneOptions {
  /** Directory with the five binaries; by default ensureBinaries() finds or builds them. */
  binDir?: string;
  /** Working directory for data, certificates and logs. Default: a new temp dir. */
  dir?: string;
  /** Keep the working directory after stop(). A directory passed as `dir` is always kept. */
  keepDir?: boolean;
  /** Write an audit log of all write requests (Metadata level) to `<dir>/audit.log`. */
  auditLog?: boolean;
  /** Send audit events to a webhook too (e.g. Tenantry's admission-denial receiver). */
  auditWebhook?: { url: string; token: string; caPem: string };
  apiServerArgs?: readonly string[];
  controllerManagerArgs?: readonly string[];
  schedulerArgs?: readonly string[];
  /** Deadline for each component to become ready. Default 60 s. */
  startTimeoutMs?: number;
  /** Build progress, only used when binaries must be built. */
  onProgress?: (line: string) => void;
}

/** A user with a static bearer token, and a kubeconfig that authenticates as it. */
export interface Identity {
  user: string;
  token: string;
  kubeconfigPath: string;
}

export interface ControlPlane {
  dir: string;
  binDir: string;
  server: string;
  /** CA that signed the apiserver serving certificate (also trusted for client certificates). */
  caCertPem: string;
  caCertPath: string;
  /** Admin kubeconfig (context `tenantry-local`, user `admin` in group system:masters). */
  kubeconfigPath: string;
  adminToken: string;
  /**
   * Separate cluster-admin identity for the node simulator, so its writes can be told apart
   * from the admin user's in the audit log. It issues each simulated node a client certificate
   * (system:node:<name>); the heartbeats and pod status writes go out as the nodes.
   */
  nodeSimulator: Identity;
  /** Present when started with auditLog: one JSON event per line. */
  auditLogPath?: string;
  logs: { etcd: string; apiServer: string; controllerManager: string; scheduler: string };
  /** Stops every component (scheduler and controller-manager first, etcd last). Idempotent. */
  stop(): Promise<void>;
}

const markerFile = '.tenantry-controlplane';

/**
 * Starts etcd, kube-apiserver, kube-controller-manager and kube-scheduler on free 127.0.0.1
 * ports, envtest style. Resolves once the apiserver is ready, the scheduler is healthy and the
 * controller-manager's controllers are running.
 */
export async function startControlPlane(opts: ControlPlaneOptions = {}): Promise<ControlPlane> {
  const binDir =
    opts.binDir ?? (await ensureBinaries(opts.onProgress ? { onProgress: opts.onProgress } : {}));
  const timeoutMs = opts.startTimeoutMs ?? 60_000;
  const { dir, owned } = await prepareDir(opts.dir);
  const removeDir = owned && !opts.keepDir;
  const forgetDir = removeDir ? removeOnExit(dir) : () => false;

  const started: ManagedProcess[] = [];
  // Registered the moment it runs, so a failure elsewhere still stops it.
  const track = async (start: Promise<ManagedProcess>) => {
    const proc = await start;
    started.push(proc);
    return proc;
  };
  const stopAll = async () => {
    // Reverse start order: controllers, then the apiserver, etcd last.
    const controllers = started.filter(
      (p) => p.name === 'kube-controller-manager' || p.name === 'kube-scheduler',
    );
    await Promise.all(controllers.map((p) => p.stop()));
    const apiserver = started.find((p) => p.name === 'kube-apiserver');
    await apiserver?.stop();
    const etcd = started.find((p) => p.name === 'etcd');
    await etcd?.stop();
    if (removeDir) {
      await rm(dir, { recursive: true, force: true });
      forgetDir();
    }
  };

  try {
    const [etcdPort, apiPort, kcmPort, schedulerPort] = (await freePorts(4)) as [
      number,
      number,
      number,
      number,
    ];
    const server = `https://127.0.0.1:${apiPort}`;
    const pkiDir = join(dir, 'pki');
    await mkdir(pkiDir, { recursive: true, mode: 0o700 });

    const identities = {
      admin: identity('admin', join(dir, 'admin.kubeconfig')),
      nodeSimulator: identity('tenantry:node-simulator', join(dir, 'node-simulator.kubeconfig')),
      // Bootstrap RBAC already binds these user names to the roles the components need.
      controllerManager: identity(
        'system:kube-controller-manager',
        join(pkiDir, 'controller-manager.kubeconfig'),
      ),
      scheduler: identity('system:kube-scheduler', join(pkiDir, 'scheduler.kubeconfig')),
    };
    const tokenFilePath = join(pkiDir, 'tokens.csv');
    const tokenLines = [
      `${identities.admin.token},admin,admin-uid,"system:masters"`,
      `${identities.nodeSimulator.token},${identities.nodeSimulator.user},node-simulator-uid,"system:masters"`,
      `${identities.controllerManager.token},${identities.controllerManager.user},kube-controller-manager-uid`,
      `${identities.scheduler.token},${identities.scheduler.user},kube-scheduler-uid`,
    ];

    // Settle all before failing, so an etcd that finishes starting after a PKI error is still stopped.
    const [etcd, pki] = await allOrThrow([
      startEtcd(binDir, dir, etcdPort, timeoutMs).then((e) => {
        started.push(e.process);
        return e;
      }),
      generatePki(pkiDir),
      writeFile(tokenFilePath, `${tokenLines.join('\n')}\n`, { mode: 0o600 }),
    ]);
    await Promise.all(
      Object.values(identities).map((id) =>
        writeKubeconfig(id.kubeconfigPath, {
          server,
          caCertPem: pki.caCertPem,
          token: id.token,
          user: id.user,
        }),
      ),
    );

    const auditLogPath = opts.auditLog ? join(dir, 'audit.log') : undefined;
    const api = await startApiServer({
      binDir,
      dir,
      port: apiPort,
      etcdUrl: etcd.url,
      pki,
      tokenFilePath,
      probeToken: identities.admin.token,
      ...(auditLogPath === undefined ? {} : { auditLogPath }),
      ...(opts.auditWebhook ? { auditWebhook: opts.auditWebhook } : {}),
      extraArgs: opts.apiServerArgs ?? [],
      timeoutMs,
    });
    started.push(api.process);

    const [controllerManager] = await allOrThrow([
      track(
        startControllerManager({
          binDir,
          dir,
          port: kcmPort,
          kubeconfigPath: identities.controllerManager.kubeconfigPath,
          pki,
          extraArgs: opts.controllerManagerArgs ?? [],
          timeoutMs,
        }),
      ),
      track(
        startScheduler({
          binDir,
          dir,
          port: schedulerPort,
          kubeconfigPath: identities.scheduler.kubeconfigPath,
          extraArgs: opts.schedulerArgs ?? [],
          timeoutMs,
        }),
      ),
    ]);
    // /healthz answers before any controller runs. The default ServiceAccount appearing shows they
    // do, and without it the first pod created in the default namespace would be rejected.
    await controllerManager.waitUntil(
      'running its controllers',
      async () => {
        const res = await probe(`${server}/api/v1/namespaces/default/serviceaccounts/default`, {
          ca: pki.caCertPem,
          token: identities.admin.token,
        }).catch(() => undefined);
        return res?.status === 200;
      },
      timeoutMs,
    );

    let stopping: Promise<void> | undefined;
    const handle: ControlPlane = {
      dir,
      binDir,
      server,
      caCertPem: pki.caCertPem,
      caCertPath: pki.caCertPath,
      kubeconfigPath: identities.admin.kubeconfigPath,
      adminToken: identities.admin.token,
      nodeSimulator: identities.nodeSimulator,
      logs: {
        etcd: join(dir, 'etcd.log'),
        apiServer: join(dir, 'kube-apiserver.log'),
        controllerManager: join(dir, 'kube-controller-manager.log'),
        scheduler: join(dir, 'kube-scheduler.log'),
      },
      stop: () => {
        stopping ??= stopAll();
        return stopping;
      },
    };
    if (auditLogPath !== undefined) handle.auditLogPath = auditLogPath;
    return handle;
  } catch (err) {
    await stopAll().catch(() => {});
    throw err;
  }
}

/** Like Promise.all, but waits for every promise to settle before throwing the first error. */
async function allOrThrow<T extends readonly unknown[]>(
  promises: {
    readonly [K in keyof T]: Promise<T[K]>;
  },
): Promise<T> {
  const results: PromiseSettledResult<unknown>[] = await Promise.allSettled(promises);
  for (const r of results) if (r.status === 'rejected') throw r.reason;
  return results.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

function identity(user: string, kubeconfigPath: string): Identity {
  return { user, token: randomBytes(24).toString('hex'), kubeconfigPath };
}

/**
 * A caller-supplied directory must be empty or one we created before; anything else could be a
 * real directory that we are about to fill with (and later clear of) cluster state.
 */
async function prepareDir(requested: string | undefined): Promise<{ dir: string; owned: boolean }> {
  if (requested === undefined) {
    return { dir: await mkdtemp(join(tmpdir(), 'tenantry-cp-')), owned: true };
  }
  const dir = resolve(requested);
  await mkdir(dir, { recursive: true });
  const entries = await readdir(dir);
  if (entries.length > 0) {
    if (!entries.includes(markerFile)) {
      throw new Error(
        `${dir} is not empty and was not created by the local control plane; refusing to use it`,
      );
    }
    // Old etcd data would not match the freshly generated certificates and tokens.
    await Promise.all(entries.map((e) => rm(join(dir, e), { recursive: true, force: true })));
  }
  await writeFile(
    join(dir, markerFile),
    'Working directory of a tenantry local control plane; safe to delete.\n',
  );
  return { dir, owned: false };
}
