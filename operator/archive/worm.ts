import { createHash } from 'node:crypto';
import {
  DeleteObjectCommand,
  GetBucketVersioningCommand,
  GetObjectLockConfigurationCommand,
  GetObjectRetentionCommand,
  HeadObjectCommand,
  type ObjectLockConfiguration,
  PutObjectCommand,
  PutObjectRetentionCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { type S3ErrorInfo, s3ErrorInfo } from './s3.ts';

export type WormFailureReason =
  | 'ObjectLockDisabled'
  | 'NotCompliance'
  | 'RetentionTooShort'
  | 'VersioningDisabled'
  | 'ProbeDeletable'
  | 'AccessDenied'
  | 'Unreachable';

export interface VerifyWormOptions {
  bucket: string;
  /** The policy's minimum retention; a default rule below it is refused. */
  minRetentionDays: number;
  now: Date;
  /** Prefix of the probe key (default `tenantry-probe`). */
  probePrefix?: string;
}

/** What was checked, for the caller to put into signed evidence. */
export interface WormEvidence {
  bucket: string;
  checkedAt: string;
  objectLock: {
    enabled: 'Enabled';
    mode: 'COMPLIANCE';
    days?: number;
    years?: number;
    effectiveDays: number;
  };
  minRetentionDays: number;
  versioning: 'Enabled';
  probe: {
    key: string;
    versionId: string;
    sha256: string;
    /**
     * Where the probe's retention came from: `bucket-default` when the server stamped the
     * default rule on the new version (as AWS does); `explicit` when it did not and the
     * verifier set it with PutObjectRetention (versitygw keeps the default rule on the bucket
     * only, so objects written without explicit retention carry none of their own).
     */
    retentionSource: 'bucket-default' | 'explicit';
    mode: 'COMPLIANCE';
    retainUntil: string;
    /** The refused DeleteObject on the probe's version. */
    deleteRefused: { status: number; code: string };
    /** The version was still readable after the refused delete. */
    intactAfterDelete: true;
  };
}

export type WormResult =
  | { ok: true; evidence: WormEvidence }
  | { ok: false; reason: WormFailureReason; message: string };

const DAY_MS = 86_400_000;

/**
 * Checks that a bucket is write-once: Object Lock enabled with a COMPLIANCE default rule
 * of at least the minimum retention, versioning enabled, and — not taking the server's
 * word for it — that a freshly written probe version carries COMPLIANCE retention and
 * cannot be deleted. The probe stays in the bucket for the retention period, so call this
 * when an archive is attached or its settings change, not on every reconcile.
 */
export async function verifyWormBucket(client: S3Client, opts: VerifyWormOptions): Promise<WormResult> {
  const { bucket, minRetentionDays, now } = opts;
  const fail = (reason: WormFailureReason, message: string): WormResult => ({ ok: false, reason, message });
  const callFailed = (what: string, err: unknown): WormResult => {
    const info = s3ErrorInfo(err);
    return fail(classify(info), `${what} on bucket ${bucket} failed: ${describe(info)}`);
  };

  // 1. Object Lock configuration.
  let config: ObjectLockConfiguration | undefined;
  try {
    config = (await client.send(new GetObjectLockConfigurationCommand({ Bucket: bucket })))
      .ObjectLockConfiguration;
  } catch (err) {
    const info = s3ErrorInfo(err);
    if (
      info.code === 'ObjectLockConfigurationNotFoundError' ||
      (info.status === 404 && info.code !== 'NoSuchBucket')
    ) {
      return fail(
        'ObjectLockDisabled',
        `bucket ${bucket} has no Object Lock configuration; Object Lock can only be turned on when a bucket is created (x-amz-bucket-object-lock-enabled), so create a new bucket with Object Lock and a COMPLIANCE default retention of at least ${minRetentionDays} days`,
      );
    }
    return callFailed('GetObjectLockConfiguration', err);
  }
  if (config?.ObjectLockEnabled !== 'Enabled') {
    return fail('ObjectLockDisabled', `bucket ${bucket} does not have Object Lock enabled`);
  }
  const rule = config.Rule?.DefaultRetention;
  if (rule?.Mode === undefined) {
    return fail(
      'NotCompliance',
      `bucket ${bucket} has Object Lock but no default retention rule; set a COMPLIANCE default retention of at least ${minRetentionDays} days`,
    );
  }
  if (rule.Mode !== 'COMPLIANCE') {
    return fail(
      'NotCompliance',
      `bucket ${bucket} uses ${rule.Mode} default retention, which privileged users can bypass; COMPLIANCE is required`,
    );
  }
  const effectiveDays = (rule.Days ?? 0) + (rule.Years ?? 0) * 365;
  if (effectiveDays < minRetentionDays) {
    const given = rule.Years !== undefined ? `${rule.Years} year(s)` : `${rule.Days ?? 0} day(s)`;
    return fail(
      'RetentionTooShort',
      `bucket ${bucket} retains objects for ${given} by default; the policy requires at least ${minRetentionDays} days`,
    );
  }

  // 2. Versioning (Object Lock turns it on; a server that lets it be suspended is not WORM).
  try {
    const v = await client.send(new GetBucketVersioningCommand({ Bucket: bucket }));
    if (v.Status !== 'Enabled') {
      return fail(
        'VersioningDisabled',
        `bucket ${bucket} versioning is ${v.Status ?? 'not enabled'}; Object Lock needs it Enabled`,
      );
    }
  } catch (err) {
    return callFailed('GetBucketVersioning', err);
  }

  // 3. A probe version: write, check its retention, try to delete it.
  const key = `${opts.probePrefix ?? 'tenantry-probe'}/${now.toISOString().replace(/[:.]/g, '-')}`;
  const body = Buffer.from(`tenantry WORM probe for ${bucket} at ${now.toISOString()}\n`);
  const sha256 = createHash('sha256').update(body).digest();
  const minUntil = new Date(now.getTime() + minRetentionDays * DAY_MS);
  let versionId: string;
  try {
    const put = await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: body,
        ContentType: 'text/plain',
        ChecksumSHA256: sha256.toString('base64'),
      }),
    );
    if (put.VersionId === undefined || put.VersionId === 'null') {
      return fail(
        'VersioningDisabled',
        `bucket ${bucket} returned no version id for the probe object ${key}`,
      );
    }
    versionId = put.VersionId;
  } catch (err) {
    return callFailed(`PutObject ${key}`, err);
  }

  let retention: { mode: string | undefined; until: Date | undefined } | undefined;
  try {
    const r = await client.send(
      new GetObjectRetentionCommand({ Bucket: bucket, Key: key, VersionId: versionId }),
    );
    retention = { mode: r.Retention?.Mode, until: r.Retention?.RetainUntilDate };
  } catch (err) {
    const info = s3ErrorInfo(err);
    if (info.code !== 'NoSuchObjectLockConfiguration') return callFailed(`GetObjectRetention ${key}`, err);
  }
  let retentionSource: 'bucket-default' | 'explicit' = 'bucket-default';
  if (retention?.mode === undefined) {
    // The server did not stamp the default rule on the version: lock the probe explicitly,
    // as the archiver locks every object it writes, and check that this holds.
    retentionSource = 'explicit';
    try {
      await client.send(
        new PutObjectRetentionCommand({
          Bucket: bucket,
          Key: key,
          VersionId: versionId,
          Retention: { Mode: 'COMPLIANCE', RetainUntilDate: minUntil },
        }),
      );
      const r = await client.send(
        new GetObjectRetentionCommand({ Bucket: bucket, Key: key, VersionId: versionId }),
      );
      retention = { mode: r.Retention?.Mode, until: r.Retention?.RetainUntilDate };
    } catch (err) {
      return callFailed(`PutObjectRetention ${key}`, err);
    }
  }
  if (retention.mode !== 'COMPLIANCE') {
    return fail(
      'NotCompliance',
      `probe object ${key} in bucket ${bucket} has retention mode ${retention.mode ?? 'none'}, not COMPLIANCE`,
    );
  }
  // Servers store retain-until with second precision; allow that much.
  if (retention.until === undefined || retention.until.getTime() < minUntil.getTime() - 1000) {
    return fail(
      'RetentionTooShort',
      `probe object ${key} in bucket ${bucket} is retained until ${retention.until?.toISOString() ?? 'never'}, before the required ${minUntil.toISOString()}`,
    );
  }

  let refused: S3ErrorInfo;
  try {
    await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId }));
    return fail(
      'ProbeDeletable',
      `the server deleted version ${versionId} of the locked probe object ${key} in bucket ${bucket}: it does not enforce Object Lock, so the bucket is not WORM`,
    );
  } catch (err) {
    refused = s3ErrorInfo(err);
    if (refused.status === undefined || refused.status < 400 || refused.status >= 500) {
      return callFailed(`DeleteObject ${key} (version ${versionId})`, err);
    }
  }
  try {
    const head = await client.send(
      new HeadObjectCommand({ Bucket: bucket, Key: key, VersionId: versionId, ChecksumMode: 'ENABLED' }),
    );
    if (head.ContentLength !== body.length) {
      return fail(
        'ProbeDeletable',
        `probe object ${key} version ${versionId} changed after a refused delete`,
      );
    }
  } catch (err) {
    const info = s3ErrorInfo(err);
    if (info.status === 404) {
      return fail(
        'ProbeDeletable',
        `the server refused to delete version ${versionId} of probe object ${key} (${describe(refused)}) but the version is gone: the bucket is not WORM`,
      );
    }
    return callFailed(`HeadObject ${key} (version ${versionId})`, err);
  }

  return {
    ok: true,
    evidence: {
      bucket,
      checkedAt: now.toISOString(),
      objectLock: {
        enabled: 'Enabled',
        mode: 'COMPLIANCE',
        ...(rule.Days !== undefined ? { days: rule.Days } : {}),
        ...(rule.Years !== undefined ? { years: rule.Years } : {}),
        effectiveDays,
      },
      minRetentionDays,
      versioning: 'Enabled',
      probe: {
        key,
        versionId,
        sha256: sha256.toString('hex'),
        retentionSource,
        mode: 'COMPLIANCE',
        retainUntil: retention.until.toISOString(),
        deleteRefused: { status: refused.status, code: refused.code },
        intactAfterDelete: true,
      },
    },
  };
}

function classify(info: S3ErrorInfo): WormFailureReason {
  if (
    info.status === 403 ||
    info.code === 'AccessDenied' ||
    info.code === 'InvalidAccessKeyId' ||
    info.code === 'SignatureDoesNotMatch'
  ) {
    return 'AccessDenied';
  }
  return 'Unreachable';
}

function describe(info: S3ErrorInfo): string {
  return `${info.status ?? 'no response'} ${info.code}: ${info.message}`;
}
