import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AddOn, Entitlement } from '../../api/v1alpha1/index.ts';
import { FakeClock } from '../../runtime/testing/fake-clock.ts';
import { approvalOf, specDigest } from './approval.ts';

const clock = new FakeClock(Date.parse('2026-12-01T10:00:00Z'));

function addon(annotations: Record<string, string>, generation = 3, status?: AddOn['status']): AddOn {
  return {
    apiVersion: 'tenantry.dev/v1alpha1',
    kind: 'AddOn',
    metadata: { name: 'pool', namespace: 'acme-system', generation, annotations },
    spec: {
      type: 'DedicatedCompute',
      approval: { reason: 'noisy neighbours' },
      dedicatedCompute: { nodes: 1, candidateSelector: { matchLabels: { pool: 'big' } } },
    },
    ...(status ? { status } : {}),
  };
}

const entitlement = (addOnApproval?: 'AnyOwner' | 'FourEyes'): Entitlement => ({
  apiVersion: 'tenantry.dev/v1alpha1',
  kind: 'Entitlement',
  metadata: { name: 'acme' },
  spec: {
    tenantRef: { name: 'acme' },
    plan: 'enterprise',
    obligations: addOnApproval ? { addOnApproval } : {},
  },
});

const stamps = (requestedBy: string, approvedBy: string, generation: number) => ({
  'tenantry.dev/requested-by': requestedBy,
  'tenantry.dev/approved-by': approvedBy,
  'tenantry.dev/approved-generation': String(generation),
});

describe('approvalOf', () => {
  it('records who asked, who approved, the generation and the digest of the approved spec', () => {
    const a = addon(stamps('bob', 'alice', 3));
    const v = approvalOf(a, entitlement(), clock);
    expect(v.approved).toBe(true);
    const expected = `sha256:${createHash('sha256')
      .update(
        '{"approval":{"reason":"noisy neighbours"},"dedicatedCompute":{"candidateSelector":{"matchLabels":{"pool":"big"}},"nodes":1},"type":"DedicatedCompute"}',
      )
      .digest('hex')}`;
    expect(v.outcome.status?.approval).toEqual({
      approvedBy: 'alice',
      requestedBy: 'bob',
      generation: 3,
      digest: expected,
      approvedAt: '2026-12-01T10:00:00Z',
    });
    expect(v.outcome.conditions?.[0]).toMatchObject({
      type: 'Approved',
      status: 'True',
      reason: 'Approved',
      message: `asked for by bob, approved by alice at generation 3 (spec ${expected})`,
    });
  });

  it('gives a different digest for different settings', () => {
    const a = addon(stamps('bob', 'bob', 3));
    const b = addon(stamps('bob', 'bob', 3));
    if (b.spec.dedicatedCompute) b.spec.dedicatedCompute.nodes = 5;
    expect(specDigest(a)).not.toBe(specDigest(b));
  });

  it('keeps the time of an approval it has seen, and takes a new one for a new approval', () => {
    const seen = { approvedBy: 'alice', generation: 3, approvedAt: '2026-11-30T08:00:00Z' };
    expect(
      approvalOf(addon(stamps('alice', 'alice', 3), 3, { approval: seen }), undefined, clock).outcome.status
        ?.approval?.approvedAt,
    ).toBe('2026-11-30T08:00:00Z');
    // The same approver again, for a later spec: a new approval.
    const later = approvalOf(addon(stamps('alice', 'alice', 5), 5, { approval: seen }), undefined, clock);
    expect(later.outcome.status?.approval?.approvedAt).toBe('2026-12-01T10:00:00Z');
  });

  it('is not approved without an approver, and says who asked and what to do', () => {
    const pending = { 'tenantry.dev/requested-by': 'bob' };
    const any = approvalOf(addon(pending), entitlement('AnyOwner'), clock);
    expect(any.approved).toBe(false);
    expect(any.outcome.conditions?.[0]).toMatchObject({
      status: 'False',
      reason: 'NotApproved',
      message: 'the settings asked for by bob are not approved: set spec.approval.reason',
    });
    const four = approvalOf(addon(pending), entitlement('FourEyes'), clock);
    expect(four.outcome.conditions?.[0]?.message).toMatch(/wait for another owner's approval/);
    // The approval of earlier settings no longer stands in status.
    expect(four.outcome.status).toHaveProperty('approval', undefined);
  });

  it('is not approved when the spec moved on from the approved generation', () => {
    const v = approvalOf(addon(stamps('alice', 'alice', 2), 3), entitlement(), clock);
    expect(v.approved).toBe(false);
    expect(v.outcome.conditions?.[0]).toMatchObject({
      reason: 'ApprovalOutdated',
      message:
        "alice's approval is for generation 2, the spec is at generation 3: approve the current spec by changing spec.approval",
    });
    const unbound = approvalOf(addon({ 'tenantry.dev/approved-by': 'alice' }), entitlement(), clock);
    expect(unbound.outcome.conditions?.[0]?.reason).toBe('ApprovalOutdated');
  });

  it('under four eyes, does not count an approval by the requester', () => {
    const self = addon(stamps('bob', 'bob', 3));
    expect(approvalOf(self, entitlement('AnyOwner'), clock).approved).toBe(true);
    const v = approvalOf(self, entitlement('FourEyes'), clock);
    expect(v.approved).toBe(false);
    expect(v.outcome.conditions?.[0]).toMatchObject({ reason: 'SelfApproved' });
    expect(v.outcome.conditions?.[0]?.message).toMatch(/^four eyes: bob both asked for and approved/);
    expect(approvalOf(addon(stamps('bob', 'alice', 3)), entitlement('FourEyes'), clock).approved).toBe(true);
  });
});
