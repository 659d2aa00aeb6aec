import { describe, expect, it } from 'vitest';
import type { AddOn, Tenant } from '../api/v1alpha1/index.ts';
import { GrowthEventType } from './events.ts';
import { describeMilestone, milestoneEvents, nudgeActedOnEvents } from './milestones.ts';
import { deliveryRecord, type NudgeDelivery } from './nudges/records.ts';

const tenant = {
  apiVersion: 'tenantry.dev/v1alpha1',
  kind: 'Tenant',
  metadata: { name: 'acme', uid: 'uid-1', creationTimestamp: '2026-11-25T10:00:00Z' },
  spec: { displayName: 'Acme', owners: [{ name: 'alice' }], region: 'eu-west-1' },
} as Tenant;

const addon = (name: string, created: string): AddOn =>
  ({
    metadata: {
      name,
      namespace: 'acme-system',
      creationTimestamp: created,
      annotations: { 'tenantry.dev/requested-by': 'alice' },
    },
    spec: { type: 'AuditArchive' },
  }) as unknown as AddOn;

const receipt = {
  step: 'TenantAccepted',
  generation: 1,
  digest: `sha256:${'a'.repeat(64)}`,
  keyId: 'k',
  time: '2026-11-25T10:00:01Z',
  configMap: 'receipt-tenant-accepted-g1-abcd',
};

describe('milestoneEvents', () => {
  const sources = {
    tenant,
    receipts: [receipt],
    addons: [
      addon('later', '2026-11-26T09:00:00Z'),
      addon('first', '2026-11-25T12:00:00Z'),
      addon('old', '2026-11-20T00:00:00Z'),
    ],
    invoicePreview: {
      periodStart: '2026-11-01T00:00:00Z',
      periodEnd: '2026-12-01T00:00:00Z',
      currency: 'EUR',
      totalMinor: 12,
      lines: [
        { sku: 'archive-gib-hours', description: 'x', quantity: '1', unitPriceMinor: 12, amountMinor: 12 },
      ],
      generatedAt: '2026-11-25T13:00:00Z',
    },
    origin: 'tenantry-system',
  } as Parameters<typeof milestoneEvents>[0];

  it('derives created, receipts, first add-on and first invoice line, in CloudEvents form', () => {
    const events = milestoneEvents(sources);
    expect(events.map((e) => [e.type, e.time])).toEqual([
      [GrowthEventType.TenantCreated, '2026-11-25T10:00:00Z'],
      [GrowthEventType.ReceiptSigned, '2026-11-25T10:00:01Z'],
      [GrowthEventType.FirstAddOn, '2026-11-25T12:00:00Z'],
      [GrowthEventType.FirstInvoiceLine, '2026-11-25T13:00:00Z'],
    ]);
    expect(events[2]?.data).toMatchObject({ addon: 'first', by: 'alice', uid: 'uid-1' });
    expect(events[0]).toMatchObject({
      specversion: '1.0',
      source: 'tenantry://tenantry-system/tenants/acme',
      subject: 'acme',
      datacontenttype: 'application/json',
    });
  });

  it('gives the same ids every time, whatever else changed, and new ones for a new tenant of the same name', () => {
    const ids = milestoneEvents(sources).map((e) => e.id);
    const later = milestoneEvents({
      ...sources,
      addons: [...sources.addons, addon('newest', '2026-11-27T00:00:00Z')],
    });
    expect(later.map((e) => e.id)).toEqual(ids);
    const reborn = milestoneEvents({
      ...sources,
      tenant: { ...tenant, metadata: { ...tenant.metadata, uid: 'uid-2' } },
    });
    expect(reborn.map((e) => e.id).filter((id) => ids.includes(id))).toEqual([]);
  });

  it('has no invoice milestone before the preview has lines', () => {
    const events = milestoneEvents({
      ...sources,
      invoicePreview: { ...sources.invoicePreview, lines: [] },
    } as never);
    expect(events.map((e) => e.type)).not.toContain(GrowthEventType.FirstInvoiceLine);
  });

  it('describes milestones for Kubernetes Events, receipts excepted (they have their own)', () => {
    const [created, signed, first] = milestoneEvents(sources);
    expect(created && describeMilestone(created)?.reason).toBe('TenantCreated');
    expect(signed && describeMilestone(signed)).toBeUndefined();
    expect(first && describeMilestone(first)).toEqual({
      reason: 'FirstAddOn',
      message: 'first add-on first (AuditArchive) by alice',
    });
  });
});

describe('nudgeActedOnEvents', () => {
  const delivery = (d: Partial<NudgeDelivery>, at: string) =>
    deliveryRecord(
      'acme',
      'tenantry-system',
      {
        eventId: 'e',
        nudge: 'setQuotas',
        channel: 'event',
        attempt: 1,
        outcome: 'sent',
        dueAt: '2026-11-25T11:00:00Z',
        since: '2026-11-25T11:00:00Z',
        ...d,
      },
      at,
    );
  const resolved = [
    { name: 'setQuotas', since: '2026-11-25T11:00:00Z', message: 'm' },
    { name: 'inviteAuditor', since: '2026-11-25T11:00:00Z', message: 'm' },
  ];

  it('records a resolved nudge only when this occurrence was sent, with a stable id', () => {
    const deliveries = [
      delivery({ channel: 'webhook:crm', outcome: 'failed' }, '2026-11-25T11:00:00Z'),
      delivery({ channel: 'webhook:crm' }, '2026-11-25T11:00:10Z'),
      delivery({}, '2026-11-25T11:00:05Z'),
      // inviteAuditor was only suppressed, and an older setQuotas occurrence does not count.
      delivery({ nudge: 'inviteAuditor', outcome: 'suppressed', reason: 'optOut' }, '2026-11-25T11:00:00Z'),
    ];
    const at = (now: string) =>
      nudgeActedOnEvents({ tenant, resolved, deliveries, now, origin: 'tenantry-system' });
    const [e] = at('2026-11-26T00:00:00Z');
    expect(at('2026-11-26T00:00:00Z')).toHaveLength(1);
    expect(e).toMatchObject({
      type: GrowthEventType.NudgeActedOn,
      time: '2026-11-26T00:00:00Z',
      data: {
        uid: 'uid-1',
        nudge: 'setQuotas',
        since: '2026-11-25T11:00:00Z',
        deliveredAt: '2026-11-25T11:00:05Z',
      },
    });
    expect(at('2026-11-27T00:00:00Z')[0]?.id).toBe(e?.id);
    expect(e && describeMilestone(e)).toEqual({
      reason: 'NudgeActedOn',
      message: 'nudge setQuotas (delivered 2026-11-25T11:00:05Z) acted on: its condition is met',
    });
    const older = [delivery({ since: '2026-11-20T00:00:00Z' }, '2026-11-20T00:00:00Z')];
    expect(nudgeActedOnEvents({ tenant, resolved, deliveries: older, now: 'x', origin: 'o' })).toEqual([]);
  });
});
