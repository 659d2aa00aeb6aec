import { describe, expect, it } from 'vitest';
import { DAY_MS, fakeClient, type Handler, now, s3Error } from './worm/testing.ts';
import { verifyWormBucket } from './worm.ts';

const awsLike = (overrides: Record<string, Handler> = {}): Record<string, Handler> => ({
  GetObjectLockConfiguration: () => ({
    ObjectLockConfiguration: {
      ObjectLockEnabled: 'Enabled',
      Rule: { DefaultRetention: { Mode: 'COMPLIANCE', Years: 2 } },
    },
  }),
  GetBucketVersioning: () => ({ Status: 'Enabled' }),
  PutObject: () => ({ VersionId: 'v1' }),
  GetObjectRetention: () => ({
    Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date(now.getTime() + 730 * DAY_MS) },
  }),
  DeleteObject: () => {
    throw s3Error(403, 'AccessDenied');
  },
  HeadObject: (input) => ({ ContentLength: 0, ...input, VersionId: 'v1' }),
  ...overrides,
});

describe('verifyWormBucket', () => {
  it('accepts the default rule stamped on the probe (AWS behaviour) without setting retention', async () => {
    let probeLength = 0;
    const { client, calls } = fakeClient(
      awsLike({
        PutObject: (input) => {
          probeLength = (input.Body as Buffer).length;
          return { VersionId: 'v1' };
        },
        HeadObject: () => ({ ContentLength: probeLength, VersionId: 'v1' }),
      }),
    );
    const r = await verifyWormBucket(client, { bucket: 'b', minRetentionDays: 365, now });
    if (!r.ok) throw new Error(r.message);
    expect(r.evidence.probe).toMatchObject({
      retentionSource: 'bucket-default',
      versionId: 'v1',
      deleteRefused: { status: 403, code: 'AccessDenied' },
    });
    expect(r.evidence.probe.key).toBe('tenantry-probe/2026-11-25T12-00-00-000Z');
    expect(r.evidence.objectLock).toEqual({
      enabled: 'Enabled',
      mode: 'COMPLIANCE',
      years: 2,
      effectiveDays: 730,
    });
    expect(calls).not.toContain('PutObjectRetention');
  });

  it('fails with ProbeDeletable when the server deletes the locked version', async () => {
    const { client } = fakeClient(awsLike({ DeleteObject: () => ({}) }));
    const r = await verifyWormBucket(client, { bucket: 'b', minRetentionDays: 365, now });
    expect(r).toMatchObject({ ok: false, reason: 'ProbeDeletable' });
  });

  it('fails with ProbeDeletable when the delete is refused but the version is gone', async () => {
    const { client } = fakeClient(
      awsLike({
        HeadObject: () => {
          throw s3Error(404, 'NotFound');
        },
      }),
    );
    const r = await verifyWormBucket(client, { bucket: 'b', minRetentionDays: 365, now });
    expect(r).toMatchObject({ ok: false, reason: 'ProbeDeletable' });
  });

  it('checks the probe retention date against the minimum', async () => {
    const { client } = fakeClient(
      awsLike({
        GetObjectRetention: () => ({
          Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date(now.getTime() + DAY_MS) },
        }),
      }),
    );
    const r = await verifyWormBucket(client, { bucket: 'b', minRetentionDays: 365, now });
    expect(r).toMatchObject({ ok: false, reason: 'RetentionTooShort' });
  });

  it('maps configuration answers to reasons', async () => {
    const cases: Array<[Record<string, Handler>, string]> = [
      [
        {
          GetObjectLockConfiguration: () => {
            throw s3Error(404, 'ObjectLockConfigurationNotFoundError');
          },
        },
        'ObjectLockDisabled',
      ],
      [{ GetObjectLockConfiguration: () => ({ ObjectLockConfiguration: {} }) }, 'ObjectLockDisabled'],
      [
        { GetObjectLockConfiguration: () => ({ ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled' } }) },
        'NotCompliance',
      ],
      [
        {
          GetObjectLockConfiguration: () => {
            throw s3Error(403, 'AccessDenied');
          },
        },
        'AccessDenied',
      ],
      [
        {
          GetObjectLockConfiguration: () => {
            throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
          },
        },
        'Unreachable',
      ],
      [{ GetBucketVersioning: () => ({ Status: 'Suspended' }) }, 'VersioningDisabled'],
      [{ PutObject: () => ({}) }, 'VersioningDisabled'],
      [
        {
          GetObjectRetention: () => ({
            Retention: { Mode: 'GOVERNANCE', RetainUntilDate: new Date(now.getTime() + 999 * DAY_MS) },
          }),
        },
        'NotCompliance',
      ],
    ];
    for (const [overrides, reason] of cases) {
      const { client } = fakeClient(awsLike(overrides));
      const r = await verifyWormBucket(client, { bucket: 'b', minRetentionDays: 365, now });
      expect(r, reason).toMatchObject({ ok: false, reason });
    }
  });

  it('counts Years as 365 days', async () => {
    const rule = (DefaultRetention: Record<string, unknown>) => ({
      GetObjectLockConfiguration: () => ({
        ObjectLockConfiguration: { ObjectLockEnabled: 'Enabled', Rule: { DefaultRetention } },
      }),
    });
    const short = fakeClient(awsLike(rule({ Mode: 'COMPLIANCE', Days: 364 })));
    expect(await verifyWormBucket(short.client, { bucket: 'b', minRetentionDays: 365, now })).toMatchObject({
      reason: 'RetentionTooShort',
    });
    const year = fakeClient(awsLike(rule({ Mode: 'COMPLIANCE', Years: 1 })));
    expect(await verifyWormBucket(year.client, { bucket: 'b', minRetentionDays: 366, now })).toMatchObject({
      reason: 'RetentionTooShort',
    });
  });

  it('locks an unstamped probe explicitly and records the evidence in its status shape', async () => {
    let retentionReads = 0;
    const { client, calls } = fakeClient(
      awsLike({
        GetObjectRetention: () => {
          retentionReads++;
          if (retentionReads === 1) throw s3Error(404, 'NoSuchObjectLockConfiguration');
          return {
            Retention: { Mode: 'COMPLIANCE', RetainUntilDate: new Date(now.getTime() + 365 * DAY_MS) },
          };
        },
        PutObjectRetention: () => ({}),
        HeadObject: () => ({ ContentLength: 54 }),
      }),
    );
    const r = await verifyWormBucket(client, { bucket: 'b', minRetentionDays: 365, now });
    if (!r.ok) throw new Error(r.message);
    expect(calls).toEqual([
      'GetObjectLockConfiguration',
      'GetBucketVersioning',
      'PutObject',
      'GetObjectRetention',
      'PutObjectRetention',
      'GetObjectRetention',
      'DeleteObject',
      'HeadObject',
    ]);
    expect(JSON.stringify(r.evidence)).toBe(
      JSON.stringify({
        bucket: 'b',
        checkedAt: '2026-11-25T12:00:00.000Z',
        objectLock: { enabled: 'Enabled', mode: 'COMPLIANCE', years: 2, effectiveDays: 730 },
        minRetentionDays: 365,
        versioning: 'Enabled',
        probe: {
          key: 'tenantry-probe/2026-11-25T12-00-00-000Z',
          versionId: 'v1',
          sha256: '8cd5ad05c3c4841fb096cbe2476cd01ede5ee9f7325c04baba37681c1bf4be0c',
          retentionSource: 'explicit',
          mode: 'COMPLIANCE',
          retainUntil: '2027-11-25T12:00:00.000Z',
          deleteRefused: { status: 403, code: 'AccessDenied' },
          intactAfterDelete: true,
        },
      }),
    );
  });

  it('stops at the first failing check', async () => {
    const { client, calls } = fakeClient(awsLike({ GetBucketVersioning: () => ({ Status: 'Suspended' }) }));
    expect(await verifyWormBucket(client, { bucket: 'b', minRetentionDays: 365, now })).toEqual({
      ok: false,
      reason: 'VersioningDisabled',
      message: 'bucket b versioning is Suspended; Object Lock needs it Enabled',
    });
    expect(calls).toEqual(['GetObjectLockConfiguration', 'GetBucketVersioning']);
  });
});
