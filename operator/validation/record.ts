/**
 * What a validation run observed, recorded before anything is judged: `tenantry validate
 * --replay RUN.json` judges the same record again offline. Every field a judgement reads is
 * here, the run's own clock included, so judging never asks the cluster or the wall clock.
 */
export const RUN_RECORD_KIND = 'tenantry.dev/ValidationRun/v1';

/** A request that could not be made, with the error as the run saw it. */
export interface Failed {
  error: string;
}

export interface ServerVersion {
  major: string;
  minor: string;
  gitVersion: string;
}

/** Which cluster the run looked at: what evidence is bound to. */
export interface ClusterIdentity {
  /** metadata.uid of the kube-system namespace: stable for the cluster's life, new for a new cluster. */
  kubeSystemUid: string;
  serverVersion: ServerVersion;
}

/** The DistributionBundle the run validated, as it was read. */
export interface BundleObservation {
  name: string;
  version: string;
  profile: 'S' | 'M' | 'L';
  /** sha256 of the bundle's canonical identity (bundleIdentity), the evidence's subject. */
  digest: string;
  regions: { region: string; allowedRegions: string[] };
  metrics: boolean;
}

export interface CrdObservation {
  name: string;
  established: boolean;
  servedVersions: string[];
  /** The app.kubernetes.io/version label, when the pack set one. */
  versionLabel?: string;
}

export interface LeaseObservation {
  name: string;
  holder?: string;
  renewTime?: string;
  leaseDurationSeconds?: number;
}

export interface HttpObservation {
  status: number;
  /** The first bytes of the body: enough for a message, never a secret (probe endpoints only). */
  body: string;
}

/** A known-bad object sent as a server-side dry run, which the named policy must refuse. */
export interface AdmissionProbe {
  name: string;
  expectedPolicy: string;
  /** The API server's answer: undefined when it accepted the object. */
  refusal?: { code: number; message: string };
}

export interface CanaryObservation {
  name: string;
  created: boolean;
  /** The Ready condition as last seen before the deadline. */
  ready?: { status: string; reason: string; message: string };
  readyAfterMs?: number;
  /** The TenantAccepted receipt verified against the operator's published keys. */
  receipt?: { verified: true; keyId: string } | { verified: false; error: string };
  deleted: boolean;
  error?: string;
}

export interface NodeObservation {
  name: string;
  region?: string;
  ready: boolean;
  /** Labelled as a dedicated-pool candidate (tenantry.dev/dedicated-pool). */
  poolCandidate: boolean;
}

export interface AddOnObservation {
  name: string;
  namespace: string;
  type: string;
  ready?: { status: string; message: string };
}

export interface ReachabilityObservation {
  target: string;
  ok: boolean;
  detail: string;
}

export interface Observations {
  /** Group versions and the resources each serves (only those the checks need). */
  apiResources: Record<string, string[]> | Failed;
  /** The CRD names this Tenantry version installs, and what the cluster has. */
  expectedCrds: string[];
  crds: CrdObservation[] | Failed;
  lease: LeaseObservation | null | Failed;
  readyz?: HttpObservation | Failed;
  metrics?: HttpObservation | Failed;
  admission: AdmissionProbe[] | Failed;
  canary?: CanaryObservation;
  nodes: NodeObservation[] | Failed;
  /** Add-on types some Entitlement grants (the add-ons enabled on this platform). */
  grantedAddOns: string[] | Failed;
  auditArchives: AddOnObservation[] | Failed;
  dns?: ReachabilityObservation;
  idp: ReachabilityObservation[];
  serviceMonitorCrd: boolean | Failed;
  /** The API server's Date header and the local clock either side of that request. */
  clock?: { server: string; sentAt: string; receivedAt: string } | Failed;
}

export interface RunRecord {
  kind: typeof RUN_RECORD_KIND;
  tool: { name: 'tenantry'; version: string };
  startedAt: string;
  finishedAt: string;
  cluster: ClusterIdentity;
  bundle?: BundleObservation;
  /** Why there is no bundle (none installed, or the one named is missing). */
  bundleMissing?: string;
  observations: Observations;
  /** How long observing each check took, by check id, in milliseconds. */
  durations: Record<string, number>;
}

export function failed(value: unknown): value is Failed {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && 'error' in value;
}

/** Checks a parsed RUN.json is a run record; throws naming the first field that is not. */
export function assertRunRecord(value: unknown): asserts value is RunRecord {
  const r = value as Partial<RunRecord> | null;
  if (typeof r !== 'object' || r === null) throw new TypeError('run record is not a JSON object');
  if (r.kind !== RUN_RECORD_KIND)
    throw new TypeError(`run record kind is ${JSON.stringify(r.kind)}, expected ${RUN_RECORD_KIND}`);
  for (const field of ['startedAt', 'finishedAt'] as const) {
    if (typeof r[field] !== 'string' || Number.isNaN(Date.parse(r[field])))
      throw new TypeError(`run record ${field} is not a time: ${JSON.stringify(r[field])}`);
  }
  if (typeof r.cluster?.kubeSystemUid !== 'string')
    throw new TypeError('run record has no cluster.kubeSystemUid');
  if (typeof r.observations !== 'object' || r.observations === null)
    throw new TypeError('run record has no observations');
  if (typeof r.durations !== 'object' || r.durations === null)
    throw new TypeError('run record has no durations');
}
