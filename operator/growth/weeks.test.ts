import { describe, expect, it } from 'vitest';
import { cohortOf, isoWeek, weekStart, weeksAfter } from './weeks.ts';

const t = (s: string) => Date.parse(s);

describe('ISO weeks', () => {
  it('names weeks as ISO 8601 does at year ends', () => {
    expect(isoWeek(t('2026-01-01T00:00:00Z'))).toBe('2026-W01'); // a Thursday
    expect(isoWeek(t('2027-01-01T12:00:00Z'))).toBe('2026-W53'); // a Friday: the old year's week
    expect(isoWeek(t('2024-12-30T00:00:00Z'))).toBe('2025-W01'); // a Monday: the new year's week
    expect(isoWeek(t('2026-11-29T23:59:59Z'))).toBe('2026-W48'); // a Sunday
    expect(isoWeek(t('2026-11-30T00:00:00Z'))).toBe('2026-W49'); // the Monday after
  });

  it('starts weeks on Monday 00:00 UTC and counts weeks after signup by calendar week', () => {
    expect(new Date(weekStart(t('2026-11-26T15:00:00Z'))).toISOString()).toBe('2026-11-23T00:00:00.000Z');
    expect(weeksAfter(t('2026-11-29T23:00:00Z'), t('2026-11-30T01:00:00Z'))).toBe(1);
    expect(weeksAfter(t('2026-11-23T00:00:00Z'), t('2026-11-29T23:59:59Z'))).toBe(0);
    expect(weeksAfter(t('2026-12-28T10:00:00Z'), t('2027-01-11T10:00:00Z'))).toBe(2);
  });

  it('groups by month when asked', () => {
    expect(cohortOf(t('2026-11-30T23:59:59Z'), 'month')).toBe('2026-11');
    expect(cohortOf(t('2026-11-30T23:59:59Z'), 'week')).toBe('2026-W49');
  });
});
