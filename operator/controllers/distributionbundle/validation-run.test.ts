import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { ConfigMap } from '../../runtime/kube/core.ts';
import { judge } from '../../validation/judge.ts';
import { resultsConfigMap } from '../../validation/results-configmap.ts';
import { BREAKERS, passingRun } from '../../validation/testing.ts';
import { parseValidationRun, RUN_KEY, runBundleDigest } from './validation-run.ts';

const good = {
  finishedAt: '2030-01-02T03:04:05.678Z',
  durationSeconds: 3,
  result: 'failed',
  summary: { passed: 0, warned: 0, failed: 1, skipped: 0 },
  results: [
    { id: 'crds.established', category: 'cluster', severity: 'critical', outcome: 'Failed', message: 'no' },
  ],
  evidence: { digest: `sha256:${'a'.repeat(64)}`, keyId: 'k1', configMap: 'tenantry-evidence-x' },
};
const cm = (run: unknown) => ({
  metadata: { name: 'tenantry-validation-x' },
  data: { [RUN_KEY]: JSON.stringify(run) },
});

describe('parseValidationRun', () => {
  it('reads a run, with the time at second precision as the status keeps it', () => {
    const run = parseValidationRun(cm(good));
    expect(run.finishedAt).toBe('2030-01-02T03:04:05Z');
    expect(run.evidence?.keyId).toBe('k1');
  });

  it.each([
    [{ ...good, result: 'PASSED' }, 'result must be one of passed, warned, failed, got "PASSED"'],
    [{ ...good, results: [{ ...good.results[0], outcome: 'Ok' }] }, 'results[0].outcome must be one of'],
    [{ ...good, results: [good.results[0], good.results[0]] }, 'check ids must be unique'],
    [{ ...good, summary: { ...good.summary, failed: -1 } }, 'summary.failed must be a whole number'],
    [{ ...good, evidence: { ...good.evidence, digest: 'sha256:zz' } }, 'evidence.digest must be sha256:'],
  ])('refuses a malformed run, naming the field (%#)', (run, message) => {
    expect(() => parseValidationRun(cm(run))).toThrow(message);
  });

  it('reads no bundle digest from a run without a well-formed summary.json', () => {
    expect(runBundleDigest(cm(good))).toBeUndefined();
    expect(
      runBundleDigest({ metadata: { name: 'c' }, data: { 'summary.json': '{"bundleDigest":"sha256:12"}' } }),
    ).toBeUndefined();
  });

  it('says when the ConfigMap holds no run', () => {
    expect(() => parseValidationRun({ metadata: { name: 'c' }, data: {} })).toThrow(
      `ConfigMap c has no ${RUN_KEY}`,
    );
  });
});

describe('the suite and the controller', () => {
  it('agree on the results ConfigMap: what `tenantry validate` writes, the controller reads', () => {
    const run = passingRun();
    const broken = structuredClone(run);
    BREAKERS['crds.established']?.(broken);
    for (const r of [run, broken]) {
      const report = judge(r);
      const cm = resultsConfigMap(
        'tenantry-system',
        r as Parameters<typeof resultsConfigMap>[1],
        report,
      ) as ConfigMap;
      expect(cm.metadata.labels?.['tenantry.dev/validation-run']).toBe(run.bundle?.name);
      const parsed = parseValidationRun(cm);
      expect(parsed.summary).toEqual(report.summary);
      expect(parsed.results.map((x) => x.id)).toEqual(report.results.map((x) => x.id));
      expect(parsed.result).toBe(report.verdict.toLowerCase());
      // How the controller tells a run of the current spec from an older one.
      expect(runBundleDigest(cm)).toBe(`sha256:${run.bundle?.digest}`);
      expect(parsed.evidence).toBeUndefined();
    }
  });

  it('agree on signed evidence: status.evidence names the testResult bundle beside its subject', () => {
    const run = passingRun() as Parameters<typeof resultsConfigMap>[1];
    const bundle = '{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json"}';
    const cm = resultsConfigMap('tenantry-system', run, judge(run), {
      bundles: { testResult: bundle, results: '{}' },
      subject: '{"kubeSystemUid":"x"}',
      keyId: 'k1',
    }) as ConfigMap;
    expect(parseValidationRun(cm).evidence).toEqual({
      digest: `sha256:${createHash('sha256').update(bundle).digest('hex')}`,
      keyId: 'k1',
      configMap: 'tenantry-validation-acme',
    });
    // What `tenantry evidence verify` expects: NAME.subject.json beside NAME.bundle.json.
    expect(cm.data?.['testResult.bundle.json']).toBe(bundle);
    expect(cm.data?.['testResult.subject.json']).toBe('{"kubeSystemUid":"x"}');
    expect(cm.data?.['results.subject.json']).toBe('{"kubeSystemUid":"x"}');
  });
});
