import { describe, expect, it } from 'vitest';
import { GrowthEventType, growthEvent } from './events.ts';

const base = {
  tenant: 'acme',
  type: GrowthEventType.UsageViewed,
  key: 'alice@2026-12-01T10',
  time: '2026-12-01T10:15:00Z',
  data: { by: 'alice' },
  origin: 'tenantry-system',
};

describe('growthEvent', () => {
  it('is a CloudEvents 1.0 envelope about the tenant', () => {
    expect(growthEvent(base)).toMatchObject({
      specversion: '1.0',
      source: 'tenantry://tenantry-system/tenants/acme',
      type: 'dev.tenantry.usage.viewed',
      subject: 'acme',
      datacontenttype: 'application/json',
      data: { by: 'alice' },
    });
  });

  it('derives its id from what happened, so a retry records the same event', () => {
    const a = growthEvent(base);
    expect(
      growthEvent({ ...base, time: '2026-12-01T10:59:00Z', data: { by: 'alice', again: true } }).id,
    ).toBe(a.id);
    expect(growthEvent({ ...base, key: 'alice@2026-12-01T11' }).id).not.toBe(a.id);
    expect(growthEvent({ ...base, tenant: 'other' }).id).not.toBe(a.id);
    expect(growthEvent({ ...base, type: GrowthEventType.EvidenceExported }).id).not.toBe(a.id);
    expect(a.id).toMatch(/^[0-9a-f]{64}$/);
  });
});
