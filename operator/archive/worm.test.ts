import type { S3Client } from '@aws-sdk/client-s3';
import { describe, expect, it } from 'vitest';
import { verifyWormBucket } from './worm.ts';

const DAY_MS = 86_400_000;
const now = new Date('2026-11-25T12:00:00Z');

function s3Error(status: number, code: string): Error {
  return Object.assign(new Error(code), { name: code, $metadata: { httpStatusCode: status } });
}

type Handler = (input: Record<string, unknown>) => unknown;

/** A stand-in S3 client answering per command name; unlisted commands throw. */
function fakeClient(handlers: Record<string, Handler>): { client: S3Client; calls: string[] } {
  const calls: string[] = [];
  const client = {
    send: async (cmd: { constructor: { name: string }; input: Record<string, unknown> }) => {
      const name = cmd.constructor.name.replace(/Command$/, '');
      calls.push(name);
      const h = handlers[name];
      if (!h) throw new Error(`unexpected ${name}`);
      return h(cmd.input);
    },
  } as unknown as S3Client;
  return { client, calls };
}

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
});
