import type { ObjectLockConfiguration, S3Client } from '@aws-sdk/client-s3';
import type { S3ErrorInfo } from '../s3.ts';
import type { VerifyWormOptions, WormEvidence } from './result.ts';

/** The probe version, once written. */
export interface Probe {
  key: string;
  body: Buffer;
  sha256: Buffer;
  /** The earliest retain-until the policy accepts for the probe. */
  minUntil: Date;
  versionId: string;
}

export interface ProbeRetention {
  mode: string | undefined;
  until: Date | undefined;
}

/**
 * What the checks have found so far, shared along the chain: each check reads what the
 * checks before it found and adds its own finding; once every check has passed, it is
 * the evidence (`evidenceOf`).
 */
export interface WormFindings extends Readonly<VerifyWormOptions> {
  readonly client: S3Client;
  lock?: ObjectLockConfiguration | undefined;
  probe?: Probe;
  retention?: ProbeRetention;
  retentionSource: WormEvidence['probe']['retentionSource'];
  /** The refused DeleteObject on the probe's version; only a client error counts. */
  deleteRefused?: S3ErrorInfo & { status: number };
}

/** A finding an earlier check must have made: without it the chain is out of order. */
export function found<T>(finding: T | undefined, what: string): T {
  if (finding === undefined) {
    throw new Error(`WORM checks out of order: ${what} is read before the check that finds it`);
  }
  return finding;
}

export function probeOf(f: WormFindings): Probe {
  return found(f.probe, 'the probe');
}

/** The request fields that name the probe's version. */
export function probeVersion(f: WormFindings): { Bucket: string; Key: string; VersionId: string } {
  const { key, versionId } = probeOf(f);
  return { Bucket: f.bucket, Key: key, VersionId: versionId };
}
