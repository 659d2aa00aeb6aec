// Onboarding benchmark: signup → first receipt and → Ready, p50/p95 over N tenants, with the
// real DNS server and OpenID provider in the loop. A baseline of plain tenants (no domain, no
// identity) runs in the same process and the report gives each figure as a ratio to it.
//
//   node bench/onboarding.ts [--tenants 20]        (uses $KUBECONFIG or starts a control plane)
import { parseArgs } from 'node:util';
import { loadKubeConfig } from '../cmd/kubeconfig.ts';
import { startControlPlane } from '../devcluster/controlplane.ts';
import { startNodeSimulator } from '../devcluster/nodes.ts';
import { TenantResource } from '../operator/api/v1alpha1/index.ts';
import { startOperator } from '../operator/app.ts';
import { parseFeatureFlags } from '../operator/config.ts';
import { domainChallenge } from '../operator/domain/challenge.ts';
import { install } from '../operator/install/install.ts';
import { DEFAULT_NAMESPACE, OPERATOR_NAME } from '../operator/install/rbac.ts';
import { serviceAccountKubeConfig } from '../operator/install/token.ts';
import { KubeClient } from '../operator/runtime/kube/client.ts';
import type { AnyObject } from '../operator/runtime/kube/object.ts';
import { Builtin } from '../operator/runtime/kube/resource.ts';
import { createLogger } from '../operator/runtime/log.ts';
import type { TenantObject } from '../test/support/cluster.ts';
import { startDnsmasq } from '../test/support/dnsmasq.ts';
import { startTestProvider } from '../test/support/oidc-provider.ts';
import { percentile } from './support.ts';

const { values } = parseArgs({ options: { tenants: { type: 'string', default: '20' } } });
const N = Number(values.tenants);
const REDIRECT = 'https://console.bench.example/callback';

async function main(): Promise<void> {
  const cp = process.env.KUBECONFIG ? undefined : await startControlPlane();
  const sim = cp
    ? await startNodeSimulator(cp.nodeSimulator.kubeconfigPath, { count: 3, onError: () => {} })
    : undefined;
  const kc = loadKubeConfig(cp?.kubeconfigPath ?? process.env.KUBECONFIG);
  const admin = await KubeClient.fromKubeConfig(kc);
  await install(admin, { namespace: DEFAULT_NAMESPACE });
  const dns = await startDnsmasq({ zones: ['bench.example'] });
  const idp = await startTestProvider({
    clients: [
      {
        client_id: 'bench',
        client_secret: 'bench-secret',
        redirect_uris: [REDIRECT],
        grant_types: ['authorization_code', 'client_credentials'],
      },
    ],
  });
  const opClient = await KubeClient.fromKubeConfig(
    await serviceAccountKubeConfig(admin, kc, DEFAULT_NAMESPACE, OPERATOR_NAME),
  );
  const stop = new AbortController();
  const op = await startOperator(
    {
      client: opClient,
      log: createLogger({ level: 'silent' }),
      features: parseFeatureFlags(undefined),
      namespace: DEFAULT_NAMESPACE,
      leaderElection: false,
      probePort: -1,
      dnsServers: [dns.server],
      identityCa: idp.ca,
    },
    stop.signal,
  );
  const records: Record<string, string[]> = {};
  const run = async (label: string, full: boolean) => {
    const firstReceipt: number[] = [];
    const ready: number[] = [];
    const names: string[] = [];
    const started = new Map<string, number>();
    const pending = new Set<string>();
    const seenReceipt = new Set<string>();
    let created = 0;
    // Polls while tenants are still being created, so early tenants are timed as they finish.
    const polling = (async () => {
      const deadline = Date.now() + 10 * 60_000;
      while ((created < N || pending.size) && Date.now() < deadline) {
        for (const name of [...pending]) {
          const t = await admin.get<TenantObject>(TenantResource, name);
          const t0 = started.get(name) ?? 0;
          if (!seenReceipt.has(name) && t.status?.receipts?.length) {
            seenReceipt.add(name);
            firstReceipt.push((Date.now() - t0) / 1000);
          }
          if (t.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True')) {
            ready.push((Date.now() - t0) / 1000);
            pending.delete(name);
          }
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    })();
    const creating = (async () => {
      for (let i = 0; i < N; i++) {
        const name = `bench-${label}-${i}-${Date.now().toString(36)}`;
        const domain = `${name}.bench.example`;
        const body = {
          metadata: { name },
          spec: {
            displayName: name,
            owners: [{ name: 'bench@example.com' }],
            region: 'eu-west-1',
            ...(full
              ? {
                  domain: { name: domain },
                  identity: {
                    preset: 'keycloak',
                    issuer: idp.issuer,
                    clientId: 'bench',
                    redirectUri: REDIRECT,
                    clientSecretRef: { name: 'idp' },
                  },
                }
              : {}),
          },
        } as unknown as TenantObject;
        const t0 = Date.now();
        const obj = await admin.create<TenantObject>(TenantResource, body);
        started.set(name, t0);
        names.push(name);
        pending.add(name);
        if (full) {
          // The customer publishes the record the wizard printed, and the wizard stores the secret.
          const c = domainChallenge({ tenant: name, uid: obj.metadata.uid ?? '', domain });
          records[c.recordName] = [c.value];
          await dns.setRecords(records);
          for (;;) {
            if (await admin.find(Builtin.Namespace, `${name}-system`)) break;
            await new Promise((r) => setTimeout(r, 20));
          }
          await admin.create(Builtin.Secret, {
            metadata: { name: 'idp', namespace: `${name}-system` },
            stringData: { 'client-secret': 'bench-secret' },
          } as AnyObject);
        }
        created++;
      }
    })();
    await creating;
    await polling;
    for (const name of names) await admin.delete(TenantResource, name).catch(() => {});
    return { label, firstReceipt, ready, timedOut: pending.size };
  };
  const baseline = await run('plain', false);
  const full = await run('full', true);
  const row = (r: typeof baseline) =>
    `${r.label.padEnd(28)} ${percentile(r.firstReceipt, 50).toFixed(2).padStart(8)} ${percentile(r.firstReceipt, 95).toFixed(2).padStart(8)} ${percentile(r.ready, 50).toFixed(2).padStart(8)} ${percentile(r.ready, 95).toFixed(2).padStart(8)}  ${r.timedOut ? `${r.timedOut} timed out` : ''}`;
  const ratio = (a: number[], b: number[], p: number) => (percentile(a, p) / percentile(b, p)).toFixed(2);
  console.log(`onboarding, ${N} tenants each (seconds from create)`);
  console.log(
    `${''.padEnd(28)} ${'rcpt p50'.padStart(8)} ${'rcpt p95'.padStart(8)} ${'rdy p50'.padStart(8)} ${'rdy p95'.padStart(8)}`,
  );
  console.log(row({ ...baseline, label: 'baseline: provisioning only' }));
  console.log(row({ ...full, label: 'full: + DNS + OIDC checks' }));
  console.log(
    `ratio full/baseline: first receipt p50 ${ratio(full.firstReceipt, baseline.firstReceipt, 50)}x p95 ${ratio(full.firstReceipt, baseline.firstReceipt, 95)}x; ready p50 ${ratio(full.ready, baseline.ready, 50)}x p95 ${ratio(full.ready, baseline.ready, 95)}x`,
  );
  stop.abort();
  await op.done.catch(() => {});
  opClient.close();
  admin.close();
  await Promise.all([dns.stop(), idp.stop()]);
  await sim?.stop();
  await cp?.stop();
}

await main();
