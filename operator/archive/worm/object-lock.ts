import { type DefaultRetention, GetObjectLockConfigurationCommand } from '@aws-sdk/client-s3';
import { s3ErrorInfo } from '../s3.ts';
import { callFailed, fail } from './failure.ts';
import type { WormFindings } from './findings.ts';
import type { WormFailure } from './result.ts';

export async function readObjectLock(f: WormFindings): Promise<WormFailure | undefined> {
  try {
    f.lock = (
      await f.client.send(new GetObjectLockConfigurationCommand({ Bucket: f.bucket }))
    ).ObjectLockConfiguration;
  } catch (err) {
    const info = s3ErrorInfo(err);
    if (
      info.code === 'ObjectLockConfigurationNotFoundError' ||
      (info.status === 404 && info.code !== 'NoSuchBucket')
    ) {
      return fail(
        'ObjectLockDisabled',
        `bucket ${f.bucket} has no Object Lock configuration; Object Lock can only be turned on when a bucket is created (x-amz-bucket-object-lock-enabled), so create a new bucket with Object Lock and a COMPLIANCE default retention of at least ${f.minRetentionDays} days`,
      );
    }
    return callFailed(f.bucket, 'GetObjectLockConfiguration', err);
  }
  return undefined;
}

export function objectLockEnabled(f: WormFindings): WormFailure | undefined {
  if (f.lock?.ObjectLockEnabled !== 'Enabled') {
    return fail('ObjectLockDisabled', `bucket ${f.bucket} does not have Object Lock enabled`);
  }
  return undefined;
}

export function defaultRuleSet(f: WormFindings): WormFailure | undefined {
  if (defaultRule(f)?.Mode === undefined) {
    return fail(
      'NotCompliance',
      `bucket ${f.bucket} has Object Lock but no default retention rule; set a COMPLIANCE default retention of at least ${f.minRetentionDays} days`,
    );
  }
  return undefined;
}

export function defaultRuleCompliance(f: WormFindings): WormFailure | undefined {
  const mode = defaultRule(f)?.Mode;
  if (mode !== 'COMPLIANCE') {
    return fail(
      'NotCompliance',
      `bucket ${f.bucket} uses ${mode} default retention, which privileged users can bypass; COMPLIANCE is required`,
    );
  }
  return undefined;
}

export function defaultRuleLongEnough(f: WormFindings): WormFailure | undefined {
  const rule = defaultRule(f);
  if (retentionDays(rule) < f.minRetentionDays) {
    const given = rule?.Years !== undefined ? `${rule.Years} year(s)` : `${rule?.Days ?? 0} day(s)`;
    return fail(
      'RetentionTooShort',
      `bucket ${f.bucket} retains objects for ${given} by default; the policy requires at least ${f.minRetentionDays} days`,
    );
  }
  return undefined;
}

export function defaultRule(f: WormFindings): DefaultRetention | undefined {
  return f.lock?.Rule?.DefaultRetention;
}

/** A rule's retention in days, a year counting 365. */
export function retentionDays(rule: DefaultRetention | undefined): number {
  return (rule?.Days ?? 0) + (rule?.Years ?? 0) * 365;
}
