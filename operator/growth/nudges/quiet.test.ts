import { describe, expect, it } from 'vitest';
import { type QuietPeriod, quietUntil } from './quiet.ts';

const t = (s: string) => Date.parse(s);

describe('quietUntil', () => {
  const nights: QuietPeriod = { kind: 'daily', fromMinute: 20 * 60, toMinute: 8 * 60, timeZone: 'UTC' };

  it('covers a period across midnight and ends at its local end', () => {
    expect(quietUntil([nights], t('2026-12-01T19:59:59Z'))).toBeUndefined();
    expect(quietUntil([nights], t('2026-12-01T20:00:00Z'))).toBe(t('2026-12-02T08:00:00Z'));
    expect(quietUntil([nights], t('2026-12-02T03:30:12.500Z'))).toBe(t('2026-12-02T08:00:00Z'));
    expect(quietUntil([nights], t('2026-12-02T08:00:00Z'))).toBeUndefined();
  });

  it('keeps the local time of the zone, DST included', () => {
    const berlin: QuietPeriod = { ...nights, timeZone: 'Europe/Berlin' };
    // 20:00 in Berlin is 19:00 UTC in winter and 18:00 UTC in summer.
    expect(quietUntil([berlin], t('2026-12-01T19:00:00Z'))).toBe(t('2026-12-02T07:00:00Z'));
    expect(quietUntil([berlin], t('2026-07-01T18:30:00Z'))).toBe(t('2026-07-02T06:00:00Z'));
    expect(quietUntil([berlin], t('2026-07-01T17:59:00Z'))).toBeUndefined();
  });

  it('only on the days it starts on: Friday night runs into Saturday, Saturday night is not quiet', () => {
    const friday: QuietPeriod = { ...nights, days: ['fri'] };
    // 2026-12-04 is a Friday.
    expect(quietUntil([friday], t('2026-12-04T21:00:00Z'))).toBe(t('2026-12-05T08:00:00Z'));
    expect(quietUntil([friday], t('2026-12-05T07:00:00Z'))).toBe(t('2026-12-05T08:00:00Z'));
    expect(quietUntil([friday], t('2026-12-05T21:00:00Z'))).toBeUndefined();
    const empty: QuietPeriod = { kind: 'daily', fromMinute: 0, toMinute: 0, timeZone: 'UTC' };
    expect(quietUntil([empty], t('2026-12-05T21:00:00Z'))).toBeUndefined();
  });

  it('takes the latest end of overlapping periods, ranges included', () => {
    const freeze: QuietPeriod = {
      kind: 'range',
      startMs: t('2026-12-24T00:00:00Z'),
      endMs: t('2027-01-02T00:00:00Z'),
    };
    expect(quietUntil([freeze], t('2026-12-23T23:59:59Z'))).toBeUndefined();
    expect(quietUntil([nights, freeze], t('2026-12-24T21:00:00Z'))).toBe(t('2027-01-02T00:00:00Z'));
    expect(quietUntil([nights, freeze], t('2027-01-01T23:00:00Z'))).toBe(t('2027-01-02T08:00:00Z'));
  });
});
