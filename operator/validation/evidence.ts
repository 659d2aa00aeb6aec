import {
  canonicalJson,
  makeStatement,
  PredicateTypes,
  type Statement,
  type Subject,
  sha256Hex,
} from '../evidence/statement.ts';
import type { Report } from './judge.ts';
import type { BundleObservation, ClusterIdentity, RunRecord } from './record.ts';

/** Tenantry's own predicate: everything the run concluded, beside the standard test result. */
export const VALIDATION_PREDICATE = 'https://tenantry.dev/attestations/validation-results/v1';

/** What the bundle subject's digest covers: the bundle as installed, in canonical JSON. */
export function bundleIdentity(bundle: { name: string; spec: unknown }): string {
  return canonicalJson({
    apiVersion: 'tenantry.dev/v1alpha1',
    kind: 'DistributionBundle',
    name: bundle.name,
    spec: bundle.spec,
  });
}

/** The bundle subject's digest: what the operator recomputes before it signs a run's evidence. */
export const bundleDigest = (bundle: { name: string; spec: unknown }): string =>
  sha256Hex(bundleIdentity(bundle));

/**
 * What the cluster subject's digest covers. A verifier who knows the cluster computes it
 * (clusterSubjectDigest) and asks cosign for it with --digest: evidence from another
 * cluster carries another digest and is refused.
 */
export function clusterIdentityBlob(kubeSystemUid: string): string {
  return canonicalJson({ kind: 'Cluster', kubeSystemUid });
}

export const clusterSubjectDigest = (kubeSystemUid: string): string =>
  sha256Hex(clusterIdentityBlob(kubeSystemUid));

function subjects(run: RunRecord): Subject[] {
  const cluster: Subject = {
    name: `cluster/${run.cluster.kubeSystemUid}`,
    digest: { sha256: clusterSubjectDigest(run.cluster.kubeSystemUid) },
  };
  return run.bundle
    ? [{ name: `distributionbundle/${run.bundle.name}`, digest: { sha256: run.bundle.digest } }, cluster]
    : [cluster];
}

export interface TestResultPredicate {
  result: Report['verdict'];
  configuration: { name: string; digest?: Record<string, string>; annotations?: Record<string, string> }[];
  passedTests: string[];
  warnedTests: string[];
  failedTests: string[];
}

export interface ValidationPredicate {
  tool: RunRecord['tool'];
  cluster: ClusterIdentity;
  bundle?: BundleObservation;
  startedAt: string;
  finishedAt: string;
  verdict: Report['verdict'];
  summary: Report['summary'];
  results: Report['results'];
  /** sha256 of the canonical run record the results were judged from (RUN.json). */
  runDigest: string;
}

/**
 * The two statements of a run, over the same subjects (the bundle and the cluster): the
 * standard in-toto test result, which any in-toto tooling reads, and Tenantry's with every
 * result, the cluster identity and the tool version.
 */
export function validationStatements(
  run: RunRecord,
  report: Report,
): {
  testResult: Statement<TestResultPredicate>;
  results: Statement<ValidationPredicate>;
} {
  const ids = (o: string) => report.results.filter((r) => r.outcome === o).map((r) => r.id);
  const configuration: TestResultPredicate['configuration'] = [
    ...(run.bundle
      ? [
          {
            name: `distributionbundle/${run.bundle.name}`,
            digest: { sha256: run.bundle.digest },
            annotations: { version: run.bundle.version, profile: run.bundle.profile },
          },
        ]
      : []),
    { name: 'tenantry', annotations: { version: run.tool.version } },
  ];
  const testResult = makeStatement(subjects(run), PredicateTypes.testResult, {
    result: report.verdict,
    configuration,
    passedTests: ids('pass'),
    warnedTests: ids('warn'),
    failedTests: ids('fail'),
  });
  const results = makeStatement(subjects(run), VALIDATION_PREDICATE, {
    tool: run.tool,
    cluster: run.cluster,
    ...(run.bundle ? { bundle: run.bundle } : {}),
    startedAt: run.startedAt,
    finishedAt: run.finishedAt,
    verdict: report.verdict,
    summary: report.summary,
    results: report.results,
    runDigest: sha256Hex(canonicalJson(run)),
  });
  return { testResult, results };
}

/**
 * Whether a statement is about the given cluster: it names the cluster subject of that
 * kube-system uid. What the operator checks before signing, and what a verifier checks after.
 */
export function namesCluster(statement: Statement, kubeSystemUid: string): boolean {
  const digest = clusterSubjectDigest(kubeSystemUid);
  return statement.subject.some((s) => s.name === `cluster/${kubeSystemUid}` && s.digest.sha256 === digest);
}
