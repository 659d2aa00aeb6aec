import { GetBucketVersioningCommand } from '@aws-sdk/client-s3';
import { callFailed, fail } from './failure.ts';
import type { WormFindings } from './findings.ts';
import type { WormFailure } from './result.ts';

/** Object Lock turns versioning on; a server that lets it be suspended is not WORM. */
export async function versioningEnabled(f: WormFindings): Promise<WormFailure | undefined> {
  let status: string | undefined;
  try {
    status = (await f.client.send(new GetBucketVersioningCommand({ Bucket: f.bucket }))).Status;
  } catch (err) {
    return callFailed(f.bucket, 'GetBucketVersioning', err);
  }
  if (status !== 'Enabled') {
    return fail(
      'VersioningDisabled',
      `bucket ${f.bucket} versioning is ${status ?? 'not enabled'}; Object Lock needs it Enabled`,
    );
  }
  return undefined;
}
