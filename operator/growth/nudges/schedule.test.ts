import { describe, expect, it } from 'vitest';
import type { ActiveNudge } from '../../api/v1alpha1/growth.ts';
import type { GrowthEvent } from '../events.ts';
import { deliveryRecord, type NudgeDelivery, nudgeEventId } from './records.ts';
import { backoffMs, type Decision, planDeliveries, type ScheduleInput, waitUntil } from './schedule.ts';

const S = '2026-12-01T10:00:00Z';
const T0 = Date.parse(S);
const H = 3_600_000;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');
const retry = { attempts: 3, initialBackoffMs: 10_000, maxBackoffMs: 60_000 };

const nudge = (since = S): ActiveNudge => ({ name: 'setQuotas', since, message: 'set quotas' });

function input(over: Partial<ScheduleInput> = {}): ScheduleInput {
  return {
    tenant: 'acme',
    active: [nudge()],
    records: [],
    channels: ['event', 'webhook:crm'],
    everyMs: () => 24 * H,
    optOut: { all: false, nudges: [] },
    quietUntil: () => undefined,
    retry,
    now: T0,
    ...over,
  };
}

/** What the controller logs for a decision: the outcome a channel gave, or the suppression. */
function logged(d: Decision, at: number, outcome: 'sent' | 'failed' = 'sent'): GrowthEvent<NudgeDelivery> {
  const { occurrence: o } = d;
  const base = {
    eventId: o.eventId,
    nudge: o.nudge,
    channel: d.channel,
    attempt: d.attempt,
    dueAt: o.dueAt,
    since: o.since,
  };
  const data: NudgeDelivery =
    d.action === 'suppress'
      ? {
          ...base,
          outcome: 'suppressed',
          reason: d.reason,
          ...(d.quietUntil ? { quietUntil: d.quietUntil } : {}),
        }
      : outcome === 'sent'
        ? { ...base, outcome: 'sent' }
        : { ...base, outcome: 'failed', httpStatus: 503 };
  return deliveryRecord('acme', 'tenantry-system', data, iso(at));
}

const summary = (ds: Decision[]) =>
  ds.map(
    (d) =>
      `${d.action}${d.action === 'suppress' ? `:${d.reason}` : ''} ${d.channel} #${d.attempt} ${d.occurrence.dueAt}`,
  );

describe('planDeliveries', () => {
  it('delivers a nudge when it falls due, on every channel, under an id derived from the due time', () => {
    const plan = planDeliveries(input());
    expect(summary(plan.decisions)).toEqual([`deliver event #1 ${S}`, `deliver webhook:crm #1 ${S}`]);
    expect(plan.decisions[0]?.occurrence.eventId).toBe(nudgeEventId('acme', 'setQuotas', S));
    // Not due yet: nothing to do, look again then.
    expect(planDeliveries(input({ active: [nudge(iso(T0 + H))] }))).toEqual({
      decisions: [],
      wakeAt: T0 + H,
    });
  });

  it('decides the same again until the outcome is logged, so a crash in between repeats the same delivery', () => {
    const first = planDeliveries(input());
    expect(planDeliveries(input({ now: T0 + 5000 })).decisions).toEqual(first.decisions);
    const sent = first.decisions.map((d) => logged(d, T0 + 1000));
    expect(planDeliveries(input({ records: sent, now: T0 + 5000 }))).toEqual({
      decisions: [],
      wakeAt: T0 + 1000 + 24 * H,
    });
  });

  it('reminds once a period while the nudge holds, a period after the last send', () => {
    const sent = planDeliveries(input()).decisions.map((d) => logged(d, T0 + 1000));
    const later = planDeliveries(input({ records: sent, now: T0 + 1000 + 24 * H }));
    const due = iso(T0 + 1000 + 24 * H);
    expect(summary(later.decisions)).toEqual([`deliver event #1 ${due}`, `deliver webhook:crm #1 ${due}`]);
    expect(later.decisions[0]?.occurrence.eventId).not.toBe(sent[0]?.data.eventId);
  });

  it('retries a failed channel with backoff and gives up after the attempts, without touching the channel that worked', () => {
    const [ev, hook] = planDeliveries(input()).decisions;
    if (!ev || !hook) throw new Error('two decisions expected');
    let records = [logged(ev, T0), logged(hook, T0, 'failed')];
    expect(planDeliveries(input({ records, now: T0 + 5000 }))).toEqual({
      decisions: [],
      wakeAt: T0 + 10_000,
    });
    const second = planDeliveries(input({ records, now: T0 + 10_000 }));
    expect(summary(second.decisions)).toEqual([`deliver webhook:crm #2 ${S}`]);
    records = [...records, logged(second.decisions[0] as Decision, T0 + 10_000, 'failed')];
    expect(planDeliveries(input({ records, now: T0 + 20_000 })).wakeAt).toBe(
      T0 + 10_000 + backoffMs(retry, 2),
    );
    const third = planDeliveries(input({ records, now: T0 + 30_000 }));
    records = [...records, logged(third.decisions[0] as Decision, T0 + 30_000, 'failed')];
    // Three failures: given up; the next occurrence is a period after the event channel's send.
    expect(planDeliveries(input({ records, now: T0 + 31_000 }))).toEqual({
      decisions: [],
      wakeAt: T0 + 24 * H,
    });
  });

  it('holds every channel back while opted out, logging it once per occurrence and naming who opted out', () => {
    const optOut = { all: false, nudges: ['setQuotas'], by: 'alice', at: '2026-12-01T09:00:00Z' };
    const plan = planDeliveries(input({ optOut }));
    expect(summary(plan.decisions)).toEqual([
      `suppress:optOut event #1 ${S}`,
      `suppress:optOut webhook:crm #1 ${S}`,
    ]);
    expect(plan.decisions[0]).toMatchObject({ optedOutBy: 'alice', optedOutAt: '2026-12-01T09:00:00Z' });
    const records = plan.decisions.map((d) => logged(d, T0));
    // Held back, not dropped, and not logged again for the same occurrence.
    expect(planDeliveries(input({ optOut, records, now: T0 + H }))).toEqual({
      decisions: [],
      wakeAt: T0 + 24 * H,
    });
    // Other nudges are not affected; opting out of all is.
    expect(
      planDeliveries(input({ optOut: { all: false, nudges: ['inviteAuditor'] } })).decisions[0]?.action,
    ).toBe('deliver');
    expect(planDeliveries(input({ optOut: { all: true, nudges: [] } })).decisions[0]?.action).toBe(
      'suppress',
    );
  });

  it('caps a nudge that resolves and fires again within the period, and delivers it a period later', () => {
    const sent = planDeliveries(input()).decisions.map((d) => logged(d, T0));
    const again = iso(T0 + 2 * H);
    const capped = planDeliveries(input({ active: [nudge(again)], records: sent, now: T0 + 2 * H }));
    expect(summary(capped.decisions)).toEqual([
      `suppress:cap event #1 ${again}`,
      `suppress:cap webhook:crm #1 ${again}`,
    ]);
    const records = [...sent, ...capped.decisions.map((d) => logged(d, T0 + 2 * H))];
    const next = planDeliveries(input({ active: [nudge(again)], records, now: T0 + 2 * H }));
    expect(next).toEqual({ decisions: [], wakeAt: T0 + 26 * H });
    // Firing again after a full period is not capped.
    const late = iso(T0 + 25 * H);
    expect(
      planDeliveries(input({ active: [nudge(late)], records: sent, now: T0 + 25 * H })).decisions[0]?.action,
    ).toBe('deliver');
  });

  it('postpones a delivery due in a quiet period to its end, logging the hold once per period', () => {
    const end = T0 + 8 * H;
    const quiet = (now: number) => (now < end ? end : undefined);
    const plan = planDeliveries(input({ quietUntil: quiet }));
    expect(summary(plan.decisions)).toEqual([
      `suppress:quiet event #1 ${S}`,
      `suppress:quiet webhook:crm #1 ${S}`,
    ]);
    expect(plan.wakeAt).toBe(end);
    const records = plan.decisions.map((d) => logged(d, T0));
    expect(planDeliveries(input({ quietUntil: quiet, records, now: T0 + H }))).toEqual({
      decisions: [],
      wakeAt: end,
    });
    const after = planDeliveries(input({ quietUntil: quiet, records, now: end }));
    expect(summary(after.decisions)).toEqual([`deliver event #2 ${S}`, `deliver webhook:crm #2 ${S}`]);
  });

  it('a receiver added later gets the latest occurrence too', () => {
    const sent = planDeliveries(input({ channels: ['event'] })).decisions.map((d) => logged(d, T0));
    expect(planDeliveries(input({ records: sent, now: T0 + H })).decisions).toEqual([
      expect.objectContaining({ action: 'deliver', channel: 'webhook:crm', attempt: 1 }),
    ]);
  });
});

describe('waitUntil', () => {
  it('never asks a timer for more than a day, nor for a time gone by', () => {
    expect(waitUntil(T0 + 5000, T0)).toBe(5000);
    expect(waitUntil(T0 + 30 * 24 * H, T0)).toBe(24 * H);
    expect(waitUntil(T0 - 5000, T0)).toBe(0);
  });
});
