import { describe, expect, it } from 'vitest';
import type { Tenant } from '../../api/v1alpha1/index.ts';
import { kstatus } from '../../runtime/conditions.ts';
import { FakeClock } from '../../runtime/testing/fake-clock.ts';
import { tenantStatus } from './status.ts';

const tenant = { metadata: { name: 't', generation: 4 }, spec: {} } as unknown as Tenant;
const clock = new FakeClock();
const namespaces = ['t-system', 't-default'];

describe('tenantStatus', () => {
  it('reads as Current (Ready) once provisioned, at the current generation', () => {
    const status = tenantStatus(tenant, { state: 'provisioned', namespaces }, clock);
    expect(status.observedGeneration).toBe(4);
    expect(status.namespaces).toEqual(namespaces);
    expect(kstatus({ metadata: tenant.metadata, status } as never)).toBe('Current');
    expect(status.conditions?.map((c) => `${c.type}=${c.status}`).sort()).toEqual([
      'Provisioned=True',
      'Ready=True',
    ]);
  });

  it('reads as InProgress while waiting and Failed when blocked, with the reason on Ready', () => {
    const waiting = tenantStatus(
      tenant,
      { state: 'waiting', reason: 'NamespaceTerminating', message: 'm', namespaces },
      clock,
    );
    expect(kstatus({ metadata: tenant.metadata, status: waiting } as never)).toBe('InProgress');
    const blocked = tenantStatus(
      tenant,
      { state: 'blocked', reason: 'NamespaceConflict', message: 'm', namespaces },
      clock,
    );
    expect(kstatus({ metadata: tenant.metadata, status: blocked } as never)).toBe('Failed');
    expect(blocked.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'NamespaceConflict',
    });
  });
});
