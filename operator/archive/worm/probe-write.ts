import { createHash } from 'node:crypto';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { callFailed, fail } from './failure.ts';
import type { WormFindings } from './findings.ts';
import type { WormFailure } from './result.ts';

const DAY_MS = 86_400_000;

/** Writes the probe object; the checks after this one try to shorten or delete its version. */
export async function writeProbe(f: WormFindings): Promise<WormFailure | undefined> {
  const key = `${f.probePrefix ?? 'tenantry-probe'}/${f.now.toISOString().replace(/[:.]/g, '-')}`;
  const body = Buffer.from(`tenantry WORM probe for ${f.bucket} at ${f.now.toISOString()}\n`);
  const sha256 = createHash('sha256').update(body).digest();
  const minUntil = new Date(f.now.getTime() + f.minRetentionDays * DAY_MS);
  let versionId: string | undefined;
  try {
    versionId = (
      await f.client.send(
        new PutObjectCommand({
          Bucket: f.bucket,
          Key: key,
          Body: body,
          ContentType: 'text/plain',
          ChecksumSHA256: sha256.toString('base64'),
        }),
      )
    ).VersionId;
  } catch (err) {
    return callFailed(f.bucket, `PutObject ${key}`, err);
  }
  if (versionId === undefined || versionId === 'null') {
    return fail(
      'VersioningDisabled',
      `bucket ${f.bucket} returned no version id for the probe object ${key}`,
    );
  }
  f.probe = { key, body, sha256, minUntil, versionId };
  return undefined;
}
