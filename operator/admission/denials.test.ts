import { describe, expect, it } from 'vitest';
import { type AuditEvent, DenialThrottle, denialsOf, describeDenial, VALIDATION_FAILURE } from './denials.ts';

const failure = (policy: string, actions = ['Deny', 'Audit']) =>
  JSON.stringify([
    {
      message: 'nodes: 3 exceeds the quota of 2',
      policy,
      binding: `${policy}-acme`,
      validationActions: actions,
    },
  ]);

const event = (over: Partial<AuditEvent> = {}): AuditEvent => ({
  auditID: 'a1',
  stage: 'ResponseComplete',
  verb: 'create',
  user: { username: 'admin' },
  impersonatedUser: { username: 'alice' },
  objectRef: { resource: 'addons', namespace: 'acme-system', name: 'pool', apiGroup: 'tenantry.dev' },
  responseStatus: { code: 422 },
  annotations: { [VALIDATION_FAILURE]: failure('tenantry.dev-addon-entitlement') },
  stageTimestamp: '2026-11-25T10:00:00Z',
  ...over,
});

describe('denialsOf', () => {
  it("turns a refused request's audit failure into a denial by the impersonated user", () => {
    const [d, ...rest] = denialsOf([event()]);
    expect(rest).toEqual([]);
    expect(d).toMatchObject({ user: 'alice', policy: 'tenantry.dev-addon-entitlement', name: 'pool' });
    expect(describeDenial(d as NonNullable<typeof d>)).toBe(
      'alice was refused create addons pool: nodes: 3 exceeds the quota of 2 (policy tenantry.dev-addon-entitlement)',
    );
  });
  it('ignores allowed requests, audit-only failures, foreign policies and garbage', () => {
    expect(
      denialsOf([
        event({ responseStatus: { code: 201 } }),
        event({
          annotations: { [VALIDATION_FAILURE]: failure('tenantry.dev-addon-entitlement', ['Audit']) },
        }),
        event({ annotations: { [VALIDATION_FAILURE]: failure('someone-else') } }),
        event({ annotations: { [VALIDATION_FAILURE]: '{not json' } }),
        event({ annotations: {} }),
      ]),
    ).toEqual([]);
  });
});

describe('DenialThrottle', () => {
  it('records one Event per user, policy and namespace a minute, counting what it folded in', () => {
    let now = 0;
    const t = new DenialThrottle(() => now);
    const [d] = denialsOf([event()]);
    const alice = d as NonNullable<typeof d>;
    expect(t.admit(alice)).toBe(0);
    expect(t.admit(alice)).toBeUndefined();
    expect(t.admit(alice)).toBeUndefined();
    expect(t.admit({ ...alice, user: 'bob' })).toBe(0);
    now = 60_000;
    expect(t.admit(alice)).toBe(2);
  });
  it('caps Events overall', () => {
    const t = new DenialThrottle(() => 0, { burst: 3 });
    const [d] = denialsOf([event()]);
    const admitted = Array.from({ length: 10 }, (_, i) =>
      t.admit({ ...(d as NonNullable<typeof d>), user: `u${i}` }),
    );
    expect(admitted.filter((x) => x !== undefined)).toHaveLength(3);
  });
});
