import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { parse } from 'yaml';
import { type ControlPlane, startControlPlane } from '../../devcluster/controlplane.ts';
import { type NodeSimulator, startNodeSimulator } from '../../devcluster/nodes.ts';
import { TenantResource } from '../../operator/api/v1alpha1/index.ts';
import { startOperator } from '../../operator/app.ts';
import { parseFeatureFlags } from '../../operator/config.ts';
import { install } from '../../operator/install/install.ts';
import { DEFAULT_NAMESPACE, OPERATOR_NAME } from '../../operator/install/rbac.ts';
import { serviceAccountKubeConfig } from '../../operator/install/token.ts';
import { apply } from '../../operator/runtime/apply.ts';
import { realClock, sleep } from '../../operator/runtime/clock.ts';
import { KubeClient } from '../../operator/runtime/kube/client.ts';
import type { AnyObject } from '../../operator/runtime/kube/object.ts';
import { createLogger } from '../../operator/runtime/log.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { loadKubeConfig } from '../kubeconfig.ts';
import { type LocalTenantApi, localTenantApi } from '../local-tenant-api.ts';

const SAMPLE = new URL('../../bundles/samples/tenant.yaml', import.meta.url);

interface DevUpOptions {
  kubeconfig?: string;
  nodes: string;
  regions: string;
  sample: boolean;
  exitWhenReady?: boolean;
  logLevel: string;
}

const say = (line: string) => process.stderr.write(`${line}\n`);

async function devUp(opts: DevUpOptions): Promise<void> {
  const started = Date.now();
  const stop = new AbortController();
  process.once('SIGINT', () => stop.abort());
  process.once('SIGTERM', () => stop.abort());
  const external = opts.kubeconfig ?? process.env.KUBECONFIG;
  let cp: ControlPlane | undefined;
  let sim: NodeSimulator | undefined;
  let tenantApi: LocalTenantApi | undefined;
  let unregister = () => Promise.resolve();
  try {
    let kubeconfigPath: string;
    if (external) {
      say(`using the cluster in ${external}`);
      kubeconfigPath = external;
    } else {
      say(
        'starting a local control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler)...',
      );
      say('  the first run builds Kubernetes from the Go module proxy: expect 10-40 minutes on two cores');
      const dir = path.join(os.homedir(), '.cache', 'tenantry', 'dev');
      cp = await startControlPlane({ onProgress: (l) => say(`  ${l}`) });
      const nodes = Number(opts.nodes);
      if (!Number.isInteger(nodes) || nodes < 0)
        throw new CliError(`--nodes must be a whole number, got "${opts.nodes}"`);
      sim = await startNodeSimulator(cp.nodeSimulator.kubeconfigPath, {
        count: nodes,
        regions: opts.regions
          .split(',')
          .map((r) => r.trim())
          .filter(Boolean),
      });
      mkdirSync(dir, { recursive: true });
      kubeconfigPath = path.join(dir, 'kubeconfig');
      writeFileSync(kubeconfigPath, readFileSync(cp.kubeconfigPath), { mode: 0o600 });
      say(`control plane ready at ${cp.server} with ${sim.nodes.length} nodes`);
    }
    const kc = loadKubeConfig(kubeconfigPath);
    const admin = await KubeClient.fromKubeConfig(kc, { userAgent: 'tenantry-dev' });
    const { crds } = await install(admin, { namespace: DEFAULT_NAMESPACE });
    say(`installed ${crds.length} CRDs and the operator's RBAC in ${DEFAULT_NAMESPACE}`);
    // The operator runs with its ServiceAccount's token, so local runs prove the chart's RBAC.
    const saKc = await serviceAccountKubeConfig(admin, kc, DEFAULT_NAMESPACE, OPERATOR_NAME);
    const opClient = await KubeClient.fromKubeConfig(saKc, { userAgent: 'tenantry-operator' });
    // The tenant API is reached through the aggregation layer, which must reach this process:
    // only an API server on this machine can (a remote cluster runs the operator as a pod).
    tenantApi = cp ? await localTenantApi(admin, DEFAULT_NAMESPACE) : undefined;
    const running = await startOperator(
      {
        client: opClient,
        log: createLogger({ level: opts.logLevel }),
        features: parseFeatureFlags(process.env.TENANTRY_FEATURES),
        namespace: DEFAULT_NAMESPACE,
        leaderElection: true,
        probePort: 0,
        probeHost: '127.0.0.1',
        tenantApi: tenantApi?.operator,
      },
      stop.signal,
    );
    say(`operator running (metrics on http://127.0.0.1:${running.probe?.port}/metrics)`);
    if (tenantApi) {
      await tenantApi.register();
      unregister = () => tenantApi?.unregister() ?? Promise.resolve();
      say('tenant API served through the API server: kubectl get --raw /apis/api.tenantry.dev/v1alpha1');
    } else {
      say("tenant API not served: the operator runs here, out of the cluster aggregator's reach");
    }
    if (opts.sample) {
      const sample = parse(readFileSync(SAMPLE, 'utf8')) as AnyObject;
      await apply(admin, TenantResource, sample);
      const name = sample.metadata.name ?? '';
      say(`applied sample Tenant "${name}"; waiting for Ready...`);
      const deadline = Date.now() + 120_000;
      for (;;) {
        const t = await admin.get<
          AnyObject & { status?: { conditions?: { type: string; status: string; message: string }[] } }
        >(TenantResource, name);
        const ready = t.status?.conditions?.find((c) => c.type === 'Ready');
        if (ready?.status === 'True') break;
        if (Date.now() > deadline)
          throw new CliError(
            `sample tenant not Ready after 2 minutes: ${ready?.message ?? 'no status'}`,
            EXIT.timeout,
          );
        await sleep(realClock, 250, stop.signal);
        if (stop.signal.aborted) break;
      }
      say(`Tenant "${name}" is Ready (${((Date.now() - started) / 1000).toFixed(1)}s since start)`);
    }
    say('');
    say(`  export KUBECONFIG=${kubeconfigPath}`);
    say('  kubectl get tenants');
    say('');
    if (opts.exitWhenReady) {
      stop.abort();
    } else {
      say('press Ctrl-C to stop');
    }
    await running.done;
    await unregister().catch((e: unknown) => say(`could not remove the APIService: ${(e as Error).message}`));
    opClient.close();
    admin.close();
  } finally {
    await sim?.stop();
    await cp?.stop();
  }
}

export function devCommand(): Command {
  const dev = new Command('dev').description('Local development environment');
  dev
    .command('up')
    .description(
      'Start a local control plane (or use $KUBECONFIG), install Tenantry, run the operator and a sample Tenant',
    )
    .option('--kubeconfig <file>', 'use this cluster instead of starting a local control plane')
    .option('--nodes <n>', 'simulated nodes to register', '3')
    .option('--regions <list>', 'regions to spread the nodes over', 'eu-west-1,us-east-1')
    .option('--no-sample', 'do not create the sample Tenant')
    .option('--exit-when-ready', 'stop everything once the sample Tenant is Ready (smoke test)')
    .option('--log-level <level>', 'operator log level', 'warn')
    .action(devUp);
  return dev;
}
