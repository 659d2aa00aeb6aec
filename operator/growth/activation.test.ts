import { describe, expect, it } from 'vitest';
import {
  activationChecklist,
  type Completion,
  itemDoneEvent,
  observedCompletions,
  recordedCompletions,
} from './activation.ts';
import { type GrowthEvent, GrowthEventType, growthEvent } from './events.ts';

const created = '2026-11-25T10:00:00Z';
const owners = [{ name: 'alice' }, { name: 'bob' }];
const action = (type: string, time: string, data: Record<string, unknown>, tenant = 'acme') =>
  growthEvent({ tenant, type, key: time, time, data, origin: 'tenantry-system' });

describe('observedCompletions', () => {
  it('takes each item from its own attributable source, the earliest first', () => {
    const done = observedCompletions({
      tenant: 'acme',
      created,
      identityConnectedAt: '2026-11-25T10:02:00Z',
      approvals: [
        { approvedBy: 'bob', approvedAt: '2026-11-25T12:00:00Z' },
        { approvedBy: 'alice', approvedAt: '2026-11-25T11:00:00Z' },
        { approvedAt: '2026-11-25T10:30:00Z' },
      ],
      events: [
        action(GrowthEventType.EvidenceExported, '2026-11-25T13:00:00Z', { by: 'alice' }),
        action(GrowthEventType.UsageViewed, '2026-11-25T14:00:00Z', { by: 'bob' }),
        action(GrowthEventType.UsageViewed, '2026-11-25T15:00:00Z', { by: 'alice' }),
      ],
      owners,
    });
    expect(done).toEqual([
      { item: 'identityConnected', at: '2026-11-25T10:02:00Z', by: '' },
      { item: 'firstApproval', at: '2026-11-25T11:00:00Z', by: 'alice' },
      { item: 'firstEvidenceExport', at: '2026-11-25T13:00:00Z', by: 'alice' },
      { item: 'firstUsageView', at: '2026-11-25T14:00:00Z', by: 'bob' },
    ]);
  });

  it('ignores actions nobody is named for, actions of another tenant and those before this tenant existed', () => {
    const done = observedCompletions({
      tenant: 'acme',
      created,
      approvals: [{ approvedBy: 'alice' }],
      events: [
        action(GrowthEventType.EvidenceExported, '2026-11-25T13:00:00Z', {}),
        action(GrowthEventType.EvidenceExported, '2026-11-25T13:00:00Z', { by: '' }),
        action(GrowthEventType.UsageViewed, '2026-11-25T14:00:00Z', { by: 'mallory' }, 'other'),
        // An earlier tenant called acme, deleted and created again.
        action(GrowthEventType.UsageViewed, '2026-11-24T09:00:00Z', { by: 'alice' }),
      ],
      owners,
    });
    expect(done).toEqual([]);
  });

  it("counts only the tenant's own admins: owners by name, service account or group, not a platform admin", () => {
    const export_ = (data: Record<string, unknown>) => [
      action(GrowthEventType.EvidenceExported, '2026-11-25T13:00:00Z', data),
    ];
    const done = (
      data: Record<string, unknown>,
      who = owners as Parameters<typeof observedCompletions>[0]['owners'],
    ) =>
      observedCompletions({ tenant: 'acme', created, approvals: [], events: export_(data), owners: who }).map(
        (c) => c.by,
      );
    expect(done({ by: 'platform-admin', groups: ['system:masters'] })).toEqual([]);
    expect(done({ by: 'alice', groups: [] })).toEqual(['alice']);
    expect(done({ by: 'carol', groups: ['acme-admins'] }, [{ kind: 'Group', name: 'acme-admins' }])).toEqual([
      'carol',
    ]);
    expect(
      done({ by: 'system:serviceaccount:acme-system:ci' }, [
        { kind: 'ServiceAccount', namespace: 'acme-system', name: 'ci' },
      ]),
    ).toEqual(['system:serviceaccount:acme-system:ci']);
    // A user named like the group is not in it.
    expect(done({ by: 'acme-admins', groups: [] }, [{ kind: 'Group', name: 'acme-admins' }])).toEqual([]);
  });
});

describe('activationChecklist', () => {
  const c = (item: Completion['item'], at: string, by = 'alice'): Completion => ({ item, at, by });

  it('keeps what the log recorded, adds what is new and completes with the last item', () => {
    const recorded = [c('identityConnected', '2026-11-25T10:02:00Z', '')];
    const observed = [
      // The identity provider broke and was fixed later: the first time stands.
      c('identityConnected', '2026-11-26T08:00:00Z', ''),
      c('firstApproval', '2026-11-25T11:00:00Z'),
    ];
    const half = activationChecklist(recorded, observed);
    expect(half.fresh).toEqual([c('firstApproval', '2026-11-25T11:00:00Z')]);
    expect(half.status).toEqual({
      items: [
        { name: 'identityConnected', done: true, at: '2026-11-25T10:02:00Z', by: '' },
        { name: 'firstApproval', done: true, at: '2026-11-25T11:00:00Z', by: 'alice' },
        { name: 'firstEvidenceExport', done: false },
        { name: 'firstUsageView', done: false },
      ],
      percent: 50,
    });
    const full = activationChecklist(
      [...recorded, ...half.fresh],
      [c('firstUsageView', '2026-11-25T16:00:00Z'), c('firstEvidenceExport', '2026-11-25T15:00:00Z')],
    );
    expect(full.status.percent).toBe(100);
    expect(full.status.completedAt).toBe('2026-11-25T16:00:00Z');
  });

  it('remembers items across restarts through the log: recorded entries are read back by uid', () => {
    const entries: GrowthEvent<unknown>[] = [
      itemDoneEvent('acme', 'uid-1', c('firstApproval', '2026-11-25T11:00:00Z'), 'ns'),
      itemDoneEvent('acme', 'uid-0', c('firstUsageView', '2026-11-20T11:00:00Z'), 'ns'),
    ];
    expect(recordedCompletions(entries, 'uid-1')).toEqual([c('firstApproval', '2026-11-25T11:00:00Z')]);
    // The same item recorded again (a retry, another replica) has the same id: the log keeps it once.
    expect(itemDoneEvent('acme', 'uid-1', c('firstApproval', '2026-11-25T11:00:00Z'), 'ns').id).toBe(
      entries[0]?.id,
    );
  });
});
