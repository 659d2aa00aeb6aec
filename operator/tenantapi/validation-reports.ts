import { type DistributionBundle, DistributionBundleResource } from '../api/v1alpha1/distributionbundle.ts';
import { assertStatement, PredicateTypes, type Statement } from '../evidence/statement.ts';
import type { KubeClient } from '../runtime/kube/client.ts';
import { Builtin } from '../runtime/kube/resource.ts';
import { bundleDigest, namesCluster, VALIDATION_PREDICATE } from '../validation/evidence.ts';
import { jsonObjectBody } from './json-body.ts';
import { TENANT_API_GROUP_VERSION } from './names.ts';
import { StatusError } from './status.ts';

const KIND = 'ValidationReport';

/** The statements a validation run built (validationStatements), by the name the suite files them under. */
export interface ValidationReportStatements {
  testResult: Statement;
  results: Statement;
}

const PREDICATES: Record<keyof ValidationReportStatements, string> = {
  testResult: PredicateTypes.testResult,
  results: VALIDATION_PREDICATE,
};

const KNOWN = new Set(['apiVersion', 'kind', 'metadata', 'statements']);
const SUBJECT_PREFIXES = ['cluster/', 'distributionbundle/'];

const invalid = (field: string, message: string) =>
  new StatusError('Invalid', `${KIND} is invalid: ${field}: ${message}`, {
    kind: KIND,
    causes: [{ reason: 'FieldValueInvalid', field, message }],
  });

const quote = (v: unknown) => JSON.stringify(v)?.slice(0, 80) ?? String(v);

/**
 * The body of a POST of validationreports, checked for shape only:
 * `{"statements": {"testResult": <in-toto statement>, "results": <in-toto statement>}}`, each of
 * its predicate type, about the same subjects, and those only a cluster and at most one
 * DistributionBundle. What they claim about this cluster is checkClaims' job.
 */
export function parseValidationReport(text: string): ValidationReportStatements {
  const b = jsonObjectBody(text, '{"statements": {"testResult": {...}, "results": {...}}}');
  const unknown = Object.keys(b).find((k) => !KNOWN.has(k));
  if (unknown !== undefined) throw invalid(unknown, 'unknown field; the known one is statements');
  if (b.apiVersion !== undefined && b.apiVersion !== TENANT_API_GROUP_VERSION)
    throw invalid('apiVersion', `must be ${TENANT_API_GROUP_VERSION}, got ${quote(b.apiVersion)}`);
  if (b.kind !== undefined && b.kind !== KIND) throw invalid('kind', `must be ${KIND}, got ${quote(b.kind)}`);
  const statements = b.statements as Record<string, unknown> | undefined;
  if (typeof statements !== 'object' || statements === null || Array.isArray(statements))
    throw invalid('statements', 'must be an object with testResult and results');
  const extra = Object.keys(statements).find((k) => !Object.hasOwn(PREDICATES, k));
  if (extra !== undefined)
    throw invalid(`statements.${extra}`, 'unknown statement; the known ones are testResult and results');
  for (const [name, predicateType] of Object.entries(PREDICATES)) {
    const field = `statements.${name}`;
    const s = statements[name];
    if (s === undefined) throw invalid(field, 'is required');
    try {
      assertStatement(s);
    } catch (e) {
      throw invalid(field, `not an in-toto statement: ${(e as Error).message}`);
    }
    if (s.predicateType !== predicateType)
      throw invalid(`${field}.predicateType`, `must be ${predicateType}, got ${quote(s.predicateType)}`);
    s.subject.forEach((sub, i) => {
      if (!SUBJECT_PREFIXES.some((p) => sub.name.startsWith(p)))
        throw invalid(
          `${field}.subject[${i}].name`,
          `must name cluster/<kube-system uid> or distributionbundle/<name>, got ${quote(sub.name)}`,
        );
    });
    if (s.subject.filter((sub) => sub.name.startsWith('cluster/')).length !== 1)
      throw invalid(`${field}.subject`, 'must name exactly one cluster');
    if (s.subject.filter((sub) => sub.name.startsWith('distributionbundle/')).length > 1)
      throw invalid(`${field}.subject`, 'must name at most one DistributionBundle');
  }
  const parsed = statements as unknown as ValidationReportStatements;
  if (subjectsKey(parsed.testResult) !== subjectsKey(parsed.results))
    throw invalid('statements.results.subject', 'must be the same subjects as statements.testResult.subject');
  return parsed;
}

const subjectsKey = (s: Statement) =>
  JSON.stringify(s.subject.map((sub) => [sub.name, sub.digest.sha256]).sort());

/**
 * What the operator checks itself before it signs: the cluster subject is this cluster (its
 * kube-system namespace's uid, read by the operator), the results name the same cluster, and a
 * bundle subject is a DistributionBundle installed here, at the digest the suite computes for it.
 * The statements are the caller's to write, so none of this is taken from them on trust.
 */
export async function checkClaims(
  client: KubeClient,
  statements: ValidationReportStatements,
): Promise<{ kubeSystemUid: string; bundle?: string }> {
  const uid = (await client.get(Builtin.Namespace, 'kube-system')).metadata.uid ?? '';
  for (const [name, s] of Object.entries(statements) as [string, Statement][]) {
    if (!namesCluster(s, uid)) {
      const i = s.subject.findIndex((sub) => sub.name.startsWith('cluster/'));
      throw invalid(
        `statements.${name}.subject[${i}]`,
        `names ${quote(s.subject[i]?.name)}, not this cluster (cluster/${uid}, with the digest of its identity)`,
      );
    }
  }
  const claimed = (statements.results.predicate as { cluster?: { kubeSystemUid?: unknown } } | null)?.cluster
    ?.kubeSystemUid;
  if (claimed !== uid)
    throw invalid(
      'statements.results.predicate.cluster.kubeSystemUid',
      `is ${quote(claimed)}, not this cluster's (${uid})`,
    );
  const i = statements.testResult.subject.findIndex((sub) => sub.name.startsWith('distributionbundle/'));
  const subject = statements.testResult.subject[i];
  if (!subject) return { kubeSystemUid: uid };
  const name = subject.name.slice('distributionbundle/'.length);
  const field = `statements.testResult.subject[${i}]`;
  const bundle = name ? await client.find<DistributionBundle>(DistributionBundleResource, name) : undefined;
  if (!bundle)
    throw invalid(`${field}.name`, `there is no DistributionBundle ${quote(name)} in this cluster`);
  const digest = bundleDigest({ name, spec: bundle.spec });
  if (subject.digest.sha256 !== digest)
    throw invalid(
      `${field}.digest.sha256`,
      `is ${subject.digest.sha256}, but DistributionBundle ${name} as installed now has ${digest}`,
    );
  return { kubeSystemUid: uid, bundle: name };
}
