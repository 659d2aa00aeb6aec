import { describe, expect, it } from 'vitest';
import { DEFAULT_NUDGE_SETTINGS, type NudgeSettings } from './config.ts';
import { deliveryRecord, type NudgeDelivery } from './records.ts';
import type { TenantFacts } from './rules.ts';
import { nudgesStatus } from './status.ts';

const H = 3_600_000;
const CREATED = Date.parse('2026-12-01T00:00:00Z');
const facts = (over: Partial<TenantFacts> = {}): TenantFacts => ({
  tenant: 'acme',
  profile: 'regulated',
  createdAt: CREATED,
  ready: { status: 'True' },
  quotaOverrides: [],
  namespaces: ['acme-default'],
  auditors: [],
  lastEvidenceExportAt: CREATED,
  ...over,
});
const settings: NudgeSettings = {
  ...DEFAULT_NUDGE_SETTINGS,
  nudges: {
    ...DEFAULT_NUDGE_SETTINGS.nudges,
    setQuotas: { enabled: true, afterMs: 2 * H, everyMs: 24 * H },
    inviteAuditor: { enabled: true, afterMs: 6 * H, everyMs: 24 * H },
  },
};
const record = (d: Partial<NudgeDelivery>, at: string) =>
  deliveryRecord(
    'acme',
    'tenantry-system',
    {
      eventId: 'e1',
      nudge: 'setQuotas',
      channel: 'event',
      attempt: 1,
      outcome: 'sent',
      dueAt: at,
      since: at,
      ...d,
    },
    at,
  );

describe('nudgesStatus', () => {
  it('lists the nudges a tenant is targeted by whose trigger holds, and when the next one comes in', () => {
    const r = nudgesStatus({
      facts: facts(),
      settings,
      previous: undefined,
      deliveries: [],
      now: CREATED + 3 * H,
    });
    expect(r.status.active.map((a) => [a.name, a.since])).toEqual([['setQuotas', '2026-12-01T03:00:00Z']]);
    expect(r.changesAt).toBe(CREATED + 6 * H);
  });

  it('keeps since while the nudge holds, so an idle tenant has the same status, and drops it when resolved', () => {
    const first = nudgesStatus({
      facts: facts(),
      settings,
      previous: undefined,
      deliveries: [],
      now: CREATED + 3 * H,
    });
    const again = nudgesStatus({
      facts: facts(),
      settings,
      previous: first.status,
      deliveries: [],
      now: CREATED + 5 * H,
    });
    expect(again.status).toEqual(first.status);
    const resolved = nudgesStatus({
      facts: facts({ quotaOverrides: ['pods'] }),
      settings,
      previous: first.status,
      deliveries: [],
      now: CREATED + 5 * H,
    });
    expect(resolved.status.active).toEqual([]);
    expect(resolved.resolved).toEqual(first.status.active);
    // Not targeted any more (too old for it) is not resolved: its condition still holds.
    const untargeted = nudgesStatus({
      facts: facts(),
      settings: {
        ...settings,
        nudges: { ...settings.nudges, setQuotas: { ...settings.nudges.setQuotas, untilMs: 4 * H } },
      },
      previous: first.status,
      deliveries: [],
      now: CREATED + 5 * H,
    });
    expect([untargeted.status.active, untargeted.resolved]).toEqual([[], []]);
  });

  it('takes lastDeliveredAt and suppressed from the delivery log', () => {
    const sent = record({}, '2026-12-01T03:00:05Z');
    const quiet = record({ attempt: 2, outcome: 'suppressed', reason: 'optOut' }, '2026-12-02T03:00:05Z');
    const other = record({ nudge: 'inviteAuditor' }, '2026-12-02T04:00:00Z');
    const r = nudgesStatus({
      facts: facts(),
      settings,
      previous: undefined,
      deliveries: [sent],
      now: CREATED + 3 * H,
    });
    expect(r.status.active[0]).toMatchObject({ lastDeliveredAt: '2026-12-01T03:00:05Z' });
    expect(r.status.active[0]?.suppressed).toBeUndefined();
    const s = nudgesStatus({
      facts: facts(),
      settings,
      previous: undefined,
      deliveries: [sent, quiet, other],
      now: CREATED + 30 * H,
    });
    expect(s.status.active.find((a) => a.name === 'setQuotas')).toMatchObject({
      lastDeliveredAt: '2026-12-01T03:00:05Z',
      suppressed: 'optOut',
    });
    expect(s.status.active.find((a) => a.name === 'inviteAuditor')).toMatchObject({
      lastDeliveredAt: '2026-12-02T04:00:00Z',
    });
  });
});
