import { RUN_RECORD_KIND, type RunRecord } from './record.ts';

/** A run record of a healthy install, for tests: every check passes on it. */
export function passingRun(): RunRecord {
  return {
    kind: RUN_RECORD_KIND,
    tool: { name: 'tenantry', version: '0.1.0' },
    startedAt: '2026-03-02T10:00:00.000Z',
    finishedAt: '2026-03-02T10:00:12.000Z',
    cluster: {
      kubeSystemUid: '5f0c2b7e-8a61-4d7c-9a9e-1d2f3a4b5c6d',
      serverVersion: { major: '1', minor: '37', gitVersion: 'v1.37.2' },
    },
    bundle: {
      name: 'acme',
      version: '1.0.0',
      profile: 'M',
      digest: 'a'.repeat(64),
      regions: { region: 'eu-west-1', allowedRegions: ['eu-west-1', 'eu-central-1'] },
      metrics: true,
    },
    observations: {
      apiResources: {
        'admissionregistration.k8s.io/v1': ['validatingadmissionpolicies', 'mutatingadmissionpolicies'],
      },
      expectedCrds: ['tenants.tenantry.dev', 'addons.tenantry.dev'],
      crds: [
        {
          name: 'tenants.tenantry.dev',
          established: true,
          servedVersions: ['v1alpha1'],
          versionLabel: '1.0.0',
        },
        { name: 'addons.tenantry.dev', established: true, servedVersions: ['v1alpha1'] },
      ],
      lease: {
        name: 'tenantry-leader',
        holder: 'tenantry-7d9f_1',
        renewTime: '2026-03-02T09:59:58.000Z',
        leaseDurationSeconds: 15,
      },
      readyz: { status: 200, body: 'ok' },
      metrics: { status: 200, body: 'controller_runtime_reconcile_total{controller="tenant"} 3' },
      admission: [
        {
          name: 'AddOn without an Entitlement',
          expectedPolicy: 'tenantry.dev-addon-requires-entitlement',
          refusal: {
            code: 422,
            message:
              "addons.tenantry.dev \"x\" is forbidden: ValidatingAdmissionPolicy 'tenantry.dev-addon-requires-entitlement' with binding 'tenantry.dev-addon-requires-entitlement' denied request",
          },
        },
      ],
      canary: {
        name: 'tenantry-canary-1a2b3c',
        created: true,
        ready: { status: 'True', reason: 'Ready', message: '' },
        readyAfterMs: 2100,
        receipt: { verified: true, keyId: 'SHA256:abc' },
        deleted: true,
      },
      nodes: [
        { name: 'n1', region: 'eu-west-1', ready: true, poolCandidate: true },
        { name: 'n2', region: 'eu-central-1', ready: true, poolCandidate: false },
      ],
      grantedAddOns: ['DedicatedCompute', 'AuditArchive'],
      auditArchives: [
        {
          name: 'archive',
          namespace: 'demo-system',
          type: 'AuditArchive',
          ready: { status: 'True', message: '' },
        },
      ],
      dns: { target: 'kubernetes.io', ok: true, detail: 'answered' },
      idp: [{ target: 'https://idp.example.com', ok: true, detail: '200' }],
      serviceMonitorCrd: true,
      clock: {
        server: 'Mon, 02 Mar 2026 10:00:01 GMT',
        sentAt: '2026-03-02T10:00:01.100Z',
        receivedAt: '2026-03-02T10:00:01.140Z',
      },
    },
    durations: { 'canary.tenant': 2300, 'admission.enforcing': 40 },
  };
}

/**
 * For each check, a change of the healthy record that makes it fail: the fixtures behind
 * "each failing check shows its remediation". Checks of warning severity that only ever
 * warn (reachability, the ServiceMonitor CRD, a small clock skew) are here with what makes
 * them warn.
 */
export const BREAKERS: Record<string, (run: RunRecord) => void> = {
  'cluster.version': (r) => {
    r.cluster.serverVersion = { major: '1', minor: '33', gitVersion: 'v1.33.4' };
  },
  'api.validating-admission-policy': (r) => {
    r.observations.apiResources = { 'admissionregistration.k8s.io/v1': ['mutatingadmissionpolicies'] };
  },
  'api.mutating-admission-policy': (r) => {
    r.observations.apiResources = { 'admissionregistration.k8s.io/v1': ['validatingadmissionpolicies'] };
  },
  'crds.established': (r) => {
    r.observations.crds = [
      { name: 'tenants.tenantry.dev', established: false, servedVersions: ['v1alpha1'] },
    ];
  },
  'operator.leader': (r) => {
    r.observations.lease = {
      name: 'tenantry-leader',
      holder: 'tenantry-7d9f_1',
      renewTime: '2026-03-02T09:58:00.000Z',
      leaseDurationSeconds: 15,
    };
  },
  'operator.ready': (r) => {
    r.observations.readyz = { status: 503, body: 'informers not synced: tenant' };
  },
  'operator.metrics': (r) => {
    r.observations.metrics = { error: 'connect ECONNREFUSED 10.0.0.12:8081' };
  },
  'admission.enforcing': (r) => {
    const [probe] = r.observations.admission as { name: string; expectedPolicy: string }[];
    r.observations.admission = [
      { name: probe?.name ?? 'probe', expectedPolicy: probe?.expectedPolicy ?? '' },
    ];
  },
  'canary.tenant': (r) => {
    r.observations.canary = {
      name: 'tenantry-canary-1a2b3c',
      created: true,
      ready: { status: 'False', reason: 'Provisioning', message: 'waiting for namespaces' },
      deleted: true,
    };
  },
  'regions.nodes': (r) => {
    r.observations.nodes = [{ name: 'n1', region: 'eu-west-1', ready: true, poolCandidate: true }];
  },
  'pools.candidates': (r) => {
    r.observations.nodes = [
      { name: 'n1', region: 'eu-west-1', ready: true, poolCandidate: false },
      { name: 'n2', region: 'eu-central-1', ready: true, poolCandidate: false },
    ];
  },
  'archive.endpoints': (r) => {
    r.observations.auditArchives = [
      {
        name: 'archive',
        namespace: 'demo-system',
        type: 'AuditArchive',
        ready: { status: 'False', message: 'endpoint 10.1.2.3 is not allowed' },
      },
    ];
  },
  'onboarding.dns': (r) => {
    r.observations.dns = { target: 'kubernetes.io', ok: false, detail: 'ETIMEOUT' };
  },
  'onboarding.idp': (r) => {
    r.observations.idp = [{ target: 'https://idp.example.com', ok: false, detail: 'ENOTFOUND' }];
  },
  'observability.servicemonitor': (r) => {
    r.observations.serviceMonitorCrd = false;
  },
  'clock.skew': (r) => {
    r.observations.clock = {
      server: 'Mon, 02 Mar 2026 10:00:06 GMT',
      sentAt: '2026-03-02T10:00:01.100Z',
      receivedAt: '2026-03-02T10:00:01.140Z',
    };
  },
};
