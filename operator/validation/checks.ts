import { failed, type Observations, type RunRecord } from './record.ts';

/** pass / warn / fail, or skip when the check does not apply or could not be judged (with why). */
export type Outcome = 'pass' | 'warn' | 'fail' | 'skip';
export type Severity = 'info' | 'warning' | 'critical';

export interface Judgement {
  outcome: Outcome;
  message: string;
  /** What to do; empty when the check passed. */
  remediation?: string;
}

export interface Check {
  /** Stable: scripts, dashboards and the bundle's status key on it. */
  id: string;
  category: string;
  severity: Severity;
  judge(run: RunRecord): Judgement;
}

/** The oldest Kubernetes minor with MutatingAdmissionPolicy in admissionregistration.k8s.io/v1. */
export const MIN_KUBE_MINOR = 36;
/** Skew past which leases, tokens and signed times start to mislead. */
export const CLOCK_WARN_MS = 2_000;
export const CLOCK_FAIL_MS = 30_000;
const ADMISSION_GROUP = 'admissionregistration.k8s.io/v1';

const pass = (message: string): Judgement => ({ outcome: 'pass', message });
const skip = (message: string): Judgement => ({ outcome: 'skip', message });
const warn = (message: string, remediation: string): Judgement => ({ outcome: 'warn', message, remediation });
const fail = (message: string, remediation: string): Judgement => ({ outcome: 'fail', message, remediation });

/** A check whose observation could not be made fails with the error, the same for all. */
function observed<T>(value: T | { error: string }, what: string, judge: (v: T) => Judgement): Judgement {
  if (failed(value))
    return fail(
      `could not read ${what}: ${value.error}`,
      `give the validating identity read access to ${what}`,
    );
  return judge(value);
}

function apiServed(obs: Observations, resource: string, kind: string, minor: string): Judgement {
  return observed(obs.apiResources, 'the API discovery', (apis) =>
    (apis[ADMISSION_GROUP] ?? []).includes(resource)
      ? pass(`${ADMISSION_GROUP} serves ${resource}`)
      : fail(
          `${ADMISSION_GROUP} does not serve ${resource}: Tenantry's ${kind}s (guard rails, add-on approvals) cannot be installed`,
          `upgrade the cluster to Kubernetes 1.${minor} or later, or enable the ${kind} API (--runtime-config=${ADMISSION_GROUP}=true)`,
        ),
  );
}

function clusterVersion(run: RunRecord): Judgement {
  const v = run.cluster.serverVersion;
  const minor = Number.parseInt(v.minor, 10);
  if (v.major !== '1' || Number.isNaN(minor))
    return warn(`cannot read the server version ${JSON.stringify(v)}`, 'check that /version answers');
  return minor >= MIN_KUBE_MINOR
    ? pass(`Kubernetes ${v.gitVersion}`)
    : fail(
        `Kubernetes ${v.gitVersion} is older than 1.${MIN_KUBE_MINOR}, the oldest this release supports`,
        `upgrade the control plane to 1.${MIN_KUBE_MINOR} or later`,
      );
}

function crdsEstablished(run: RunRecord): Judgement {
  const { expectedCrds, crds } = run.observations;
  return observed(crds, 'customresourcedefinitions', (found) => {
    const byName = new Map(found.map((c) => [c.name, c]));
    const missing = expectedCrds.filter((n) => !byName.has(n));
    const notEstablished = found.filter((c) => !c.established).map((c) => c.name);
    const notServed = found.filter((c) => !c.servedVersions.includes('v1alpha1')).map((c) => c.name);
    if (missing.length || notEstablished.length || notServed.length) {
      const parts = [
        missing.length ? `missing: ${missing.join(', ')}` : '',
        notEstablished.length ? `not Established: ${notEstablished.join(', ')}` : '',
        notServed.length ? `not serving v1alpha1: ${notServed.join(', ')}` : '',
      ].filter(Boolean);
      return fail(
        `CRDs ${parts.join('; ')}`,
        'apply the CRDs of this release (kubectl apply --server-side -k bundles/<version>/crds, or tenantry install) and wait: kubectl wait --for condition=Established crd -l app.kubernetes.io/name=tenantry',
      );
    }
    const version = run.bundle?.version;
    const otherVersion = version
      ? found.filter((c) => c.versionLabel !== undefined && c.versionLabel !== version)
      : [];
    if (otherVersion.length)
      return warn(
        `CRDs from another bundle version than ${version}: ${otherVersion.map((c) => `${c.name}=${c.versionLabel}`).join(', ')}`,
        `apply the CRDs of bundle ${version}`,
      );
    return pass(`${expectedCrds.length} CRDs Established, serving v1alpha1`);
  });
}

function operatorLeader(run: RunRecord): Judgement {
  return observed(run.observations.lease, 'the operator Lease', (lease) => {
    if (lease === null)
      return fail(
        'no leader Lease: the operator is not running, or runs without leader election',
        'check the operator Deployment (kubectl -n <namespace> get deploy,pods) and its logs',
      );
    if (!lease.holder || !lease.renewTime)
      return fail(
        `Lease ${lease.name} has no holder`,
        'check the operator pods are running and can update their Lease',
      );
    const expires = Date.parse(lease.renewTime) + (lease.leaseDurationSeconds ?? 15) * 1000;
    const lateMs = Date.parse(run.startedAt) - expires;
    return lateMs > 0
      ? fail(
          `Lease ${lease.name} held by ${lease.holder} expired ${Math.round(lateMs / 1000)} s before the run: no replica leads`,
          'check the operator pods (crash loops, API server throttling, clock skew) and their logs',
        )
      : pass(`Lease ${lease.name} held by ${lease.holder}`);
  });
}

function probe(
  value: Observations['readyz'],
  what: string,
  ok: (body: string) => boolean,
  remediation: string,
): Judgement {
  if (value === undefined) return skip(`${what} not reached: no way to the operator's probe port was given`);
  return observed(value, what, (res) =>
    res.status === 200 && ok(res.body)
      ? pass(`${what} answered 200`)
      : fail(`${what} answered ${res.status}: ${res.body.slice(0, 200)}`, remediation),
  );
}

function admissionEnforcing(run: RunRecord): Judgement {
  return observed(run.observations.admission, 'admission probes', (probes) => {
    if (!probes.length) return skip('no admission probe could be sent (the canary tenant was not created)');
    const wrong = probes.filter(
      (p) => p.refusal === undefined || !p.refusal.message.includes(`'${p.expectedPolicy}'`),
    );
    if (!wrong.length) return pass(`${probes.length} known-bad objects refused by their policies`);
    return fail(
      wrong
        .map((p) =>
          p.refusal
            ? `${p.name}: refused, but not by ${p.expectedPolicy} (${p.refusal.code}: ${p.refusal.message.slice(0, 160)})`
            : `${p.name}: accepted, expected ${p.expectedPolicy} to refuse it`,
        )
        .join('; '),
      'install the admission policies and bindings (kubectl get validatingadmissionpolicies,validatingadmissionpolicybindings -l app.kubernetes.io/name=tenantry) and check nothing changed their validationActions',
    );
  });
}

function canaryTenant(run: RunRecord): Judgement {
  const c = run.observations.canary;
  if (c === undefined) return skip('the canary was not run (--no-canary)');
  const remediation =
    "look at the canary Tenant's conditions and the operator log; the operator needs the selfServeOnboarding feature and its signing key";
  if (!c.created)
    return fail(`canary Tenant ${c.name} could not be created: ${c.error ?? 'unknown'}`, remediation);
  if (c.ready?.status !== 'True')
    return fail(
      `canary Tenant ${c.name} not Ready${c.ready ? ` (${c.ready.reason}: ${c.ready.message})` : ''}${c.error ? `: ${c.error}` : ''}`,
      remediation,
    );
  if (!c.receipt?.verified)
    return fail(
      `canary Tenant ${c.name} Ready, but its receipt does not verify: ${c.receipt?.error ?? 'no receipt'}`,
      "check the public keys published in tenantry-public-keys match the operator's signing key",
    );
  if (!c.deleted)
    return warn(
      `canary Tenant ${c.name} passed but was not deleted: ${c.error ?? ''}`,
      `delete it: kubectl delete tenant ${c.name}`,
    );
  return pass(
    `canary Tenant Ready in ${c.readyAfterMs ?? '?'} ms, receipt signed by ${c.receipt.keyId}, deleted`,
  );
}

function regionsNodes(run: RunRecord): Judgement {
  const b = run.bundle;
  if (!b) return skip(`no DistributionBundle: ${run.bundleMissing ?? 'none'}`);
  return observed(run.observations.nodes, 'nodes', (nodes) => {
    const wanted = [...new Set([b.regions.region, ...b.regions.allowedRegions])];
    const missing = wanted.filter((r) => !nodes.some((n) => n.ready && n.region === r));
    return missing.length
      ? fail(
          `no Ready node in region ${missing.join(', ')} (bundle ${b.name}); tenants placed there cannot run`,
          `label nodes topology.kubernetes.io/region=<region>, or remove the region from spec.regionDefaults of DistributionBundle ${b.name}`,
        )
      : pass(`Ready nodes in ${wanted.join(', ')}`);
  });
}

function poolsCandidates(run: RunRecord): Judgement {
  return observed(run.observations.grantedAddOns, 'entitlements', (granted) => {
    if (!granted.includes('DedicatedCompute')) return skip('no Entitlement grants DedicatedCompute');
    return observed(run.observations.nodes, 'nodes', (nodes) =>
      nodes.some((n) => n.poolCandidate && n.ready)
        ? pass(`${nodes.filter((n) => n.poolCandidate).length} dedicated-pool candidate nodes`)
        : fail(
            'DedicatedCompute is granted but no Ready node is labelled as a dedicated-pool candidate',
            'label the nodes a pool may take: kubectl label node <node> tenantry.dev/dedicated-pool=',
          ),
    );
  });
}

function archiveEndpoints(run: RunRecord): Judgement {
  return observed(run.observations.grantedAddOns, 'entitlements', (granted) => {
    if (!granted.includes('AuditArchive')) return skip('no Entitlement grants AuditArchive');
    return observed(run.observations.auditArchives, 'add-ons', (archives) => {
      if (!archives.length) return skip('AuditArchive is granted but no tenant has enabled one yet');
      const bad = archives.filter((a) => a.ready?.status !== 'True');
      return bad.length
        ? fail(
            `audit archives not Ready: ${bad.map((a) => `${a.namespace}/${a.name} (${a.ready?.message ?? 'no status'})`).join('; ')}`,
            'check the archive endpoint is reachable from the operator and allowed by --archive-allow-cidrs',
          )
        : pass(`${archives.length} audit archives reach their endpoints`);
    });
  });
}

function reachable(r: Observations['dns'], what: string, remediation: string): Judgement {
  if (r === undefined) return skip(`${what} not probed`);
  return r.ok
    ? pass(`${what} ${r.target}: ${r.detail}`)
    : warn(`${what} ${r.target} unreachable: ${r.detail}; onboarding that needs it will stall`, remediation);
}

function onboardingIdp(run: RunRecord): Judgement {
  const idps = run.observations.idp;
  if (!idps.length) return skip('no Tenant names an identity provider');
  const bad = idps.filter((i) => !i.ok);
  return bad.length
    ? warn(
        `identity providers unreachable: ${bad.map((i) => `${i.target} (${i.detail})`).join('; ')}`,
        "let the operator reach the issuers' /.well-known/openid-configuration (egress, proxy, --identity-ca for a private CA)",
      )
    : pass(`${idps.length} identity providers answer their discovery document`);
}

function serviceMonitor(run: RunRecord): Judgement {
  if (run.bundle && !run.bundle.metrics) return skip(`metrics are off in bundle ${run.bundle.name}`);
  return observed(run.observations.serviceMonitorCrd, 'customresourcedefinitions', (present) =>
    present
      ? pass('the ServiceMonitor CRD is installed: Prometheus Operator scrapes the operator')
      : warn(
          'metrics are on but the ServiceMonitor CRD (monitoring.coreos.com) is not installed: nothing scrapes the operator',
          'install the Prometheus Operator, or scrape the tenantry-metrics Service (port 8081) another way, or set observability.metrics: false',
        ),
  );
}

function clockSkew(run: RunRecord): Judgement {
  const c = run.observations.clock;
  if (c === undefined) return skip('clock not compared');
  return observed(c, 'the API server clock', (t) => {
    const sent = Date.parse(t.sentAt);
    const received = Date.parse(t.receivedAt);
    // The Date header has a resolution of a second: anything within the round trip plus that is no skew.
    const local = (sent + received) / 2;
    const skew = Math.abs(Date.parse(t.server) - local) - (received - sent) / 2 - 1000;
    const ms = Math.max(0, Math.round(skew));
    const remediation = 'run NTP (chrony, systemd-timesyncd) on the nodes and on this machine';
    if (ms > CLOCK_FAIL_MS)
      return fail(`this machine's clock and the API server's differ by ${ms} ms or more`, remediation);
    if (ms > CLOCK_WARN_MS)
      return warn(`this machine's clock and the API server's differ by ${ms} ms or more`, remediation);
    return pass(`clocks agree within ${CLOCK_WARN_MS} ms`);
  });
}

/** Every check, in the order they are reported. */
export const CHECKS: readonly Check[] = [
  { id: 'cluster.version', category: 'cluster', severity: 'critical', judge: clusterVersion },
  {
    id: 'api.validating-admission-policy',
    category: 'cluster',
    severity: 'critical',
    judge: (r) => apiServed(r.observations, 'validatingadmissionpolicies', 'ValidatingAdmissionPolicy', '30'),
  },
  {
    id: 'api.mutating-admission-policy',
    category: 'cluster',
    severity: 'critical',
    judge: (r) =>
      apiServed(
        r.observations,
        'mutatingadmissionpolicies',
        'MutatingAdmissionPolicy',
        String(MIN_KUBE_MINOR),
      ),
  },
  { id: 'crds.established', category: 'install', severity: 'critical', judge: crdsEstablished },
  { id: 'operator.leader', category: 'operator', severity: 'critical', judge: operatorLeader },
  {
    id: 'operator.ready',
    category: 'operator',
    severity: 'critical',
    judge: (r) =>
      probe(
        r.observations.readyz,
        "the operator's /readyz",
        () => true,
        'look at the operator log: /readyz names what is not ready',
      ),
  },
  {
    id: 'operator.metrics',
    category: 'observability',
    severity: 'warning',
    judge: (r) =>
      probe(
        r.observations.metrics,
        "the operator's /metrics",
        (body) => body.includes('controller_runtime_reconcile_total'),
        'check the tenantry-metrics Service selects the operator pods and port 8081 is open',
      ),
  },
  { id: 'admission.enforcing', category: 'security', severity: 'critical', judge: admissionEnforcing },
  { id: 'canary.tenant', category: 'onboarding', severity: 'critical', judge: canaryTenant },
  { id: 'regions.nodes', category: 'placement', severity: 'critical', judge: regionsNodes },
  { id: 'pools.candidates', category: 'add-ons', severity: 'warning', judge: poolsCandidates },
  { id: 'archive.endpoints', category: 'add-ons', severity: 'warning', judge: archiveEndpoints },
  {
    id: 'onboarding.dns',
    category: 'onboarding',
    severity: 'warning',
    judge: (r) =>
      reachable(
        r.observations.dns,
        'DNS resolver',
        'let the operator reach a DNS resolver (--dns-servers) for domain verification',
      ),
  },
  { id: 'onboarding.idp', category: 'onboarding', severity: 'warning', judge: onboardingIdp },
  {
    id: 'observability.servicemonitor',
    category: 'observability',
    severity: 'warning',
    judge: serviceMonitor,
  },
  { id: 'clock.skew', category: 'cluster', severity: 'warning', judge: clockSkew },
];
