import { describe, expect, it } from 'vitest';
import type { WormFindings } from './findings.ts';
import {
  defaultRuleCompliance,
  defaultRuleLongEnough,
  defaultRuleSet,
  objectLockEnabled,
  readObjectLock,
  retentionDays,
} from './object-lock.ts';
import { fakeClient, findings, s3Error } from './testing.ts';

const locked = (DefaultRetention?: Record<string, unknown>): Partial<WormFindings> => ({
  lock: { ObjectLockEnabled: 'Enabled', ...(DefaultRetention ? { Rule: { DefaultRetention } } : {}) },
});

describe('readObjectLock', () => {
  it('records the configuration for the policy checks', async () => {
    const lock = { ObjectLockEnabled: 'Enabled' };
    const f = findings({
      client: fakeClient({ GetObjectLockConfiguration: () => ({ ObjectLockConfiguration: lock }) }).client,
    });
    expect(await readObjectLock(f)).toBeUndefined();
    expect(f.lock).toEqual(lock);
  });

  it('reads a 404 as no Object Lock, except a missing bucket', async () => {
    const answer = (err: Error) =>
      readObjectLock(
        findings({
          client: fakeClient({
            GetObjectLockConfiguration: () => {
              throw err;
            },
          }).client,
        }),
      );
    expect(await answer(s3Error(404, 'NotFound'))).toMatchObject({ reason: 'ObjectLockDisabled' });
    expect(await answer(s3Error(404, 'NoSuchBucket'))).toEqual({
      ok: false,
      reason: 'Unreachable',
      message: 'GetObjectLockConfiguration on bucket b failed: 404 NoSuchBucket: NoSuchBucket',
    });
  });
});

describe('Object Lock policies', () => {
  it('require Object Lock enabled', () => {
    expect(objectLockEnabled(findings({ lock: {} }))).toEqual({
      ok: false,
      reason: 'ObjectLockDisabled',
      message: 'bucket b does not have Object Lock enabled',
    });
    expect(objectLockEnabled(findings(locked()))).toBeUndefined();
  });

  it('require a COMPLIANCE default rule', () => {
    expect(defaultRuleSet(findings(locked({ Days: 400 })))).toMatchObject({ reason: 'NotCompliance' });
    expect(defaultRuleSet(findings(locked({ Mode: 'GOVERNANCE' })))).toBeUndefined();
    expect(defaultRuleCompliance(findings(locked({ Mode: 'GOVERNANCE' })))).toEqual({
      ok: false,
      reason: 'NotCompliance',
      message:
        'bucket b uses GOVERNANCE default retention, which privileged users can bypass; COMPLIANCE is required',
    });
    expect(defaultRuleCompliance(findings(locked({ Mode: 'COMPLIANCE' })))).toBeUndefined();
  });

  it('require the default rule to retain at least the minimum, naming what the bucket gives', () => {
    expect(defaultRuleLongEnough(findings(locked({ Mode: 'COMPLIANCE', Days: 364 })))).toEqual({
      ok: false,
      reason: 'RetentionTooShort',
      message: 'bucket b retains objects for 364 day(s) by default; the policy requires at least 365 days',
    });
    expect(
      defaultRuleLongEnough(findings({ ...locked({ Mode: 'COMPLIANCE', Years: 1 }), minRetentionDays: 366 })),
    ).toMatchObject({ message: expect.stringContaining('for 1 year(s) by default') });
    expect(defaultRuleLongEnough(findings(locked({ Mode: 'COMPLIANCE', Days: 365 })))).toBeUndefined();
  });

  it('count a year as 365 days and add Days to Years', () => {
    expect(retentionDays({ Years: 2 })).toBe(730);
    expect(retentionDays({ Years: 1, Days: 1 })).toBe(366);
    expect(retentionDays(undefined)).toBe(0);
  });
});
