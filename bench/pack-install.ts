// Distribution pack benchmark: the partner's install (kubectl apply -k, kubectl wait,
// tenantry validate) per profile, each run on a fresh control plane with the operator from the
// image in real pods (test/support/pack-install.ts), and the size each profile is stated for.
//
//   node bench/pack-install.ts [--runs 10] [--profiles S,M,L]
//       install success rate ("installs complete after validation": validate exits 0 and the
//       evidence is written) and p50/p95 of install and validation, with M and L as ratios to S
//   node bench/pack-install.ts --sizing [--profiles S,M,L] [--tenants S=50,M=500,L=2000]
//       per profile: that many Tenants created at once → all Ready (p50/p95/all), the leader's
//       peak RSS against the profile's memory limit and its CPU seconds, per tenant as ratio to S
import { parseArgs } from 'node:util';
import { loadKubeConfig } from '../cmd/kubeconfig.ts';
import { TenantResource } from '../operator/api/v1alpha1/index.ts';
import { generateSigningKey, privateKeyPem } from '../operator/evidence/keys.ts';
import { PROFILES } from '../operator/install/profiles.ts';
import { realClock } from '../operator/runtime/clock.ts';
import { Informer } from '../operator/runtime/informer.ts';
import { KubeClient } from '../operator/runtime/kube/client.ts';
import { silentLogger } from '../operator/runtime/log.ts';
import type { TenantObject } from '../test/support/cluster.ts';
import {
  buildPackImage,
  installProfile,
  type PackCluster,
  type PackImage,
  startPackCluster,
  validateInstall,
} from '../test/support/pack-install.ts';
import { percentile, sleep } from './support.ts';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '10' },
    profiles: { type: 'string', default: 'S,M,L' },
    sizing: { type: 'boolean', default: false },
    tenants: { type: 'string', default: 'S=50,M=500,L=2000' },
  },
});
const profiles = values.profiles.split(',').map((p) => p.trim());
for (const p of profiles)
  if (!PROFILES.some((x) => x.name === p)) throw new Error(`--profiles: no profile ${p} (S, M, L)`);

const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function installs(image: PackImage): Promise<void> {
  const runs = Number(values.runs);
  const key = privateKeyPem(generateSigningKey());
  const rows: Record<string, { ok: number; install: number[]; validate: number[]; failures: string[] }> = {};
  for (const profile of profiles) {
    const row = { ok: 0, install: [] as number[], validate: [] as number[], failures: [] as string[] };
    rows[profile] = row;
    for (let i = 0; i < runs; i++) {
      const c = await startPackCluster(image);
      try {
        const { installMs } = await installProfile(c, profile, image);
        row.install.push(installMs);
        const v = await validateInstall(c, key);
        row.validate.push(v.durationMs);
        if (v.code === 0) row.ok++;
        else
          row.failures.push(
            `${v.report.verdict}: ${v.report.results
              .filter((r) => r.outcome === 'fail' || r.outcome === 'warn')
              .map((r) => `${r.id} ${r.message}`)
              .join('; ')}`,
          );
      } catch (e) {
        row.failures.push((e as Error).message.split('\n')[0] ?? '');
      } finally {
        await c.stop();
      }
      process.stderr.write(`${profile} run ${i + 1}/${runs}: ${row.ok} ok\n`);
    }
  }
  const base = rows[profiles[0] as string];
  console.log(
    `\npack install, ${runs} runs per profile, each on a fresh control plane (operator from the image)`,
  );
  console.log('profile | installs ok | install p50 / p95 | validation p50 / p95 | validation p50 vs first');
  for (const [profile, r] of Object.entries(rows)) {
    const ratio = base ? percentile(r.validate, 50) / percentile(base.validate, 50) : 1;
    console.log(
      `${profile} | ${r.ok}/${runs} (${Math.round((100 * r.ok) / runs)} %) | ${s(percentile(r.install, 50))} / ${s(percentile(r.install, 95))} | ${s(percentile(r.validate, 50))} / ${s(percentile(r.validate, 95))} | ${ratio.toFixed(2)}×`,
    );
    for (const f of r.failures) console.log(`  failed: ${f}`);
  }
}

/** The leader pod's own /metrics, from the node side (pods are routable from here). */
async function leaderMetrics(c: PackCluster): Promise<{ rss: number; cpu: number } | undefined> {
  const lease = JSON.parse(
    (await c.kubectl('-n', 'tenantry-system', 'get', 'lease', 'tenantry-leader', '-o', 'json')).stdout,
  );
  const pods = JSON.parse((await c.kubectl('-n', 'tenantry-system', 'get', 'pods', '-o', 'json')).stdout)
    .items as Array<{
    metadata: { name: string };
    status: { podIP?: string };
  }>;
  const leader = pods.find((p) => String(lease.spec?.holderIdentity ?? '').startsWith(p.metadata.name));
  if (!leader?.status.podIP) return undefined;
  const text = await (await fetch(`http://${leader.status.podIP}:8081/metrics`)).text();
  const metric = (name: string) => Number(new RegExp(`^${name} (\\S+)`, 'm').exec(text)?.[1] ?? Number.NaN);
  return { rss: metric('process_resident_memory_bytes'), cpu: metric('process_cpu_seconds_total') };
}

async function sizing(image: PackImage): Promise<void> {
  const targets = Object.fromEntries(
    values.tenants.split(',').map((kv) => {
      const [k, v] = kv.split('=');
      return [k?.trim(), Number(v)];
    }),
  );
  const rows: string[] = [];
  let basePerTenantMs = 0;
  for (const profile of profiles) {
    const n = targets[profile];
    if (!n) throw new Error(`--tenants names no count for ${profile}`);
    const limit = PROFILES.find((p) => p.name === profile)?.run.resources.limits.memory ?? '';
    const c = await startPackCluster(image);
    try {
      await installProfile(c, profile, image);
      const admin = await KubeClient.fromKubeConfig(loadKubeConfig(c.cp.kubeconfigPath), {
        userAgent: 'bench',
      });
      const stop = new AbortController();
      const ready = new Map<string, number>();
      const started = new Map<string, number>();
      const informer = new Informer<TenantObject>(admin, TenantResource, realClock, silentLogger);
      const seen = (t: TenantObject) => {
        const name = t.metadata.name ?? '';
        const ok = t.status?.conditions?.some((k) => k.type === 'Ready' && k.status === 'True');
        if (ok && started.has(name) && !ready.has(name)) ready.set(name, performance.now());
      };
      informer.addHandler({ onAdd: seen, onUpdate: (_, t) => seen(t) });
      const watching = informer.run(stop.signal);
      await informer.waitForSync(stop.signal);
      const before = await leaderMetrics(c);
      let peak = before?.rss ?? 0;
      let sampling = true;
      const sampler = (async () => {
        while (sampling) {
          const m = await leaderMetrics(c).catch(() => undefined);
          if (m && m.rss > peak) peak = m.rss;
          await sleep(2000);
        }
      })();
      const t0 = performance.now();
      const names = Array.from({ length: n }, (_, i) => `size-${profile.toLowerCase()}-${i}`);
      // "At once": as fast as the client's rate limits allow, 16 in flight.
      for (let i = 0; i < names.length; i += 16) {
        await Promise.all(
          names.slice(i, i + 16).map(async (name) => {
            started.set(name, performance.now());
            await admin.create<TenantObject>(TenantResource, {
              apiVersion: 'tenantry.dev/v1alpha1',
              kind: 'Tenant',
              metadata: { name },
              spec: { displayName: name, owners: [{ name: `${name}@example.com` }], region: 'eu-west-1' },
            });
          }),
        );
      }
      const deadline = performance.now() + 60 * 60_000;
      while (ready.size < n && performance.now() < deadline) await sleep(1000);
      const allMs = performance.now() - t0;
      const after = await leaderMetrics(c);
      sampling = false;
      await sampler;
      stop.abort();
      await watching.catch(() => {});
      admin.close();
      const latencies = names.map((nm) => (ready.get(nm) ?? Number.NaN) - (started.get(nm) ?? 0));
      const perTenant = allMs / n;
      if (!basePerTenantMs) basePerTenantMs = perTenant;
      const cpu = (after?.cpu ?? Number.NaN) - (before?.cpu ?? Number.NaN);
      rows.push(
        `${profile} | ${ready.size}/${n} | ${s(percentile(latencies, 50))} / ${s(percentile(latencies, 95))} | ${s(allMs)} (${perTenant.toFixed(0)} ms/tenant, ${(perTenant / basePerTenantMs).toFixed(2)}×) | ${(peak / 2 ** 20).toFixed(0)} MiB of ${limit} | ${cpu.toFixed(1)} s`,
      );
    } finally {
      await c.stop();
    }
    process.stderr.write(`${profile}: done\n`);
  }
  console.log(
    '\npack sizing: tenants created at once on a fresh install, the leader pod measured from its /metrics',
  );
  console.log(
    'profile | Ready | ready p50 / p95 | all Ready (per tenant, vs first) | leader peak RSS | leader CPU',
  );
  for (const r of rows) console.log(r);
}

const image = await buildPackImage();
if (values.sizing) await sizing(image);
else await installs(image);
