import { describe, expect, it } from 'vitest';
import type { Tenant } from '../../api/v1alpha1/index.ts';
import { FakeClock } from '../../runtime/testing/fake-clock.ts';
import { onboardingTiming } from './onboarding.ts';

const created = '2026-11-25T10:00:00Z';
const tenant = (onboarding?: NonNullable<Tenant['status']>['onboarding']) =>
  ({ metadata: { name: 'acme', creationTimestamp: created }, spec: {}, status: { onboarding } }) as Tenant;

describe('onboardingTiming', () => {
  const clock = new FakeClock(Date.parse('2026-11-25T10:05:00Z'));
  it('stamps the first privileged approval from the earliest recorded approver', () => {
    const t = onboardingTiming(tenant(), {}, clock, {
      approvals: [
        { approvedBy: 'bob', approvedAt: '2026-11-25T10:03:00Z' },
        { approvedBy: 'alice', approvedAt: '2026-11-25T10:01:30Z' },
        { approvedAt: '2026-11-25T10:00:10Z' },
      ],
    });
    expect(t).toEqual({
      firstApprovalAt: '2026-11-25T10:01:30Z',
      firstApprovalSeconds: 90,
      firstApprovedBy: 'alice',
    });
  });
  it('keeps a milestone once stamped and adds the first usage report', () => {
    const before = {
      firstApprovalAt: '2026-11-25T10:01:30Z',
      firstApprovalSeconds: 90,
      firstApprovedBy: 'alice',
    };
    const t = onboardingTiming(tenant(before), {}, clock, {
      approvals: [{ approvedBy: 'root', approvedAt: '2026-11-25T10:00:01Z' }],
      usageReportAt: '2026-11-25T11:00:00Z',
    });
    expect(t).toEqual({
      ...before,
      firstUsageReportAt: '2026-11-25T11:00:00Z',
      firstUsageReportSeconds: 3600,
    });
  });
});
