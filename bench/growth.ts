// Growth-signals benchmark: N tenants onboarded by an operator with activationChecklist,
// growthInstrumentation and adminNudges off, then the same on a fresh control plane with them
// on. For each: time from create to Ready (p50/p95), the operator's CPU seconds and RSS (it
// runs as its own process, `tenantry run`, so /proc tells its use apart from the API
// server's), and the writes it makes while idle over a minute, from the API server's audit
// log (the goal: none but its Lease). The report gives on/off as ratios.
//
//   node bench/growth.ts [--tenants 1000] [--idle 60] [--concurrency 16]
//
// Each mode starts its own control plane (KUBECONFIG is not used: the audit log must be ours).
import type { ChildProcess } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { loadKubeConfig } from '../cmd/kubeconfig.ts';
import { startControlPlane } from '../devcluster/controlplane.ts';
import { TenantResource } from '../operator/api/v1alpha1/index.ts';
import { install } from '../operator/install/install.ts';
import { DEFAULT_NAMESPACE, OPERATOR_NAME } from '../operator/install/rbac.ts';
import { realClock } from '../operator/runtime/clock.ts';
import { Informer } from '../operator/runtime/informer.ts';
import { KubeClient } from '../operator/runtime/kube/client.ts';
import { Builtin } from '../operator/runtime/kube/resource.ts';
import { silentLogger } from '../operator/runtime/log.ts';
import type { TenantObject } from '../test/support/cluster.ts';
import { percentile, sleep, spawnOperator, until } from './support.ts';

const { values } = parseArgs({
  options: {
    tenants: { type: 'string', default: '1000' },
    idle: { type: 'string', default: '60' },
    concurrency: { type: 'string', default: '16' },
  },
});
const N = Number(values.tenants);
const IDLE_MS = Number(values.idle) * 1000;
const CONCURRENCY = Number(values.concurrency);
const OFF = 'activationChecklist=false,growthInstrumentation=false,adminNudges=false';
const OPERATOR_USER = `system:serviceaccount:${DEFAULT_NAMESPACE}:${OPERATOR_NAME}`;
const WRITES = new Set(['create', 'update', 'patch', 'delete', 'deletecollection']);

interface Result {
  label: string;
  ready: number[];
  timedOut: number;
  /** CPU seconds of the operator while onboarding, and over the idle window. */
  cpuOnboarding: number;
  cpuIdle: number;
  /** MiB after onboarding, and the peak. */
  rss: number;
  peakRss: number;
  idleWrites: string[];
  leaseWrites: number;
}

/** utime + stime of a process, in seconds (clock ticks are 1/100 s on Linux). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

function memoryMiB(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+)`, 'm').exec(status)?.[1] ?? 0);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

function auditWrites(path: string, offset: number): Array<{ verb: string; what: string }> {
  return readFileSync(path, 'utf8')
    .slice(offset)
    .split('\n')
    .slice(0, -1)
    .filter((l) => l.startsWith('{') && l.endsWith('}'))
    .map(
      (l) =>
        JSON.parse(l) as {
          verb: string;
          user: { username: string };
          objectRef?: { resource?: string; subresource?: string; namespace?: string; name?: string };
        },
    )
    .filter((e) => e.user.username === OPERATOR_USER && WRITES.has(e.verb))
    .map((e) => ({
      verb: e.verb,
      what: `${e.objectRef?.resource}${e.objectRef?.subresource ? `/${e.objectRef.subresource}` : ''} ${e.objectRef?.namespace ?? ''}/${e.objectRef?.name ?? ''}`,
    }));
}

async function run(label: string, features: string): Promise<Result> {
  process.stderr.write(`[${label}] starting a control plane\n`);
  const cp = await startControlPlane({ auditLog: true });
  const kc = loadKubeConfig(cp.kubeconfigPath);
  const admin = await KubeClient.fromKubeConfig(kc, { userAgent: 'tenantry-bench' });
  let op: ChildProcess | undefined;
  const stop = new AbortController();
  try {
    await install(admin, { namespace: DEFAULT_NAMESPACE });
    op = (await spawnOperator(admin, kc, cp.dir, features ? ['--features', features] : [])).child;
    const pid = op.pid ?? 0;
    await until(
      'the operator to lead',
      async () => Boolean(await admin.find(Builtin.Lease, 'tenantry-leader', DEFAULT_NAMESPACE)),
      120_000,
    );
    const started = new Map<string, number>();
    const ready = new Map<string, number>();
    const tenants = new Informer<TenantObject>(admin, TenantResource, realClock, silentLogger);
    const seen = (t: TenantObject) => {
      const name = t.metadata.name ?? '';
      const ok = t.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True');
      if (ok && started.has(name) && !ready.has(name)) ready.set(name, Date.now());
    };
    tenants.addHandler({ onAdd: seen, onUpdate: (_, t) => seen(t) });
    const watching = tenants.run(stop.signal);
    await tenants.waitForSync(stop.signal);
    const cpu0 = cpuSeconds(pid);
    process.stderr.write(`[${label}] creating ${N} tenants\n`);
    let next = 0;
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        for (let i = next++; i < N; i = next++) {
          const name = `bench-${label}-${i}`;
          started.set(name, Date.now());
          await admin.create<TenantObject>(TenantResource, {
            apiVersion: 'tenantry.dev/v1alpha1',
            kind: 'Tenant',
            metadata: { name },
            spec: { displayName: name, owners: [{ name: 'bench@example.com' }], region: 'eu-west-1' },
          });
        }
      }),
    );
    await until(`${N} tenants Ready`, () => ready.size >= N, 30 * 60_000).catch((e: unknown) =>
      process.stderr.write(`[${label}] ${String(e)}\n`),
    );
    const cpu1 = cpuSeconds(pid);
    const mem = memoryMiB(pid);
    // The window starts once nothing has changed for a few seconds (the operator's last
    // status writes and their echoes): what follows is idling, not onboarding.
    let quietSince = Date.now();
    let last = cp.auditLogPath ? statSync(cp.auditLogPath).size : 0;
    await until(
      'the operator to settle',
      () => {
        const size = cp.auditLogPath ? statSync(cp.auditLogPath).size : 0;
        const writes = cp.auditLogPath
          ? auditWrites(cp.auditLogPath, last).filter((w) => !w.what.startsWith('leases'))
          : [];
        last = size;
        if (writes.length) quietSince = Date.now();
        return Date.now() - quietSince > 5_000;
      },
      10 * 60_000,
    );
    process.stderr.write(`[${label}] idle window of ${IDLE_MS / 1000}s\n`);
    const offset = cp.auditLogPath ? statSync(cp.auditLogPath).size : 0;
    const cpuIdle0 = cpuSeconds(pid);
    // The measurement window itself.
    await sleep(IDLE_MS);
    const cpu2 = cpuSeconds(pid);
    const writes = cp.auditLogPath ? auditWrites(cp.auditLogPath, offset) : [];
    const peak = memoryMiB(pid).peak;
    stop.abort();
    await watching;
    const times = [...ready].map(([name, at]) => (at - (started.get(name) ?? at)) / 1000);
    return {
      label,
      ready: times,
      timedOut: N - ready.size,
      cpuOnboarding: cpu1 - cpu0,
      cpuIdle: cpu2 - cpuIdle0,
      rss: mem.rss,
      peakRss: peak,
      idleWrites: writes.filter((w) => !w.what.startsWith('leases')).map((w) => `${w.verb} ${w.what}`),
      leaseWrites: writes.filter((w) => w.what.startsWith('leases')).length,
    };
  } finally {
    stop.abort();
    op?.kill('SIGTERM');
    await new Promise((r) => (op && op.exitCode === null ? op.once('exit', r) : r(undefined)));
    admin.close();
    await cp.stop();
  }
}

const off = await run('off', OFF);
const on = await run('on', '');
const f = (n: number, d = 2) => n.toFixed(d).padStart(9);
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}x`;
console.log(`growth signals, ${N} tenants (seconds from create to Ready; operator CPU seconds; MiB)`);
console.log(
  `${''.padEnd(16)}${'rdy p50'.padStart(9)}${'rdy p95'.padStart(9)}${'cpu onb'.padStart(9)}${'cpu idle'.padStart(9)}${'rss'.padStart(9)}${'peak rss'.padStart(9)}  idle writes (besides the Lease)`,
);
for (const r of [off, on]) {
  console.log(
    `${`flags ${r.label}`.padEnd(16)}${f(percentile(r.ready, 50))}${f(percentile(r.ready, 95))}${f(r.cpuOnboarding)}${f(r.cpuIdle)}${f(r.rss, 0)}${f(r.peakRss, 0)}  ${r.idleWrites.length} (${r.leaseWrites} lease writes)${r.timedOut ? `; ${r.timedOut} not Ready` : ''}`,
  );
}
console.log(
  `ratio on/off: ready p50 ${ratio(percentile(on.ready, 50), percentile(off.ready, 50))}, p95 ${ratio(percentile(on.ready, 95), percentile(off.ready, 95))}; CPU onboarding ${ratio(on.cpuOnboarding, off.cpuOnboarding)}, idle ${ratio(on.cpuIdle, off.cpuIdle)}; RSS ${ratio(on.rss, off.rss)}, peak ${ratio(on.peakRss, off.peakRss)}`,
);
for (const r of [off, on])
  for (const w of r.idleWrites.slice(0, 20)) console.log(`  idle write (${r.label}): ${w}`);
