import { describe, expect, it } from 'vitest';
import type { DistributionBundle } from '../../api/v1alpha1/distributionbundle.ts';
import {
  decideValidationJob,
  desiredValidationJob,
  type Job,
  jobPhase,
  ownedBy,
  pendingRunCondition,
  validationJobName,
} from './validation-job.ts';

const IMAGE = `ghcr.io/tenantry/tenantry@sha256:${'b'.repeat(64)}`;
const bundle = (over: Partial<DistributionBundle['spec']> = {}, generation = 3): DistributionBundle => ({
  apiVersion: 'tenantry.dev/v1alpha1',
  kind: 'DistributionBundle',
  metadata: { name: 'acme', uid: 'u-1', generation },
  spec: { version: '0.1.0', profile: 'M', regionDefaults: { region: 'eu-west-1' }, ...over },
});
const job = (conditions: { type: string; status: string }[] = []): Job => ({
  metadata: { name: 'tenantry-validate-acme-3' },
  status: { conditions },
});

describe('validationJobName', () => {
  it('names the bundle and the generation', () => {
    expect(validationJobName('acme', 3)).toBe('tenantry-validate-acme-3');
  });

  it('stays within 63 characters and unique for long bundle names', () => {
    const a = validationJobName(`${'a'.repeat(200)}x`, 1234567);
    const b = validationJobName(`${'a'.repeat(200)}y`, 1234567);
    expect(a.length).toBeLessThanOrEqual(63);
    expect(a).toMatch(/^tenantry-validate-a+-[0-9a-f]{8}-1234567$/);
    expect(a).not.toBe(b);
  });
});

describe('desiredValidationJob', () => {
  it('runs the suite for the bundle in the given image, owned by the bundle, through the service proxy', () => {
    const j = desiredValidationJob(bundle(), IMAGE, 'tenantry-system') as unknown as Job & { spec: any };
    expect(j.metadata).toMatchObject({ name: 'tenantry-validate-acme-3', namespace: 'tenantry-system' });
    expect(j.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'tenantry.dev/v1alpha1',
        kind: 'DistributionBundle',
        name: 'acme',
        uid: 'u-1',
        controller: true,
      },
    ]);
    const c = j.spec.template.spec.containers[0];
    expect(c.image).toBe(IMAGE);
    expect(c.args).toEqual([
      'validate',
      '-o',
      'json',
      '-n',
      'tenantry-system',
      '--sign-wait',
      '60',
      '--bundle',
      'acme',
    ]);
    expect(j.spec.template.spec.serviceAccountName).toBe('tenantry-validation');
    expect(j.spec.backoffLimit).toBe(0);
  });
});

describe('ownedBy', () => {
  it('is the bundle by uid, not by name', () => {
    const j = desiredValidationJob(bundle(), IMAGE, 'ns') as unknown as Job;
    expect(ownedBy(j, bundle())).toBe(true);
    const recreated = { ...bundle(), metadata: { ...bundle().metadata, uid: 'u-2' } };
    expect(ownedBy(j, recreated)).toBe(false);
  });
});

describe('jobPhase', () => {
  it.each([
    [[], 'Running'],
    [[{ type: 'Complete', status: 'True' }], 'Succeeded'],
    [[{ type: 'Failed', status: 'True' }], 'Failed'],
    [[{ type: 'FailureTarget', status: 'True' }], 'Failed'],
    [[{ type: 'SuccessCriteriaMet', status: 'True' }], 'Succeeded'],
    [[{ type: 'Failed', status: 'False' }], 'Running'],
  ])('%j is %s', (conditions, phase) => {
    expect(jobPhase(job(conditions))).toBe(phase);
  });
});

describe('decideValidationJob', () => {
  const facts = { image: IMAGE, runIsCurrent: false };

  it('creates the Job of a generation without a run', () => {
    expect(decideValidationJob({ ...facts, bundle: bundle() })).toEqual({
      action: 'create',
      name: 'tenantry-validate-acme-3',
    });
  });

  it('creates nothing when a run of this spec exists, or the bundle opted out', () => {
    expect(decideValidationJob({ ...facts, bundle: bundle(), runIsCurrent: true })).toEqual({
      action: 'none',
    });
    expect(decideValidationJob({ ...facts, bundle: bundle({ validation: { onChange: false } }) })).toEqual({
      action: 'none',
    });
  });

  it('says it is disabled rather than guess an image', () => {
    expect(decideValidationJob({ bundle: bundle(), runIsCurrent: false })).toEqual({ action: 'disabled' });
  });

  it('tracks the Job it finds, and never makes a second after it is gone', () => {
    expect(
      decideValidationJob({
        ...facts,
        bundle: bundle(),
        observed: job([{ type: 'Failed', status: 'True' }]),
      }),
    ).toEqual({ action: 'track', job: { name: 'tenantry-validate-acme-3', generation: 3, phase: 'Failed' } });
    const recorded = { name: 'tenantry-validate-acme-3', generation: 3, phase: 'Running' as const };
    const b = { ...bundle(), status: { validationJob: recorded } };
    expect(decideValidationJob({ ...facts, bundle: b })).toEqual({ action: 'track', job: recorded });
  });

  it('makes a new Job for a new generation even while an older one is recorded', () => {
    const b = {
      ...bundle({}, 4),
      status: {
        validationJob: { name: 'tenantry-validate-acme-3', generation: 3, phase: 'Succeeded' as const },
      },
    };
    expect(decideValidationJob({ ...facts, bundle: b })).toEqual({
      action: 'create',
      name: 'tenantry-validate-acme-4',
    });
  });
});

describe('pendingRunCondition', () => {
  const ref = { name: 'tenantry-validate-acme-3', generation: 3 };

  it('a failed Job without a run is Validated=False naming the Job and its logs', () => {
    expect(pendingRunCondition('tenantry-system', 'acme', { ...ref, phase: 'Failed' })).toEqual({
      type: 'Validated',
      status: 'False',
      reason: 'ValidationJobFailed',
      message:
        'Job tenantry-system/tenantry-validate-acme-3 failed and left no run in ConfigMap tenantry-system/tenantry-validation-acme: see `kubectl -n tenantry-system logs job/tenantry-validate-acme-3`',
    });
  });

  it('a running Job is Validated=Unknown; no Job says why and what to run', () => {
    expect(pendingRunCondition('ns', 'acme', { ...ref, phase: 'Running' })).toMatchObject({
      status: 'Unknown',
      reason: 'ValidationRunning',
    });
    expect(pendingRunCondition('ns', 'acme', undefined)).toMatchObject({
      status: 'Unknown',
      reason: 'ValidationJobDisabled',
      message: expect.stringContaining('TENANTRY_IMAGE'),
    });
  });
});
