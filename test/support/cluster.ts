import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { inject } from 'vitest';
import { loadKubeConfig } from '../../cmd/kubeconfig.ts';
import type { Tenant } from '../../operator/api/v1alpha1/index.ts';
import { TenantResource } from '../../operator/api/v1alpha1/index.ts';
import { type OperatorOptions, type RunningOperator, startOperator } from '../../operator/app.ts';
import type { EndpointPolicy } from '../../operator/archive/endpoint-policy.ts';
import { parseFeatureFlags } from '../../operator/config.ts';
import type { NudgeSettings } from '../../operator/growth/nudges/config.ts';
import { DEFAULT_NAMESPACE, OPERATOR_NAME } from '../../operator/install/rbac.ts';
import { serviceAccountKubeConfig } from '../../operator/install/token.ts';
import { KubeClient } from '../../operator/runtime/kube/client.ts';
import { createLogger } from '../../operator/runtime/log.ts';
import { waitFor } from './wait.ts';

export type TenantObject = Tenant;

export async function adminClient(): Promise<KubeClient> {
  return KubeClient.fromKubeConfig(loadKubeConfig(inject('kubeconfig')), { userAgent: 'tenantry-test' });
}

/**
 * A client with the operator's ServiceAccount credentials: the one identity admission lets
 * write billing and evidence records, for tests that write them as the operator would.
 */
export async function operatorClient(admin: KubeClient): Promise<KubeClient> {
  const kc = loadKubeConfig(inject('kubeconfig'));
  return KubeClient.fromKubeConfig(
    await serviceAccountKubeConfig(admin, kc, DEFAULT_NAMESPACE, OPERATOR_NAME),
    {
      userAgent: 'tenantry-operator',
    },
  );
}

/** A name no other test uses, so tests never see each other's objects. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomBytes(3).toString('hex')}`;
}

/** Runs the operator in this process with its ServiceAccount's token (the chart's RBAC). */
/**
 * Tenants labelled with this are one test file's own: only an operator started for that shard
 * serves them (`shard`), every other test operator leaves them alone. For tests whose operator
 * runs a configuration the others do not (nudge timings), so two operators never write one
 * tenant's status from different settings while files run side by side.
 */
export const TEST_SHARD_LABEL = 'tenantry.dev/test-shard';

export async function startTestOperator(
  admin: KubeClient,
  opts: {
    /** Serve only the tenants labelled TEST_SHARD_LABEL=shard (default: every tenant without the label). */
    shard?: string;
    leaderElection?: boolean;
    dnsServers?: string[];
    identityCa?: string;
    features?: string;
    meteringWindowMs?: number;
    /** Receive the test cluster's audit events and record admission denials. */
    denialAudit?: boolean;
    /** Default: http and loopback allowed, for the tests' S3 server; `{}` is a real platform's default. */
    archiveEndpoints?: EndpointPolicy;
    /** Serve the tenant API (see test/support/tenant-api.ts). */
    tenantApi?: OperatorOptions['tenantApi'];
    /** The platform's nudges configuration (default: the built-in one). */
    nudges?: NudgeSettings;
    /** Serve the console (Switchboard). */
    console?: OperatorOptions['console'];
  } = {},
): Promise<{ op: RunningOperator; stop: () => Promise<void> }> {
  const kc = loadKubeConfig(inject('kubeconfig'));
  const saKc = await serviceAccountKubeConfig(admin, kc, DEFAULT_NAMESPACE, OPERATOR_NAME);
  const client = await KubeClient.fromKubeConfig(saKc, { userAgent: 'tenantry-operator' });
  const abort = new AbortController();
  const op = await startOperator(
    {
      client,
      log: createLogger({ level: process.env.TENANTRY_TEST_LOG ?? 'silent' }),
      features: parseFeatureFlags(opts.features),
      namespace: DEFAULT_NAMESPACE,
      leaderElection: opts.leaderElection ?? false,
      shardSelector: opts.shard ? `${TEST_SHARD_LABEL}=${opts.shard}` : `!${TEST_SHARD_LABEL}`,
      probePort: 0,
      probeHost: '127.0.0.1',
      ...(opts.dnsServers ? { dnsServers: opts.dnsServers } : {}),
      ...(opts.identityCa ? { identityCa: opts.identityCa } : {}),
      ...(opts.meteringWindowMs ? { meteringWindowMs: opts.meteringWindowMs } : {}),
      // The tests' S3 server listens on loopback over http, which a real platform would not allow.
      archiveEndpoints: opts.archiveEndpoints ?? { allowHttp: true, allowCidrs: ['127.0.0.0/8', '::1/128'] },
      ...(opts.nudges ? { nudges: opts.nudges } : {}),
      ...(opts.denialAudit && inject('denialAudit').port
        ? { denialAudit: { ...inject('denialAudit'), host: '127.0.0.1' } }
        : {}),
      ...(opts.tenantApi ? { tenantApi: opts.tenantApi } : {}),
      ...(opts.console ? { console: opts.console } : {}),
    },
    abort.signal,
  );
  return {
    op,
    stop: async () => {
      abort.abort();
      await op.done.catch(() => {});
      client.close();
    },
  };
}

export function tenantManifest(
  name: string,
  spec: Partial<Tenant['spec']> = {},
  labels?: Record<string, string>,
): TenantObject {
  return {
    apiVersion: 'tenantry.dev/v1alpha1',
    kind: 'Tenant',
    metadata: { name, ...(labels ? { labels } : {}) },
    spec: {
      displayName: `Test ${name}`,
      owners: [{ name: `${name}-owner@example.com` }],
      region: 'eu-west-1',
      ...spec,
    },
  } as TenantObject;
}

export function readyCondition(t: TenantObject | undefined) {
  return t?.status?.conditions?.find((c) => c.type === 'Ready');
}

export async function waitReady(client: KubeClient, name: string, timeoutMs = 60_000): Promise<TenantObject> {
  return waitFor(
    `tenant ${name} Ready at its current generation`,
    async () => {
      const t = await client.get<TenantObject>(TenantResource, name);
      const ready = readyCondition(t);
      return ready?.status === 'True' && ready.observedGeneration === t.metadata.generation ? t : false;
    },
    { timeoutMs },
  );
}

const run = promisify(execFile);

/** Runs the kubectl built with the control plane (or the one on PATH for an external cluster). */
export async function kubectl(...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return kubectlWith(inject('kubeconfig'), ...args);
}

/** kubectl with another kubeconfig (another user's credentials). */
export async function kubectlWith(
  kubeconfig: string,
  ...args: string[]
): Promise<{ stdout: string; stderr: string }> {
  const binDir = inject('binDir');
  const bin = binDir ? join(binDir, 'kubectl') : 'kubectl';
  return run(bin, ['--kubeconfig', kubeconfig, ...args], { timeout: 120_000 });
}
