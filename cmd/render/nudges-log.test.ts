import { describe, expect, it } from 'vitest';
import { deliveryTable, type LoggedDelivery, outcomeText } from './nudges-log.ts';

const row = (over: Partial<LoggedDelivery>): LoggedDelivery => ({
  tenant: 'acme',
  time: '2026-12-01T10:00:01Z',
  eventId: 'f'.repeat(64),
  nudge: 'setQuotas',
  channel: 'webhook:crm',
  attempt: 1,
  outcome: 'sent',
  dueAt: '2026-12-01T10:00:00Z',
  since: '2026-12-01T10:00:00Z',
  ...over,
});

describe('nudges log rendering', () => {
  it('says each outcome with its detail', () => {
    expect(outcomeText(row({}))).toBe('sent');
    expect(outcomeText(row({ outcome: 'failed', httpStatus: 503 }))).toBe('failed (HTTP 503)');
    expect(outcomeText(row({ outcome: 'failed', error: 'connect ECONNREFUSED 127.0.0.1:1' }))).toBe(
      'failed (connect ECONNREFUSED 127.0.0.1:1)',
    );
    expect(outcomeText(row({ outcome: 'suppressed', reason: 'optOut', optedOutBy: 'alice' }))).toBe(
      'suppressed (optOut by alice)',
    );
    expect(outcomeText(row({ outcome: 'suppressed', reason: 'cap' }))).toBe('suppressed (cap)');
    expect(
      outcomeText(row({ outcome: 'suppressed', reason: 'quiet', quietUntil: '2026-12-02T08:00:00Z' })),
    ).toBe('suppressed (quiet until 2026-12-02T08:00:00Z)');
  });

  it('aligns the columns', () => {
    const table = deliveryTable([
      row({}),
      row({ channel: 'event', attempt: 2, outcome: 'failed', httpStatus: 500 }),
    ]);
    expect(table.split('\n')).toEqual([
      'TIME                  TENANT  NUDGE      CHANNEL      ATTEMPT  OUTCOME            EVENT ID',
      '2026-12-01T10:00:01Z  acme    setQuotas  webhook:crm  1        sent               ffffffffffffffff',
      '2026-12-01T10:00:01Z  acme    setQuotas  event        2        failed (HTTP 500)  ffffffffffffffff',
      '',
    ]);
  });
});
