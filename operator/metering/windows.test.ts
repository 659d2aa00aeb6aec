import { describe, expect, it } from 'vitest';
import {
  checkWindowSize,
  closedWindows,
  formatWindow,
  HOUR_MS,
  iso,
  periodBounds,
  periodOf,
  toMs,
  windowOf,
} from './windows.ts';

const T = (s: string) => Date.parse(s);

describe('windowOf', () => {
  it('aligns to the UTC hour, start inclusive, end exclusive', () => {
    expect(formatWindow(windowOf('2026-11-25T20:33:38.123Z'))).toEqual({
      start: '2026-11-25T20:00:00.000Z',
      end: '2026-11-25T21:00:00.000Z',
    });
    // Exactly on the boundary: the new window.
    expect(windowOf('2026-11-25T21:00:00Z').start).toBe(T('2026-11-25T21:00:00Z'));
    // One ms before: the old one.
    expect(windowOf(T('2026-11-25T21:00:00Z') - 1).start).toBe(T('2026-11-25T20:00:00Z'));
  });

  it('reads offsets but works in UTC, so DST never changes a window', () => {
    // 2026-03-29 01:00 UTC: Europe switches to summer time; 2026-11-01: US falls back.
    expect(iso(windowOf('2026-03-29T03:30:00+02:00').start)).toBe('2026-03-29T01:00:00.000Z');
    const day = closedWindows('2026-11-01T00:00:00Z', '2026-11-02T00:00:00Z');
    expect(day).toHaveLength(24);
    for (const w of day) expect(w.end - w.start).toBe(HOUR_MS);
    const eu = closedWindows('2026-03-29T00:00:00Z', '2026-03-30T00:00:00Z');
    expect(eu).toHaveLength(24);
  });

  it('handles times before 1970 and refuses invalid instants', () => {
    expect(iso(windowOf(-1).start)).toBe('1969-12-31T23:00:00.000Z');
    expect(() => toMs('not a time')).toThrow(RangeError);
    expect(() => toMs(1.5)).toThrow(RangeError);
  });
});

describe('closedWindows', () => {
  it('never returns the open window', () => {
    expect(closedWindows('2026-11-25T20:00:00Z', '2026-11-25T20:59:59.999Z')).toEqual([]);
    const ws = closedWindows('2026-11-25T18:00:00Z', '2026-11-25T20:10:00Z');
    expect(ws.map((w) => iso(w.start))).toEqual(['2026-11-25T18:00:00.000Z', '2026-11-25T19:00:00.000Z']);
  });

  it('a window ending exactly at now is closed', () => {
    const ws = closedWindows('2026-11-25T18:00:00Z', '2026-11-25T20:00:00Z');
    expect(ws.map((w) => iso(w.end))).toEqual(['2026-11-25T19:00:00.000Z', '2026-11-25T20:00:00.000Z']);
  });

  it('is empty when now is before the watermark, ordered and contiguous otherwise', () => {
    expect(closedWindows('2026-11-25T20:00:00Z', '2026-11-25T10:00:00Z')).toEqual([]);
    const ws = closedWindows('2026-11-30T22:00:00Z', '2026-12-01T03:00:00Z');
    expect(ws).toHaveLength(5);
    for (let i = 1; i < ws.length; i++) expect(ws[i]?.start).toBe(ws[i - 1]?.end);
  });
});

describe('periods', () => {
  it('maps instants to UTC months and back', () => {
    expect(periodOf('2026-11-30T23:59:59.999Z')).toBe('2026-11');
    expect(periodOf('2026-12-01T00:00:00Z')).toBe('2026-12');
    expect(periodOf('2026-12-01T00:30:00+01:00')).toBe('2026-11');
    expect(formatWindow(periodBounds('2026-12'))).toEqual({
      start: '2026-12-01T00:00:00.000Z',
      end: '2027-01-01T00:00:00.000Z',
    });
    expect(() => periodBounds('2026-13')).toThrow(RangeError);
    expect(() => periodBounds('2026-1')).toThrow(RangeError);
  });
});

describe('shorter windows', () => {
  it('accepts sizes that divide a day and aligns windows to them', () => {
    expect(checkWindowSize(2000)).toBe(2000);
    expect(checkWindowSize(HOUR_MS)).toBe(HOUR_MS);
    for (const bad of [0, 999, 7000, 1.5e3 + 0.5, 5 * HOUR_MS])
      expect(() => checkWindowSize(bad)).toThrow(RangeError);
    expect(windowOf('2026-11-25T10:00:03.500Z', 2000)).toEqual({
      start: Date.parse('2026-11-25T10:00:02Z'),
      end: Date.parse('2026-11-25T10:00:04Z'),
    });
    const ws = closedWindows('2026-11-25T10:00:01Z', '2026-11-25T10:00:09Z', 2000);
    expect(ws.map((w) => iso(w.start).slice(17, 19))).toEqual(['00', '02', '04', '06']);
  });
});
