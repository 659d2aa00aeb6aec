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

export type WormFailure = Extract<WormResult, { ok: false }>;
