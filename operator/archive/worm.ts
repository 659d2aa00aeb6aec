import type { S3Client } from '@aws-sdk/client-s3';
import { firstFailure, type WormCheck } from './worm/chain.ts';
import { evidenceOf } from './worm/evidence.ts';
import type { WormFindings } from './worm/findings.ts';
import {
  defaultRuleCompliance,
  defaultRuleLongEnough,
  defaultRuleSet,
  objectLockEnabled,
  readObjectLock,
} from './worm/object-lock.ts';
import { deleteRefused, intactAfterDelete } from './worm/probe-delete.ts';
import {
  lockUnstampedProbe,
  probeCompliance,
  probeRetainedLongEnough,
  readProbeRetention,
} from './worm/probe-retention.ts';
import { writeProbe } from './worm/probe-write.ts';
import type { VerifyWormOptions, WormResult } from './worm/result.ts';
import { versioningEnabled } from './worm/versioning.ts';

export type { VerifyWormOptions, WormEvidence, WormFailureReason, WormResult } from './worm/result.ts';

/** In order: each check relies on the findings of those before it. */
const WORM_CHECKS: readonly WormCheck[] = [
  readObjectLock,
  objectLockEnabled,
  defaultRuleSet,
  defaultRuleCompliance,
  defaultRuleLongEnough,
  versioningEnabled,
  writeProbe,
  readProbeRetention,
  lockUnstampedProbe,
  probeCompliance,
  probeRetainedLongEnough,
  deleteRefused,
  intactAfterDelete,
];

/**
 * Checks that a bucket is write-once: Object Lock enabled with a COMPLIANCE default rule
 * of at least the minimum retention, versioning enabled, and — not taking the server's
 * word for it — that a freshly written probe version carries COMPLIANCE retention and
 * cannot be deleted. The probe stays in the bucket for the retention period, so call this
 * when an archive is attached or its settings change, not on every reconcile.
 */
export async function verifyWormBucket(client: S3Client, opts: VerifyWormOptions): Promise<WormResult> {
  const findings: WormFindings = { ...opts, client, retentionSource: 'bucket-default' };
  return (await firstFailure(WORM_CHECKS, findings)) ?? { ok: true, evidence: evidenceOf(findings) };
}
