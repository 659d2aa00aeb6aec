import { randomBytes } from 'node:crypto';
import { Resolver } from 'node:dns/promises';
import { readCrds } from '../../operator/api/crds.ts';
import { LABEL_POOL, LABEL_REGION, systemNamespaceOf } from '../../operator/api/names.ts';
import {
  type AddOn,
  AddOnResource,
  type DistributionBundle,
  DistributionBundleResource,
  type Entitlement,
  EntitlementResource,
  type Tenant,
  TenantResource,
} from '../../operator/api/v1alpha1/index.ts';
import { readPublicKeys } from '../../operator/evidence/keystore.ts';
import { verifyBundle } from '../../operator/evidence/verify.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import { ApiError } from '../../operator/runtime/kube/errors.ts';
import type { AnyObject } from '../../operator/runtime/kube/object.ts';
import { Builtin, resourcePath } from '../../operator/runtime/kube/resource.ts';
import { bundleDigest } from '../../operator/validation/evidence.ts';
import {
  type AdmissionProbe,
  type BundleObservation,
  type CanaryObservation,
  type Failed,
  type HttpObservation,
  type Observations,
  type ReachabilityObservation,
  RUN_RECORD_KIND,
  type RunRecord,
} from '../../operator/validation/record.ts';

export interface ObserveOptions {
  client: KubeClient;
  namespace: string;
  toolVersion: string;
  bundle?: string;
  lease: string;
  /** The operator's probe address (http://host:8081); by default the tenantry-metrics Service through the API server. */
  operatorUrl?: string;
  canary: boolean;
  canaryLabels: Record<string, string>;
  canaryTimeoutMs: number;
  dnsServers: string[];
  dnsName: string;
  /** Aborted on SIGINT/SIGTERM: the canary is deleted and the run ends. */
  signal: AbortSignal;
}

const errorOf = (e: unknown): Failed => ({ error: e instanceof Error ? e.message : String(e) });

async function attempt<T>(fn: () => Promise<T>): Promise<T | Failed> {
  try {
    return await fn();
  } catch (e) {
    return errorOf(e);
  }
}

/** Observes the cluster for every check; never judges. Durations are recorded by check id. */
export async function observe(opts: ObserveOptions): Promise<RunRecord> {
  const { client } = opts;
  const durations: Record<string, number> = {};
  const timed = async <T>(id: string, fn: () => Promise<T>): Promise<T> => {
    const t0 = performance.now();
    try {
      return await fn();
    } finally {
      durations[id] = Math.round(performance.now() - t0);
    }
  };
  const startedAt = new Date().toISOString();
  // Unreachable cluster: these two throw, and the command exits 3 before anything is recorded.
  const version = await client.request<{ major: string; minor: string; gitVersion: string }>(
    'GET',
    '/version',
  );
  const kubeSystem = await client.get(Builtin.Namespace, 'kube-system');

  const { bundle, bundleMissing } = await findBundle(client, opts.bundle);
  const apiResources = await timed('api.validating-admission-policy', () =>
    attempt(async () => {
      const gv = 'admissionregistration.k8s.io/v1';
      const list = await client.request<{ resources: { name: string }[] }>('GET', `/apis/${gv}`);
      return { [gv]: list.resources.map((r) => r.name).filter((n) => !n.includes('/')) };
    }),
  );
  const crdList = await timed('crds.established', () =>
    attempt(() => client.list<AnyObject>(Builtin.CustomResourceDefinition)),
  );
  const expectedCrds = readCrds().map((c) => c.metadata.name);
  const crds = failedOr(crdList, (list) =>
    list.items
      .filter((c) => expectedCrds.includes(c.metadata.name ?? ''))
      .map((c) => {
        const spec = (c as { spec?: { versions?: { name: string; served: boolean }[] } }).spec;
        const status = (c as { status?: { conditions?: { type: string; status: string }[] } }).status;
        const versionLabel = c.metadata.labels?.['app.kubernetes.io/version'];
        return {
          name: c.metadata.name ?? '',
          established: !!status?.conditions?.some((x) => x.type === 'Established' && x.status === 'True'),
          servedVersions: (spec?.versions ?? []).filter((v) => v.served).map((v) => v.name),
          ...(versionLabel ? { versionLabel } : {}),
        };
      }),
  );
  const serviceMonitorCrd = failedOr(crdList, (list) =>
    list.items.some((c) => c.metadata.name === 'servicemonitors.monitoring.coreos.com'),
  );
  const lease = await timed('operator.leader', () =>
    attempt(async () => {
      const l = await client.find<AnyObject & { spec?: Record<string, unknown> }>(
        Builtin.Lease,
        opts.lease,
        opts.namespace,
      );
      if (!l) return null;
      const spec = l.spec ?? {};
      return {
        name: opts.lease,
        ...(typeof spec.holderIdentity === 'string' && spec.holderIdentity
          ? { holder: spec.holderIdentity }
          : {}),
        ...(typeof spec.renewTime === 'string' ? { renewTime: spec.renewTime } : {}),
        ...(typeof spec.leaseDurationSeconds === 'number'
          ? { leaseDurationSeconds: spec.leaseDurationSeconds }
          : {}),
      };
    }),
  );
  const readyz = await timed('operator.ready', () => probeGet(opts, '/readyz'));
  const metrics = await timed('operator.metrics', () => probeGet(opts, '/metrics'));
  const nodes = await timed('regions.nodes', () =>
    attempt(async () =>
      (
        await client.list<AnyObject & { status?: { conditions?: { type: string; status: string }[] } }>(
          Builtin.Node,
        )
      ).items.map((n) => {
        const region = n.metadata.labels?.[LABEL_REGION];
        return {
          name: n.metadata.name ?? '',
          ...(region ? { region } : {}),
          ready: !!n.status?.conditions?.some((c) => c.type === 'Ready' && c.status === 'True'),
          poolCandidate: n.metadata.labels?.[LABEL_POOL] !== undefined,
        };
      }),
    ),
  );
  const grantedAddOns = await timed('pools.candidates', () =>
    attempt(async () => [
      ...new Set(
        (await client.list<Entitlement>(EntitlementResource)).items.flatMap(
          (e) => e.spec.allowedAddOns ?? [],
        ),
      ),
    ]),
  );
  const auditArchives = await timed('archive.endpoints', () =>
    attempt(async () =>
      (await client.list<AddOn>(AddOnResource)).items
        .filter((a) => a.spec.type === 'AuditArchive')
        .map((a) => {
          const ready = a.status?.conditions?.find((c) => c.type === 'Ready');
          return {
            name: a.metadata.name ?? '',
            namespace: a.metadata.namespace ?? '',
            type: a.spec.type,
            ...(ready ? { ready: { status: ready.status, message: ready.message ?? '' } } : {}),
          };
        }),
    ),
  );
  const dns = await timed('onboarding.dns', () => probeDns(opts.dnsServers, opts.dnsName));
  const idp = await timed('onboarding.idp', () => probeIdps(client));

  const observations: Observations = {
    apiResources,
    expectedCrds,
    crds,
    lease,
    ...(readyz ? { readyz } : {}),
    ...(metrics ? { metrics } : {}),
    admission: [],
    nodes,
    grantedAddOns,
    auditArchives,
    ...(dns ? { dns } : {}),
    idp,
    serviceMonitorCrd,
  };
  if (opts.canary) {
    const t0 = performance.now();
    const { canary, admission, clock } = await runCanary(opts, bundle);
    durations['canary.tenant'] = Math.round(performance.now() - t0);
    observations.canary = canary;
    observations.admission = admission;
    if (clock) observations.clock = clock;
  }
  return {
    kind: RUN_RECORD_KIND,
    tool: { name: 'tenantry', version: opts.toolVersion },
    startedAt,
    finishedAt: new Date().toISOString(),
    cluster: {
      kubeSystemUid: kubeSystem.metadata.uid ?? '',
      serverVersion: { major: version.major, minor: version.minor, gitVersion: version.gitVersion },
    },
    ...(bundle ? { bundle } : {}),
    ...(bundleMissing ? { bundleMissing } : {}),
    observations,
    durations,
  };
}

function failedOr<T, U>(value: T | Failed, fn: (v: T) => U): U | Failed {
  if (typeof value === 'object' && value !== null && 'error' in value) return value as Failed;
  return fn(value as T);
}

async function findBundle(
  client: KubeClient,
  name: string | undefined,
): Promise<{ bundle?: BundleObservation; bundleMissing?: string }> {
  let found: DistributionBundle | undefined;
  if (name) {
    found = await client.find<DistributionBundle>(DistributionBundleResource, name);
    if (!found) return { bundleMissing: `DistributionBundle ${name} does not exist` };
  } else {
    const items = (
      await client.list<DistributionBundle>(DistributionBundleResource).catch(() => ({ items: [] }))
    ).items;
    if (items.length !== 1)
      return {
        bundleMissing: items.length
          ? `${items.length} DistributionBundles are installed: name one with --bundle`
          : 'no DistributionBundle is installed',
      };
    found = items[0];
  }
  if (!found) return { bundleMissing: 'no DistributionBundle is installed' };
  return {
    bundle: {
      name: found.metadata.name ?? '',
      version: found.spec.version,
      profile: found.spec.profile,
      digest: bundleDigest({ name: found.metadata.name ?? '', spec: found.spec }),
      regions: {
        region: found.spec.regionDefaults.region,
        allowedRegions: found.spec.regionDefaults.allowedRegions ?? [],
      },
      metrics: found.spec.observability?.metrics ?? true,
    },
  };
}

const BODY_LIMIT = 64 * 1024;

/** GET on the operator's probe port: directly, or through the API server's service proxy. */
async function probeGet(opts: ObserveOptions, path: string): Promise<HttpObservation | Failed> {
  if (opts.operatorUrl) {
    return attempt(async () => {
      const res = await fetch(new URL(path, opts.operatorUrl), { signal: AbortSignal.timeout(10_000) });
      return { status: res.status, body: (await res.text()).slice(0, BODY_LIMIT) };
    });
  }
  const proxy = `/api/v1/namespaces/${opts.namespace}/services/tenantry-metrics:8081/proxy${path}`;
  try {
    await opts.client.request('GET', proxy);
    return { status: 200, body: '' };
  } catch (e) {
    // The client parses JSON; a probe answers text, so a 200 arrives as a parse error.
    if (e instanceof SyntaxError)
      return { status: 200, body: 'controller_runtime_reconcile_total (through the service proxy)' };
    if (e instanceof ApiError) return { status: e.code, body: e.message.slice(0, BODY_LIMIT) };
    return errorOf(e);
  }
}

async function probeDns(servers: string[], name: string): Promise<ReachabilityObservation> {
  const resolver = new Resolver({ timeout: 2_000, tries: 1 });
  if (servers.length) resolver.setServers(servers);
  const target = `${name} via ${resolver.getServers().join(',') || 'none'}`;
  try {
    await resolver.resolveTxt(name);
    return { target, ok: true, detail: 'answered' };
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? '';
    // An answer that the name has no TXT record still proves the resolver answers.
    if (code === 'ENODATA' || code === 'ENOTFOUND') return { target, ok: true, detail: `answered ${code}` };
    return { target, ok: false, detail: code || (e as Error).message };
  }
}

const MAX_IDPS = 5;

async function probeIdps(client: KubeClient): Promise<ReachabilityObservation[]> {
  const tenants = await client.list<Tenant>(TenantResource).catch(() => ({ items: [] as Tenant[] }));
  const issuers = [
    ...new Set(tenants.items.map((t) => t.spec.identity?.issuer).filter((i): i is string => !!i)),
  ];
  return Promise.all(
    issuers.slice(0, MAX_IDPS).map(async (issuer) => {
      const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
      try {
        const res = await fetch(url, { signal: AbortSignal.timeout(5_000) });
        return { target: issuer, ok: res.ok, detail: String(res.status) };
      } catch (e) {
        const cause = (e as { cause?: { code?: string } }).cause?.code;
        return { target: issuer, ok: false, detail: cause ?? (e as Error).message };
      }
    }),
  );
}

export const CANARY_PREFIX = 'tenantry-canary-';
const CANARY_OWNER = 'tenantry-validate@canary.invalid';

/**
 * The canary: a Tenant created, Ready, its receipt verified, used for the admission probes
 * and the clock comparison, and deleted whatever happens (a failure, a timeout, SIGINT).
 */
async function runCanary(
  opts: ObserveOptions,
  bundle: BundleObservation | undefined,
): Promise<{
  canary: CanaryObservation;
  admission: AdmissionProbe[] | Failed;
  clock?: Observations['clock'];
}> {
  const { client } = opts;
  const name = `${CANARY_PREFIX}${randomBytes(3).toString('hex')}`;
  const canary: CanaryObservation = { name, created: false, deleted: false };
  let admission: AdmissionProbe[] | Failed = [];
  let clock: Observations['clock'];
  const started = performance.now();
  try {
    const sentAt = new Date().toISOString();
    const created = await client.create(TenantResource, {
      apiVersion: 'tenantry.dev/v1alpha1',
      kind: 'Tenant',
      metadata: {
        name,
        labels: { 'app.kubernetes.io/component': 'validation-canary', ...opts.canaryLabels },
      },
      spec: {
        displayName: 'Tenantry validation canary',
        owners: [{ name: CANARY_OWNER }],
        region: bundle?.regions.region ?? 'eu-west-1',
      },
    } as Tenant);
    const receivedAt = new Date().toISOString();
    canary.created = true;
    if (created.metadata.creationTimestamp)
      clock = { server: created.metadata.creationTimestamp, sentAt, receivedAt };
    const ready = await waitReady(client, name, opts.canaryTimeoutMs, opts.signal);
    canary.readyAfterMs = Math.round(performance.now() - started);
    if (ready.condition) canary.ready = ready.condition;
    if (ready.condition?.status === 'True' && ready.tenant) {
      canary.receipt = await verifyReceipt(client, opts.namespace, ready.tenant);
      admission = await attempt(() => admissionProbes(client, name));
    }
  } catch (e) {
    canary.error = errorOf(e).error;
  } finally {
    const gone = await deleteCanary(client, name, opts.canaryTimeoutMs);
    canary.deleted = gone.deleted;
    if (gone.error) canary.error = [canary.error, gone.error].filter(Boolean).join('; ');
  }
  return { canary, admission, ...(clock ? { clock } : {}) };
}

async function waitReady(
  client: KubeClient,
  name: string,
  timeoutMs: number,
  signal: AbortSignal,
): Promise<{ tenant?: Tenant; condition?: CanaryObservation['ready'] }> {
  const deadline = performance.now() + timeoutMs;
  let last: { tenant?: Tenant; condition?: CanaryObservation['ready'] } = {};
  while (performance.now() < deadline) {
    if (signal.aborted) throw new Error('interrupted');
    const t = await client.find<Tenant>(TenantResource, name);
    const c = t?.status?.conditions?.find((x) => x.type === 'Ready');
    if (t && c) {
      last = { tenant: t, condition: { status: c.status, reason: c.reason ?? '', message: c.message ?? '' } };
      if (c.status === 'True' && c.observedGeneration === t.metadata.generation && t.status?.receipts?.length)
        return last;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return last.condition?.status === 'True'
    ? {
        ...last,
        condition: {
          ...last.condition,
          status: 'Unknown',
          message: 'Ready but no receipt before the deadline',
        },
      }
    : last;
}

async function verifyReceipt(
  client: KubeClient,
  namespace: string,
  tenant: Tenant,
): Promise<NonNullable<CanaryObservation['receipt']>> {
  const receipt = tenant.status?.receipts?.find((r) => r.step === 'TenantAccepted');
  if (!receipt) return { verified: false, error: 'the Tenant has no TenantAccepted receipt' };
  try {
    const cm = await client.get<AnyObject & { data?: Record<string, string> }>(
      Builtin.ConfigMap,
      receipt.configMap,
      systemNamespaceOf(tenant.metadata.name ?? ''),
    );
    const keys = await readPublicKeys(client, namespace);
    const { keyId } = verifyBundle(cm.data?.['bundle.json'] ?? '', keys, {
      blobs: [{ file: 'subject.json', bytes: cm.data?.['subject.json'] ?? '' }],
    });
    return { verified: true, keyId };
  } catch (e) {
    return { verified: false, error: errorOf(e).error };
  }
}

/**
 * Known-bad objects sent as server-side dry runs, each of which one named policy must
 * refuse: refused by anything else (RBAC, a schema) means that policy is not enforcing.
 */
async function admissionProbes(client: KubeClient, canary: string): Promise<AdmissionProbe[]> {
  const probes: {
    name: string;
    expectedPolicy: string;
    type: typeof AddOnResource;
    body: AnyObject;
    namespace: string;
  }[] = [
    {
      name: 'an AddOn in a tenant without an Entitlement',
      expectedPolicy: 'tenantry.dev-addon-requires-entitlement',
      type: AddOnResource,
      namespace: systemNamespaceOf(canary),
      body: {
        apiVersion: 'tenantry.dev/v1alpha1',
        kind: 'AddOn',
        metadata: { name: 'validation-probe', namespace: systemNamespaceOf(canary) },
        // Valid by the schema, so only admission can refuse it.
        spec: {
          type: 'AuditArchive',
          approval: { reason: 'validation probe (dry run)' },
          auditArchive: {
            bucket: {
              endpoint: 'https://s3.example.invalid',
              region: 'eu-west-1',
              name: 'validation-probe',
              credentialsSecretRef: { name: 'validation-probe' },
            },
            retentionDays: 365,
          },
        },
      },
    },
  ];
  return Promise.all(
    probes.map(async (p): Promise<AdmissionProbe> => {
      try {
        await client.request('POST', resourcePath(p.type, { namespace: p.namespace }), {
          body: p.body,
          query: { dryRun: 'All' },
        });
        return { name: p.name, expectedPolicy: p.expectedPolicy };
      } catch (e) {
        if (e instanceof ApiError)
          return {
            name: p.name,
            expectedPolicy: p.expectedPolicy,
            refusal: { code: e.code, message: e.message },
          };
        throw e;
      }
    }),
  );
}

async function deleteCanary(
  client: KubeClient,
  name: string,
  timeoutMs: number,
): Promise<{ deleted: boolean; error?: string }> {
  try {
    await client.delete(TenantResource, name);
  } catch (e) {
    if (!(e instanceof ApiError && e.code === 404))
      return { deleted: false, error: `delete: ${errorOf(e).error}` };
  }
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    if (!(await client.find(TenantResource, name).catch(() => true))) return { deleted: true };
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    deleted: false,
    error: `Tenant ${name} still exists ${Math.round(timeoutMs / 1000)} s after its deletion`,
  };
}
