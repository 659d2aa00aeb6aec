import { describe, expect, it } from 'vitest';
import type { ActivationStatus } from '../../api/v1alpha1/growth.ts';
import { type TenantFacts, trigger } from './rules.ts';

const NOW = Date.parse('2026-12-01T12:00:00Z');
const DAY = 86_400_000;
const params = { exportWithinMs: 30 * DAY };

const facts = (over: Partial<TenantFacts> = {}): TenantFacts => ({
  tenant: 'acme',
  profile: 'regulated',
  createdAt: NOW - 10 * DAY,
  ready: { status: 'True', reason: 'Reconciled', message: 'Tenant is onboarded' },
  quotaOverrides: [],
  namespaces: ['acme-web'],
  auditors: [],
  ...over,
});

const checklist = (done: Array<ActivationStatus['items'][number]['name']>): ActivationStatus => {
  const items = (
    ['identityConnected', 'firstApproval', 'firstEvidenceExport', 'firstUsageView'] as const
  ).map((name) => ({ name, done: done.includes(name) }));
  return {
    items,
    percent: done.length * 25,
    ...(done.length === 4 ? { completedAt: '2026-11-30T00:00:00Z' } : {}),
  };
};

describe('finishSetup', () => {
  it('without the checklist, holds while the tenant is not Ready and says what it waits for', () => {
    const t = trigger(
      'finishSetup',
      facts({
        ready: { status: 'False', reason: 'IdentityCheckFailed', message: 'discovery: connection refused' },
      }),
      params,
      NOW,
    );
    expect(t.holds).toBe(true);
    expect(t.message).toContain('not Ready yet (IdentityCheckFailed: discovery: connection refused)');
    expect(t.message).toContain('kubectl get events -n acme-system');
    expect(trigger('finishSetup', facts(), params, NOW).holds).toBe(false);
  });

  it('with the checklist, names each open item with the command that does it, and resolves when complete', () => {
    const t = trigger(
      'finishSetup',
      facts({ activation: checklist(['identityConnected', 'firstApproval']) }),
      params,
      NOW,
    );
    expect(t.holds).toBe(true);
    expect(t.message).toContain('(2 of 4 activation steps left)');
    expect(t.message).toContain('`tenantry evidence export --tenant acme --out ./acme-evidence`');
    expect(t.message).toContain('`tenantry usage --tenant acme`');
    expect(t.message).not.toContain('single sign-on');
    const all = trigger(
      'finishSetup',
      facts({
        activation: checklist([
          'identityConnected',
          'firstApproval',
          'firstEvidenceExport',
          'firstUsageView',
        ]),
      }),
      params,
      NOW,
    );
    expect(all.holds).toBe(false);
  });

  it('keeps the message within the status field limit, cutting a long Ready message', () => {
    const long = { status: 'False', reason: 'X', message: 'y'.repeat(5000) };
    const tenant = 'a'.repeat(40);
    const t = trigger('finishSetup', facts({ tenant, ready: long, activation: checklist([]) }), params, NOW);
    expect(t.message.length).toBe(1024);
    expect(t.message).toContain(`(X: ${'y'.repeat(240)})`);
  });
});

describe('setQuotas', () => {
  it('holds on the profile defaults, names a namespace and the patch, and resolves once spec.quota.hard is set', () => {
    const t = trigger('setQuotas', facts(), params, NOW);
    expect(t.holds).toBe(true);
    expect(t.message).toContain('regulated profile');
    expect(t.message).toContain('kubectl describe resourcequota -n acme-web');
    expect(t.message).toContain('kubectl patch tenant acme --type merge');
    expect(trigger('setQuotas', facts({ quotaOverrides: ['requests.cpu'] }), params, NOW).holds).toBe(false);
  });
});

describe('exportEvidence', () => {
  it('holds until a first export, says when the last one was and comes back once it is older than the period', () => {
    expect(trigger('exportEvidence', facts(), params, NOW)).toMatchObject({
      holds: true,
      message: expect.stringContaining('No evidence of tenant acme has been exported yet.'),
    });
    const recent = trigger('exportEvidence', facts({ lastEvidenceExportAt: NOW - 2 * DAY }), params, NOW);
    expect(recent).toMatchObject({ holds: false, changesAt: NOW + 28 * DAY });
    const old = trigger('exportEvidence', facts({ lastEvidenceExportAt: NOW - 31 * DAY }), params, NOW);
    expect(old.holds).toBe(true);
    expect(old.message).toContain('was on 2026-10-31');
    expect(old.message).toContain('tenantry evidence verify --key ./acme-evidence/keys/*.pem');
  });
});

describe('inviteAuditor', () => {
  it('holds while nobody is bound to the auditor role, with the binding command', () => {
    const t = trigger('inviteAuditor', facts(), params, NOW);
    expect(t.holds).toBe(true);
    expect(t.message).toContain(
      'kubectl create rolebinding tenantry-auditor -n acme-system --clusterrole=tenantry:tenant-auditor --user=AUDITOR',
    );
    expect(trigger('inviteAuditor', facts({ auditors: ['User:audrey'] }), params, NOW).holds).toBe(false);
  });
});
