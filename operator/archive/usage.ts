import { ListObjectVersionsCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ArchiveEvent, ByteSample } from '../metering/record.ts';

export interface ArchivedVersion {
  /** `<bucket>/<key>`, so versions of several buckets never merge. */
  key: string;
  /** Write time, epoch ms. */
  at: number;
  bytes: number;
}

export interface ArchiveUsage {
  /** Bytes held, stepping up at every version's write time (cumulative, oldest first). */
  samples: ByteSample[];
  /** One event per key, at its first version's write time. */
  events: ArchiveEvent[];
}

/**
 * Every version under `prefix` in the bucket with its size and write time. A WORM archive
 * only grows, so the listing answers "how much was stored when" for any past window,
 * however late metering runs. Versions whose retention expired and that the customer
 * deleted drop out of later listings; windows already metered keep their records.
 */
export async function listVersions(s3: S3Client, bucket: string, prefix: string): Promise<ArchivedVersion[]> {
  const versions: ArchivedVersion[] = [];
  let keyMarker: string | undefined;
  let versionMarker: string | undefined;
  for (;;) {
    const page = await s3.send(
      new ListObjectVersionsCommand({
        Bucket: bucket,
        Prefix: prefix,
        ...(keyMarker !== undefined ? { KeyMarker: keyMarker } : {}),
        ...(versionMarker !== undefined ? { VersionIdMarker: versionMarker } : {}),
      }),
    );
    for (const v of page.Versions ?? []) {
      if (v.Key === undefined || v.LastModified === undefined) continue;
      versions.push({ key: `${bucket}/${v.Key}`, at: v.LastModified.getTime(), bytes: v.Size ?? 0 });
    }
    if (!page.IsTruncated || page.NextKeyMarker === undefined) break;
    keyMarker = page.NextKeyMarker;
    versionMarker = page.NextVersionIdMarker;
  }
  return versions;
}

/** Metering inputs from archived versions (of one or more buckets): cumulative bytes, first writes. */
export function archiveUsage(versions: readonly ArchivedVersion[]): ArchiveUsage {
  const sorted = [...versions].sort((a, b) => a.at - b.at || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const samples: ByteSample[] = [];
  let total = 0n;
  for (const v of sorted) {
    total += BigInt(v.bytes);
    samples.push({ at: v.at, bytes: total.toString() });
  }
  return { samples, events: sorted.map((v) => ({ key: v.key, at: v.at })) };
}
