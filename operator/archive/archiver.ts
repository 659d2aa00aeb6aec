import { createHash } from 'node:crypto';
import {
  HeadObjectCommand,
  type HeadObjectCommandOutput,
  PutObjectCommand,
  type S3Client,
} from '@aws-sdk/client-s3';
import { s3ErrorInfo } from './s3.ts';

export interface ArchiveInput {
  /** Key prefix without a trailing slash, e.g. `tenants/acme/receipts`. */
  prefix: string;
  body: Buffer;
  contentType: string;
  /**
   * Per-object COMPLIANCE retention to write with the object. Recommended: some servers
   * (versitygw) do not stamp the bucket's default rule on new versions but apply it from
   * when the rule was set, so only an explicit retain-until date protects each object for
   * its own full period.
   */
  retainUntil?: Date;
}

export interface ArchiveResult {
  key: string;
  versionId?: string;
  bytes: number;
  /** Hex SHA-256 of the body, also the last key segment. */
  sha256: string;
  /** False when the object was already there with the same content (a retry). */
  created: boolean;
}

/** The object at a content-addressed key holds other content than its name says. */
export class ArchiveConflictError extends Error {
  readonly key: string;
  constructor(key: string, message: string) {
    super(message);
    this.name = 'ArchiveConflictError';
    this.key = key;
  }
}

const SHA256_METADATA = 'sha256';

/**
 * Writes `body` once under `<prefix>/sha256/<hex>`. Never overwrites: an existing object
 * with the same SHA-256 makes this a no-op (`created: false`), so retries are idempotent;
 * the PUT is conditional (`If-None-Match: *`) so a concurrent writer cannot be replaced, and
 * carries `x-amz-checksum-sha256` so the server refuses a body corrupted in transit.
 */
export async function archiveObject(
  client: S3Client,
  bucket: string,
  input: ArchiveInput,
): Promise<ArchiveResult> {
  const digest = createHash('sha256').update(input.body).digest();
  const sha256 = digest.toString('hex');
  const prefix = input.prefix.replace(/\/+$/, '');
  const key = `${prefix === '' ? '' : `${prefix}/`}sha256/${sha256}`;
  const base = { key, bytes: input.body.length, sha256 };

  const existing = await headExisting(client, bucket, key, digest);
  if (existing !== undefined) return { ...base, ...existing, created: false };

  try {
    const put = await client.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: input.body,
        ContentType: input.contentType,
        ContentLength: input.body.length,
        ChecksumSHA256: digest.toString('base64'),
        Metadata: { [SHA256_METADATA]: sha256 },
        IfNoneMatch: '*',
        ...(input.retainUntil !== undefined
          ? { ObjectLockMode: 'COMPLIANCE' as const, ObjectLockRetainUntilDate: input.retainUntil }
          : {}),
      }),
    );
    return { ...base, ...(put.VersionId !== undefined ? { versionId: put.VersionId } : {}), created: true };
  } catch (err) {
    const info = s3ErrorInfo(err);
    // Someone wrote the key between our HEAD and PUT (412), or is writing it now (409).
    if (info.status === 412 || info.status === 409) {
      const raced = await headExisting(client, bucket, key, digest);
      if (raced !== undefined) return { ...base, ...raced, created: false };
    }
    throw err;
  }
}

/** The existing object's version when it holds this content; undefined when there is none. */
async function headExisting(
  client: S3Client,
  bucket: string,
  key: string,
  digest: Buffer,
): Promise<{ versionId?: string } | undefined> {
  let head: HeadObjectCommandOutput;
  try {
    head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key, ChecksumMode: 'ENABLED' }));
  } catch (err) {
    if (s3ErrorInfo(err).status === 404) return undefined;
    throw err;
  }
  const hex = digest.toString('hex');
  const stored = head.ChecksumSHA256 ?? undefined;
  const meta = head.Metadata?.[SHA256_METADATA];
  const matches =
    (stored !== undefined && stored === digest.toString('base64')) || (stored === undefined && meta === hex);
  if (!matches) {
    throw new ArchiveConflictError(
      key,
      `s3://${bucket}/${key} exists but its SHA-256 (${stored ?? meta ?? 'unknown'}) does not match its name; refusing to overwrite it`,
    );
  }
  return head.VersionId !== undefined ? { versionId: head.VersionId } : {};
}
