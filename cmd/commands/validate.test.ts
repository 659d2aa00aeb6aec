import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { generateSigningKey, privateKeyPem, publicKeyPem } from '../../operator/evidence/keys.ts';
import { verifyBundle } from '../../operator/evidence/verify.ts';
import { clusterSubjectDigest, namesCluster } from '../../operator/validation/evidence.ts';
import { judge } from '../../operator/validation/judge.ts';
import type { RunRecord } from '../../operator/validation/record.ts';
import { BREAKERS, passingRun } from '../../operator/validation/testing.ts';
import { main } from '../main.ts';
import { validationJunit } from '../render/validation.ts';

const dir = mkdtempSync(join(tmpdir(), 'tenantry-validate-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function replay(run: RunRecord, ...args: string[]): Promise<{ code: number; out: string }> {
  const file = join(dir, `run-${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(file, JSON.stringify(run));
  let out = '';
  const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    out += String(chunk);
    return true;
  });
  process.exitCode = undefined;
  try {
    const code = await main(['node', 'tenantry', 'validate', '--replay', file, ...args]);
    return { code, out };
  } finally {
    spy.mockRestore();
    process.exitCode = undefined;
  }
}

const broken = (id: string) => {
  const run = passingRun();
  BREAKERS[id]?.(run);
  return run;
};

describe('tenantry validate --replay', () => {
  it('exits 0 on a pass, 1 on a failure, 4 on warnings only, with the same verdict as the run', async () => {
    expect((await replay(passingRun(), '-o', 'json')).code).toBe(0);
    const failed = await replay(broken('admission.enforcing'), '-o', 'json');
    expect(failed.code).toBe(1);
    expect(JSON.parse(failed.out)).toMatchObject(judge(broken('admission.enforcing')));
    expect((await replay(broken('onboarding.dns'))).code).toBe(4);
  });

  it('shows the remediation of a failing check in the table', async () => {
    const { out } = await replay(broken('regions.nodes'));
    expect(out).toMatch(/^FAIL {2}regions\.nodes .*no Ready node in region eu-central-1/m);
    expect(out).toContain('regions.nodes: label nodes topology.kubernetes.io/region=<region>');
    expect(out).toMatch(/FAILED: 15 passed, 0 warned, 1 failed, 0 skipped/);
  });

  it('refuses a bad output format with exit 2', async () => {
    expect((await replay(passingRun(), '-o', 'yaml')).code).toBe(2);
  });

  it('writes evidence signed with --key: both statements verify and name this cluster only', async () => {
    const key = generateSigningKey();
    writeFileSync(join(dir, 'key.pem'), privateKeyPem(key));
    const out = join(dir, 'evidence');
    expect(
      (await replay(passingRun(), '--evidence', out, '--key', join(dir, 'key.pem'), '-o', 'json')).code,
    ).toBe(0);
    const keys = { [key.keyId]: publicKeyPem(key) };
    const uid = passingRun().cluster.kubeSystemUid;
    for (const name of ['testResult', 'results']) {
      const bundle = readFileSync(join(out, `${name}.bundle.json`), 'utf8');
      const subject = readFileSync(join(out, `${name}.subject.json`));
      const { statement } = verifyBundle(bundle, keys, { blobs: [{ file: 'subject', bytes: subject }] });
      expect(namesCluster(statement, uid)).toBe(true);
      expect(namesCluster(statement, 'another-cluster')).toBe(false);
      expect(() =>
        verifyBundle(bundle, keys, { subjects: [{ digest: clusterSubjectDigest('another-cluster') }] }),
      ).toThrow(/subject/);
    }
    const tr = verifyBundle(readFileSync(join(out, 'testResult.bundle.json'), 'utf8'), keys).statement;
    expect(tr.predicateType).toBe('https://in-toto.io/attestation/test-result/v0.1');
    expect(tr.predicate).toMatchObject({ result: 'PASSED', warnedTests: [], failedTests: [] });
    expect(tr.subject.map((s) => s.name)).toEqual(['distributionbundle/acme', `cluster/${uid}`]);
  });
});

describe('JUnit output', () => {
  it('has failures and skips as JUnit knows them, and a warning as a property and system-out', () => {
    const run = broken('onboarding.dns');
    BREAKERS['crds.established']?.(run);
    delete run.observations.canary;
    const xml = validationJunit(judge(run));
    expect(xml).toContain('tests="16" failures="1" skipped="1"');
    expect(xml).toMatch(
      /name="crds.established"[\s\S]*?<failure message="CRDs missing: addons.tenantry.dev; not Established/,
    );
    expect(xml).toMatch(
      /name="onboarding.dns"[\s\S]*?<property name="outcome" value="warn"\/>[\s\S]*?<system-out>WARN: /,
    );
    expect(xml).toMatch(/name="canary.tenant"[\s\S]*?<skipped message="the canary was not run/);
    const report = judge(passingRun());
    const first = report.results[0];
    if (first) first.message = 'a<b & "c"';
    expect(validationJunit(report)).toContain('<system-out>a&lt;b &amp; &quot;c&quot;</system-out>');
  });
});
