import { DeleteObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { s3ErrorInfo } from '../s3.ts';
import { callFailed, describe, fail } from './failure.ts';
import { found, probeOf, probeVersion, type WormFindings } from './findings.ts';
import type { WormFailure } from './result.ts';

/** Not taking the server's word for the lock: deleting the locked version must be refused. */
export async function deleteRefused(f: WormFindings): Promise<WormFailure | undefined> {
  const { key, versionId } = probeOf(f);
  try {
    await f.client.send(new DeleteObjectCommand(probeVersion(f)));
  } catch (err) {
    const refused = s3ErrorInfo(err);
    const { status } = refused;
    // Only a client error is a refusal; anything else says nothing about the lock.
    if (status === undefined || status < 400 || status >= 500) {
      return callFailed(f.bucket, `DeleteObject ${key} (version ${versionId})`, err);
    }
    f.deleteRefused = { ...refused, status };
    return undefined;
  }
  return fail(
    'ProbeDeletable',
    `the server deleted version ${versionId} of the locked probe object ${key} in bucket ${f.bucket}: it does not enforce Object Lock, so the bucket is not WORM`,
  );
}

/** A server may refuse the delete and still drop or change the version. */
export async function intactAfterDelete(f: WormFindings): Promise<WormFailure | undefined> {
  const { key, versionId, body } = probeOf(f);
  let length: number | undefined;
  try {
    length = (await f.client.send(new HeadObjectCommand({ ...probeVersion(f), ChecksumMode: 'ENABLED' })))
      .ContentLength;
  } catch (err) {
    if (s3ErrorInfo(err).status === 404) {
      const refused = found(f.deleteRefused, 'the refused delete');
      return fail(
        'ProbeDeletable',
        `the server refused to delete version ${versionId} of probe object ${key} (${describe(refused)}) but the version is gone: the bucket is not WORM`,
      );
    }
    return callFailed(f.bucket, `HeadObject ${key} (version ${versionId})`, err);
  }
  if (length !== body.length) {
    return fail('ProbeDeletable', `probe object ${key} version ${versionId} changed after a refused delete`);
  }
  return undefined;
}
