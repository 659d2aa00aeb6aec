import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCosign } from '../../devcluster/tools.ts';
import { TenantResource } from '../../operator/api/v1alpha1/index.ts';
import { generateSigningKey, privateKeyPem, publicKeyPem } from '../../operator/evidence/keys.ts';
import { readPublicKeys } from '../../operator/evidence/keystore.ts';
import { canonicalJson } from '../../operator/evidence/statement.ts';
import { DEFAULT_NAMESPACE } from '../../operator/install/rbac.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import { ApiError } from '../../operator/runtime/kube/errors.ts';
import { Builtin } from '../../operator/runtime/kube/resource.ts';
import { tenantApiClusterPath } from '../../operator/tenantapi/names.ts';
import {
  clusterIdentityBlob,
  clusterSubjectDigest,
  validationStatements,
} from '../../operator/validation/evidence.ts';
import { judge } from '../../operator/validation/judge.ts';
import type { RunRecord } from '../../operator/validation/record.ts';
import { tenantry } from '../support/cli.ts';
import { adminClient, startTestOperator, TEST_SHARD_LABEL } from '../support/cluster.ts';
import { prepareTenantApi, type TestTenantApi } from '../support/tenant-api.ts';
import { cosignVerifyBlob } from '../support/tools.ts';

// The canary is this file's own (its shard), so the operator started here, with leader
// election on its own shard Lease, is the one that serves it.
const SHARD = 'validate';
const LEASE = 'tenantry-tenantry-dev-test-shard-validate';
const TEST_RESULT = 'https://in-toto.io/attestation/test-result/v0.1';
const dir = mkdtempSync(join(tmpdir(), 'tenantry-validate-'));
const evidence = join(dir, 'evidence');
let admin: KubeClient;
let stop: () => Promise<void>;
let probePort = 0;
let cosign: string;
let api: TestTenantApi;

beforeAll(async () => {
  cosign = await ensureCosign();
  admin = await adminClient();
  // The operator's tenant API, so a run without --key can ask it to sign.
  api = await prepareTenantApi(admin);
  const started = await startTestOperator(admin, {
    shard: SHARD,
    leaderElection: true,
    tenantApi: api.operator,
  });
  stop = started.stop;
  await api.register();
  probePort = started.op.probe?.port ?? 0;
  const key = generateSigningKey();
  writeFileSync(join(dir, 'key.pem'), privateKeyPem(key));
  writeFileSync(join(dir, 'pub.pem'), publicKeyPem(key));
}, 900_000);

afterAll(async () => {
  // The APIService goes before its server: one without it holds up namespace deletions.
  await api?.unregister();
  await stop?.();
  admin?.close();
  rmSync(dir, { recursive: true, force: true });
});

const run = (...extra: string[]) =>
  tenantry([
    'validate',
    '-o',
    'json',
    '--lease',
    LEASE,
    '--operator-url',
    `http://127.0.0.1:${probePort}`,
    '--canary-label',
    `${TEST_SHARD_LABEL}=${SHARD}`,
    '--canary-timeout',
    '60',
    '--no-record',
    ...extra,
  ]);

describe('tenantry validate against the test cluster', () => {
  let report: { verdict: string; results: { id: string; outcome: string; message: string }[] };
  let code: number | null;

  beforeAll(async () => {
    const r = await run('--evidence', evidence, '--key', join(dir, 'key.pem'));
    code = r.code;
    report = JSON.parse(r.stdout);
  }, 240_000);

  it('passes what an install must pass, and warns or skips only what this cluster cannot have', () => {
    const outcome = Object.fromEntries(report.results.map((r) => [r.id, `${r.outcome}: ${r.message}`]));
    for (const id of [
      'cluster.version',
      'api.validating-admission-policy',
      'api.mutating-admission-policy',
      'crds.established',
      'operator.leader',
      'operator.ready',
      'operator.metrics',
      'admission.enforcing',
      'canary.tenant',
      'clock.skew',
    ]) {
      expect(outcome[id], id).toMatch(/^pass: /);
    }
    // No network here (DNS may not answer) and no Prometheus Operator; nothing else may fail.
    expect(report.results.filter((r) => r.outcome === 'fail' && r.id !== 'regions.nodes')).toEqual([]);
    expect([0, 4]).toContain(code);
  });

  it('deleted its canary', async () => {
    const left = (await admin.list(TenantResource, { labelSelector: `${TEST_SHARD_LABEL}=${SHARD}` })).items;
    expect(left.map((t) => t.metadata.name)).toEqual([]);
  });

  it('writes evidence that tenantry evidence verify and cosign accept for this cluster', async () => {
    const verified = await tenantry([
      'evidence',
      'verify',
      '--key',
      join(dir, 'pub.pem'),
      '--type',
      TEST_RESULT,
      join(evidence, 'testResult.bundle.json'),
    ]);
    expect(verified.stdout + verified.stderr).toMatch(/^OK /);
    expect(verified.code).toBe(0);
    const uid = (await admin.get(Builtin.Namespace, 'kube-system')).metadata.uid ?? '';
    expect(readFileSync(join(evidence, 'cluster.json'), 'utf8')).toBe(clusterIdentityBlob(uid));
    const opts = { key: join(dir, 'pub.pem'), type: TEST_RESULT, home: dir };
    const ok = await cosignVerifyBlob(cosign, {
      ...opts,
      bundle: join(evidence, 'testResult.bundle.json'),
      blob: join(evidence, 'cluster.json'),
    });
    expect(ok.code, ok.output).toBe(0);
    const other = await cosignVerifyBlob(cosign, {
      ...opts,
      bundle: join(evidence, 'testResult.bundle.json'),
      digest: clusterSubjectDigest('00000000-another-cluster'),
    });
    expect(other.code, other.output).not.toBe(0);
  });

  it('refuses a tampered result, with cosign and with evidence verify', async () => {
    const bundle = JSON.parse(readFileSync(join(evidence, 'testResult.bundle.json'), 'utf8'));
    const statement = JSON.parse(Buffer.from(bundle.dsseEnvelope.payload, 'base64').toString());
    statement.predicate.result = 'PASSED';
    statement.predicate.failedTests = [];
    statement.predicate.warnedTests = [];
    statement.predicate.passedTests.push('tampered');
    bundle.dsseEnvelope.payload = Buffer.from(canonicalJson(statement)).toString('base64');
    writeFileSync(join(evidence, 'tampered.bundle.json'), JSON.stringify(bundle));
    writeFileSync(join(evidence, 'tampered.subject.json'), readFileSync(join(evidence, 'cluster.json')));
    const r = await cosignVerifyBlob(cosign, {
      key: join(dir, 'pub.pem'),
      type: TEST_RESULT,
      home: dir,
      bundle: join(evidence, 'tampered.bundle.json'),
      blob: join(evidence, 'cluster.json'),
    });
    expect(r.code, r.output).not.toBe(0);
    const ours = await tenantry([
      'evidence',
      'verify',
      '--key',
      join(dir, 'pub.pem'),
      join(evidence, 'tampered.bundle.json'),
    ]);
    expect(ours.code).toBe(1);
    expect(ours.stdout).toMatch(/FAIL .*signature does not verify/);
  });

  it('without --key has the operator sign, verifiable with cosign against its published key', async () => {
    const signed = join(dir, 'operator-signed');
    const r = await tenantry([
      'validate',
      '-o',
      'json',
      '--replay',
      join(evidence, 'RUN.json'),
      '--evidence',
      signed,
    ]);
    expect(r.code, r.stderr).toBe(code);
    expect(r.stderr).toMatch(/signed with the operator's key/);
    const [pub] = readdirSync(join(signed, 'keys'));
    const published = await readPublicKeys(admin, DEFAULT_NAMESPACE);
    expect(published[(pub ?? '').replace(/\.pem$/, '')]).toBe(
      readFileSync(join(signed, 'keys', pub ?? ''), 'utf8'),
    );
    const ok = await cosignVerifyBlob(cosign, {
      key: join(signed, 'keys', pub ?? ''),
      type: TEST_RESULT,
      home: dir,
      bundle: join(signed, 'testResult.bundle.json'),
      blob: join(signed, 'cluster.json'),
    });
    expect(ok.code, ok.output).toBe(0);
  });

  it("has the operator refuse 422 a run of another cluster's kube-system uid", async () => {
    const other = JSON.parse(readFileSync(join(evidence, 'RUN.json'), 'utf8')) as RunRecord;
    other.cluster.kubeSystemUid = '00000000-another-cluster';
    const refused = await admin
      .request('POST', tenantApiClusterPath('validationreports'), {
        body: { statements: validationStatements(other, judge(other)) },
      })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).code).toBe(422);
    expect((refused as ApiError).message).toMatch(
      /statements\.testResult\.subject\[\d\]: names "cluster\/00000000-another-cluster", not this cluster/,
    );
  });

  it('replays RUN.json offline to the same verdict', async () => {
    const r = await tenantry(['validate', '-o', 'json', '--replay', join(evidence, 'RUN.json')]);
    expect(r.code).toBe(code);
    expect(JSON.parse(r.stdout).results).toEqual(report.results);
  });
});

it('exits 3 when the cluster cannot be reached', async () => {
  const kubeconfig = join(dir, 'unreachable.kubeconfig');
  writeFileSync(
    kubeconfig,
    `apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "https://127.0.0.1:1"}}]\nusers: [{name: u, user: {token: x}}]\ncontexts: [{name: c, context: {cluster: c, user: u}}]\ncurrent-context: c\n`,
  );
  const r = await tenantry(['validate', '--no-canary'], { kubeconfig });
  expect(r.stderr).toMatch(/cannot reach the Kubernetes API server/);
  expect(r.code).toBe(3);
});
