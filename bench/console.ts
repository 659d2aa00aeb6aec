// Switchboard benchmark: page loads with N tenants in the cluster, and the console's memory
// with M tenants cached.
//
//   node bench/console.ts [--tenants 1000] [--cached 10000] [--loads 40]
//
// 1. A fresh control plane, `tenantry run --console-address ...` as its own process, N tenants
//    onboarded until Ready. A platform admin (a ServiceAccount bound to cluster-admin, signed in
//    with its token) loads the Tenants page and random tenant pages: the server's answer (time
//    to the last byte over loopback) and a real browser's page load (Debian's chromium through
//    playwright-core: navigation to the load event, charts' script included), p50 and p95.
// 2. The operator stopped, Tenants are added up to M (objects only: nothing reconciles them),
//    and a child process builds the console's caches as the operator does (Tenant, AddOn and
//    growth-log informers, the operator source) and serves one Tenants page: its heap and RSS
//    after a full GC, against the same process before the informers started.
import { type ChildProcess, execFileSync } from 'node:child_process';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';
import { loadKubeConfig } from '../cmd/kubeconfig.ts';
import { startControlPlane } from '../devcluster/controlplane.ts';
import { freePort } from '../devcluster/ports.ts';
import { type AddOn, AddOnResource, type Tenant, TenantResource } from '../operator/api/v1alpha1/index.ts';
import { subjectAccess } from '../operator/console/access.ts';
import { startConsole } from '../operator/console/server.ts';
import { operatorSource } from '../operator/console/sources.ts';
import { GROWTH_LOG_SELECTOR, GrowthLogIndex, namespaceConfigMaps } from '../operator/growth/log-index.ts';
import { install } from '../operator/install/install.ts';
import { DEFAULT_NAMESPACE } from '../operator/install/rbac.ts';
import { realClock } from '../operator/runtime/clock.ts';
import { Informer } from '../operator/runtime/informer.ts';
import { KubeClient } from '../operator/runtime/kube/client.ts';
import type { AnyObject } from '../operator/runtime/kube/object.ts';
import { Builtin } from '../operator/runtime/kube/resource.ts';
import { silentLogger } from '../operator/runtime/log.ts';
import { tokenReviewer } from '../operator/tenantapi/reviews.ts';
import type { TenantObject } from '../test/support/cluster.ts';
import { percentile, spawnOperator, until } from './support.ts';

const { values } = parseArgs({
  options: {
    tenants: { type: 'string', default: '1000' },
    cached: { type: 'string', default: '10000' },
    loads: { type: 'string', default: '40' },
    'cache-child': { type: 'string' },
  },
});
const CONCURRENCY = 16;

const mib = (bytes: number) => bytes / 1024 / 1024;

const tenant = (name: string) => ({
  apiVersion: 'tenantry.dev/v1alpha1',
  kind: 'Tenant',
  metadata: { name },
  spec: { displayName: `Bench ${name}`, owners: [{ name: `owner@${name}.example` }], region: 'eu-west-1' },
});

async function createTenants(admin: KubeClient, names: string[]): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      for (let i = next++; i < names.length; i = next++)
        await admin.create<TenantObject>(TenantResource, tenant(names[i] ?? '') as TenantObject);
    }),
  );
}

/** A platform admin's bearer token: a ServiceAccount bound to cluster-admin (TokenRequest). */
async function adminToken(admin: KubeClient): Promise<string> {
  const ns = 'default';
  await admin.create(Builtin.ServiceAccount, {
    metadata: { name: 'bench-admin', namespace: ns },
  } as AnyObject);
  await admin.create(Builtin.ClusterRoleBinding, {
    metadata: { name: 'bench-admin' },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [{ kind: 'ServiceAccount', name: 'bench-admin', namespace: ns }],
  } as AnyObject);
  const { status } = await admin.request<{ status: { token: string } }>(
    'POST',
    `/api/v1/namespaces/${ns}/serviceaccounts/bench-admin/token`,
    {
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 7200 },
      },
    },
  );
  return status.token;
}

const cookiesOf = (res: Response) =>
  Object.fromEntries(res.headers.getSetCookie().map((c) => c.split(';')[0]?.split('=') as [string, string]));

/** Signs in with a token as the form does; returns the session cookie's value. */
async function signIn(base: string, token: string): Promise<string> {
  const form = await fetch(`${base}/login`, { redirect: 'manual' });
  const csrf = cookiesOf(form).switchboard_login ?? '';
  const res = await fetch(`${base}/login`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Cookie: `switchboard_login=${csrf}` },
    body: new URLSearchParams({ token, csrf }).toString(),
  });
  const session = cookiesOf(res).switchboard_session;
  if (!session) throw new Error(`sign-in failed: HTTP ${res.status}`);
  return session;
}

async function serverTimes(base: string, session: string, paths: () => string, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const started = performance.now();
    const res = await fetch(`${base}${paths()}`, { headers: { Cookie: `switchboard_session=${session}` } });
    await res.text();
    if (res.status !== 200) throw new Error(`${paths()}: HTTP ${res.status}`);
    out.push(performance.now() - started);
  }
  return out;
}

async function browserTimes(
  base: string,
  session: string,
  paths: () => string,
  n: number,
): Promise<number[]> {
  const browser = await chromium.launch({ executablePath: '/usr/bin/chromium' });
  try {
    const context = await browser.newContext();
    await context.addCookies([{ name: 'switchboard_session', value: session, url: base }]);
    const page = await context.newPage();
    const out: number[] = [];
    for (let i = 0; i < n; i++) {
      const started = performance.now();
      const res = await page.goto(`${base}${paths()}`, { waitUntil: 'load' });
      if (res?.status() !== 200) throw new Error(`${paths()}: HTTP ${res?.status()}`);
      out.push(performance.now() - started);
    }
    return out;
  } finally {
    await browser.close();
  }
}

/** The child: the console's caches as the operator builds them, measured after a full GC. */
async function cacheChild(kubeconfig: string): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error('run with --expose-gc');
  const client = await KubeClient.fromKubeConfig(loadKubeConfig(kubeconfig), { userAgent: 'bench-console' });
  gc();
  const before = process.memoryUsage();
  const stop = new AbortController();
  const tenants = new Informer<Tenant>(client, TenantResource, realClock, silentLogger);
  const addOns = new Informer<AddOn>(client, AddOnResource, realClock, silentLogger);
  const logs = new Informer(client, namespaceConfigMaps(DEFAULT_NAMESPACE), realClock, silentLogger, {
    labelSelector: GROWTH_LOG_SELECTOR,
  });
  const log = new GrowthLogIndex(logs);
  const running = [tenants, addOns, logs].map((i) => i.run(stop.signal));
  await Promise.all([tenants, addOns, logs].map((i) => i.waitForSync(stop.signal)));
  const port = await freePort();
  const server = await startConsole({
    source: operatorSource({ client, namespace: DEFAULT_NAMESPACE, clock: realClock, tenants, addOns, log }),
    access: subjectAccess(client),
    tokens: tokenReviewer(client, realClock),
    clock: realClock,
    log: silentLogger,
    port,
    host: '127.0.0.1',
  });
  const token = process.env.BENCH_TOKEN ?? '';
  const base = `http://127.0.0.1:${port}`;
  const session = await signIn(base, token);
  const [render] = await serverTimes(base, session, () => '/tenants', 1);
  gc();
  const after = process.memoryUsage();
  process.stdout.write(
    `${JSON.stringify({
      tenants: tenants.list().length,
      heapMiB: mib(after.heapUsed - before.heapUsed),
      rssMiB: mib(after.rss - before.rss),
      rssTotalMiB: mib(after.rss),
      renderMs: render,
    })}\n`,
  );
  stop.abort();
  await server.close();
  await Promise.allSettled(running);
  client.close();
}

async function main(): Promise<void> {
  const N = Number(values.tenants);
  const M = Number(values.cached);
  const LOADS = Number(values.loads);
  process.stderr.write('starting a control plane\n');
  const cp = await startControlPlane({});
  const kc = loadKubeConfig(cp.kubeconfigPath);
  const admin = await KubeClient.fromKubeConfig(kc, { userAgent: 'tenantry-bench' });
  let op: ChildProcess | undefined;
  try {
    await install(admin, { namespace: DEFAULT_NAMESPACE, console: true });
    const port = await freePort();
    const started = await spawnOperator(admin, kc, cp.dir, ['--console-address', `127.0.0.1:${port}`]);
    op = started.child;
    const saPath = started.kubeconfig;
    const base = `http://127.0.0.1:${port}`;
    await until(
      'the console',
      () =>
        fetch(`${base}/login`).then(
          (r) => r.ok,
          () => false,
        ),
      120_000,
    );
    const token = await adminToken(admin);
    const names = Array.from({ length: N }, (_, i) => `bench-${i}`);
    process.stderr.write(`creating ${N} tenants\n`);
    await createTenants(admin, names);
    await until(
      `${N} tenants Ready`,
      async () => {
        const list = await admin.list<TenantObject>(TenantResource);
        return (
          list.items.filter((t) =>
            t.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
          ).length >= N
        );
      },
      30 * 60_000,
    );
    const session = await signIn(base, token);
    const random = () => `/tenants/${names[Math.floor(Math.random() * names.length)]}`;
    // Warm-up: the first render of each page compiles its code paths.
    await serverTimes(base, session, () => '/tenants', 3);
    await serverTimes(base, session, random, 3);
    process.stderr.write(`loading pages ${LOADS} times each\n`);
    const rows: Array<[string, number[]]> = [
      ['Tenants page, server', await serverTimes(base, session, () => '/tenants', LOADS)],
      ['tenant page, server', await serverTimes(base, session, random, LOADS)],
      ['Tenants page, chromium', await browserTimes(base, session, () => '/tenants', LOADS)],
      ['tenant page, chromium', await browserTimes(base, session, random, LOADS)],
    ];
    const tenantsPageBytes = (
      await (await fetch(`${base}/tenants`, { headers: { Cookie: `switchboard_session=${session}` } })).text()
    ).length;

    op.kill('SIGTERM');
    await new Promise((r) => op?.once('exit', r));
    op = undefined;
    process.stderr.write(`adding Tenants up to ${M} (objects only)\n`);
    await createTenants(
      admin,
      Array.from({ length: Math.max(0, M - N) }, (_, i) => `cached-${i}`),
    );
    const child = execFileSync(
      process.execPath,
      ['--expose-gc', new URL(import.meta.url).pathname, '--cache-child', saPath],
      {
        env: { ...process.env, BENCH_TOKEN: token },
        stdio: ['ignore', 'pipe', 'inherit'],
        maxBuffer: 1 << 20,
      },
    );
    const mem = JSON.parse(child.toString('utf8').trim().split('\n').at(-1) ?? '{}') as {
      tenants: number;
      heapMiB: number;
      rssMiB: number;
      rssTotalMiB: number;
      renderMs: number;
    };

    const f = (n: number) => n.toFixed(1).padStart(8);
    console.log(
      `Switchboard, ${N} tenants in the cluster (ms; ${LOADS} loads each, a platform admin signed in)`,
    );
    console.log(`${''.padEnd(26)}${'p50'.padStart(8)}${'p95'.padStart(8)}`);
    for (const [label, xs] of rows)
      console.log(`${label.padEnd(26)}${f(percentile(xs, 50))}${f(percentile(xs, 95))}`);
    console.log(
      `Tenants page: ${(tenantsPageBytes / 1024).toFixed(0)} KiB of HTML (its first page of rows, of ${N})`,
    );
    console.log(
      `caches with ${mem.tenants} tenants: heap +${mem.heapMiB.toFixed(1)} MiB, RSS +${mem.rssMiB.toFixed(1)} MiB (${mem.rssTotalMiB.toFixed(0)} MiB in all; ${((mem.heapMiB * 1024) / mem.tenants).toFixed(1)} KiB heap a tenant); their Tenants page rendered in ${mem.renderMs.toFixed(0)} ms`,
    );
  } finally {
    op?.kill('SIGTERM');
    admin.close();
    await cp.stop();
  }
}

if (values['cache-child']) await cacheChild(values['cache-child']);
else await main();
