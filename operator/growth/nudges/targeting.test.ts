import { describe, expect, it } from 'vitest';
import type { TenantFacts } from './rules.ts';
import { signupWeek, type Targeting, targets, targetsByHealthBand } from './targeting.ts';

const H = 3_600_000;
const CREATED = Date.parse('2026-12-01T10:00:00Z');
const base: Targeting = { enabled: true, afterMs: 4 * H, everyMs: 24 * H };
const facts = (over: Partial<TenantFacts> = {}): TenantFacts => ({
  tenant: 'acme',
  profile: 'baseline',
  createdAt: CREATED,
  quotaOverrides: [],
  namespaces: [],
  auditors: [],
  ...over,
});

describe('targets', () => {
  it('waits for the tenant to be old enough and stops at `until`, saying when that changes', () => {
    expect(targets(base, facts(), CREATED + H)).toEqual({ yes: false, changesAt: CREATED + 4 * H });
    expect(targets(base, facts(), CREATED + 4 * H)).toEqual({ yes: true });
    const until = { ...base, untilMs: 48 * H };
    expect(targets(until, facts(), CREATED + 5 * H)).toEqual({ yes: true, changesAt: CREATED + 48 * H });
    expect(targets(until, facts(), CREATED + 48 * H)).toEqual({ yes: false });
  });

  it('filters by profile, health band, cohort and checklist state; missing data never matches', () => {
    const at = CREATED + 5 * H;
    expect(targets({ ...base, enabled: false }, facts(), at).yes).toBe(false);
    expect(targets({ ...base, profiles: ['regulated'] }, facts(), at).yes).toBe(false);
    expect(targets({ ...base, profiles: ['regulated'] }, facts({ profile: 'regulated' }), at).yes).toBe(true);
    expect(targets({ ...base, healthBands: ['atRisk'] }, facts(), at).yes).toBe(false);
    expect(targets({ ...base, healthBands: ['atRisk'] }, facts({ healthBand: 'atRisk' }), at).yes).toBe(true);
    expect(targets({ ...base, cohorts: ['2026-W49'] }, facts(), at).yes).toBe(true);
    expect(targets({ ...base, cohorts: ['2026-W48'] }, facts(), at).yes).toBe(false);
    const open = { items: [{ name: 'firstApproval' as const, done: false }], percent: 0 };
    expect(targets({ ...base, checklist: 'incomplete' }, facts(), at).yes).toBe(false);
    expect(targets({ ...base, checklist: 'incomplete' }, facts({ activation: open }), at).yes).toBe(true);
    expect(targets({ ...base, checklist: 'complete' }, facts({ activation: open }), at).yes).toBe(false);
  });
});

describe('signupWeek', () => {
  it('is the ISO 8601 week, across year ends', () => {
    expect(signupWeek(Date.parse('2026-12-01T10:00:00Z'))).toBe('2026-W49');
    expect(signupWeek(Date.parse('2026-12-31T23:59:59Z'))).toBe('2026-W53');
    expect(signupWeek(Date.parse('2027-01-03T12:00:00Z'))).toBe('2026-W53');
    expect(signupWeek(Date.parse('2027-01-04T00:00:00Z'))).toBe('2027-W01');
    expect(signupWeek(Date.parse('2024-12-30T00:00:00Z'))).toBe('2025-W01');
  });
});

describe('targetsByHealthBand', () => {
  it('is true only when an enabled nudge filters on the band', () => {
    expect(targetsByHealthBand({ a: base, b: { ...base, profiles: ['regulated'] } })).toBe(false);
    expect(targetsByHealthBand({ a: base, b: { ...base, enabled: false, healthBands: ['critical'] } })).toBe(
      false,
    );
    expect(targetsByHealthBand({ a: base, b: { ...base, healthBands: ['critical'] } })).toBe(true);
  });
});
