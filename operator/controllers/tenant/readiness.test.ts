import { describe, expect, it } from 'vitest';
import { TenantCondition } from '../../api/conditions.ts';
import type { Tenant, TenantStatus } from '../../api/v1alpha1/index.ts';
import type { Clock } from '../../runtime/clock.ts';
import { type ConditionInput, kstatus } from '../../runtime/conditions.ts';
import { StatusDraft } from '../../runtime/reconcile/draft.ts';
import { FakeClock } from '../../runtime/testing/fake-clock.ts';
import { TENANT_READINESS } from './readiness.ts';

const { Provisioned, DomainVerified, IdentityConnected } = TenantCondition;
type StepResult = ConditionInput & { severity?: 'waiting' | 'blocked' };

/**
 * The Tenant's status after one reconcile whose steps reported these conditions and fields, as
 * the sub-reconcilers leave it: steps that no longer apply remove their condition and field.
 */
function tenantStatus(
  tenant: Tenant,
  steps: StepResult[],
  fields: Omit<TenantStatus, 'conditions' | 'observedGeneration'>,
  clock: Clock,
): TenantStatus {
  const draft = new StatusDraft<TenantStatus>(tenant.status, tenant.metadata.generation, clock);
  const reported = new Set(steps.map((s) => s.type));
  draft.apply({
    removeConditions: TENANT_READINESS.conditions.filter((t) => !reported.has(t)),
    conditions: steps.map(({ severity: _s, ...c }) => c),
    status: { domain: undefined, identity: undefined, ...fields },
  });
  draft.summarize(TENANT_READINESS, 'Tenant is onboarded');
  return draft.result();
}

const tenant = { metadata: { name: 't', generation: 4 }, spec: {} } as unknown as Tenant;
const clock = new FakeClock();
const namespaces = ['t-system', 't-default'];
const provisioned: StepResult = { type: Provisioned, status: 'True', reason: 'Provisioned', message: 'ok' };
const read = (status: ReturnType<typeof tenantStatus>) =>
  kstatus({ metadata: tenant.metadata, status } as never);

describe('Tenant readiness', () => {
  it('reads as Current (Ready) when every step is done, at the current generation', () => {
    const status = tenantStatus(tenant, [provisioned], { namespaces }, clock);
    expect(status.observedGeneration).toBe(4);
    expect(status.namespaces).toEqual(namespaces);
    expect(read(status)).toBe('Current');
    expect(status.conditions?.map((c) => `${c.type}=${c.status}`).sort()).toEqual([
      'Provisioned=True',
      'Ready=True',
    ]);
  });

  it('reads as InProgress while a step waits and Failed when one is blocked, with its reason on Ready', () => {
    const domain: StepResult = {
      type: DomainVerified,
      status: 'False',
      reason: 'RecordMissing',
      message: 'publish it',
      severity: 'waiting',
    };
    const waiting = tenantStatus(tenant, [provisioned, domain], { namespaces }, clock);
    expect(read(waiting)).toBe('InProgress');
    expect(waiting.conditions?.find((c) => c.type === 'Ready')?.reason).toBe('RecordMissing');
    const identity: StepResult = {
      type: IdentityConnected,
      status: 'False',
      reason: 'ChecksFailed',
      message: 'fix it',
      severity: 'blocked',
    };
    const blocked = tenantStatus(tenant, [provisioned, domain, identity], { namespaces }, clock);
    expect(read(blocked)).toBe('Failed');
    expect(blocked.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'ChecksFailed',
    });
  });

  it('keeps a tenant whose client Secret is on its way in progress, and stalls it once the Secret is overdue', () => {
    const identity = (status: 'Unknown' | 'False', reason: string): StepResult => ({
      type: IdentityConnected,
      status,
      reason,
      message: 'Secret t-system/idp',
    });
    const waiting = tenantStatus(
      tenant,
      [provisioned, identity('Unknown', 'WaitingForClientSecret')],
      { namespaces },
      clock,
    );
    expect(read(waiting)).toBe('InProgress');
    expect(waiting.conditions?.find((c) => c.type === 'Ready')?.reason).toBe('WaitingForClientSecret');
    const missing = tenantStatus(
      tenant,
      [provisioned, identity('False', 'ClientSecretMissing')],
      { namespaces },
      clock,
    );
    expect(read(missing)).toBe('Failed');
    expect(missing.conditions?.find((c) => c.type === 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'ClientSecretMissing',
    });
  });

  it('drops conditions and fields of steps that no longer apply', () => {
    const withDomain = {
      ...tenant,
      status: tenantStatus(
        tenant,
        [provisioned],
        { namespaces, domain: { recordName: 'x', recordType: 'TXT', value: 'v' } },
        clock,
      ),
    };
    withDomain.status.conditions?.push({
      type: DomainVerified,
      status: 'True',
      reason: 'Verified',
      message: '',
      lastTransitionTime: 'x',
    });
    const after = tenantStatus(withDomain as Tenant, [provisioned], { namespaces }, clock);
    expect(after.conditions?.some((c) => c.type === DomainVerified)).toBe(false);
    expect(after.domain).toBeUndefined();
  });
});
