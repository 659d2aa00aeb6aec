/**
 * Metering windows: half-open `[start, end)` intervals of one UTC hour, aligned to the hour.
 *
 * Everything is epoch milliseconds (integers) in UTC, so daylight-saving changes and local
 * time zones never move a window: every window is exactly 3 600 000 ms long.
 *
 * Shorter windows (`size`, a whole number of milliseconds that divides a day) exist for
 * trials and tests that cannot wait an hour for a window to close; they are aligned the
 * same way, to multiples of their size since the epoch.
 */

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Refuses a window size that is not a whole number of milliseconds dividing a day. */
export function checkWindowSize(size: number): number {
  if (!Number.isSafeInteger(size) || size < 1000 || DAY_MS % size !== 0) {
    throw new RangeError(`a metering window must be at least 1s and divide 24h evenly, got ${size} ms`);
  }
  return size;
}

/** A half-open window `[start, end)` in epoch milliseconds. */
export interface Window {
  start: number;
  end: number;
}

/** An instant as epoch milliseconds or an RFC 3339 / ISO 8601 string. */
export type Instant = number | string;

/** Epoch milliseconds of an instant; refuses what is not a finite integer time. */
export function toMs(t: Instant): number {
  const ms = typeof t === 'number' ? t : Date.parse(t);
  if (!Number.isSafeInteger(ms)) throw new RangeError(`not a valid instant: ${String(t)}`);
  return ms;
}

/** ISO 8601 UTC with milliseconds, e.g. `2026-11-25T20:00:00.000Z`. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** The window containing `t` (a time exactly on a boundary starts a new window). */
export function windowOf(t: Instant, size = HOUR_MS): Window {
  const ms = toMs(t);
  const start = Math.floor(ms / size) * size;
  return { start, end: start + size };
}

/**
 * The windows that start at or after `fromWatermark` (floored to its hour) and have fully
 * ended at or before `now`, in order. The window containing `now` is still open and is
 * never returned (a window ending exactly at `now` is closed: its end is exclusive).
 */
export function closedWindows(fromWatermark: Instant, now: Instant, size = HOUR_MS): Window[] {
  const from = windowOf(fromWatermark, size).start;
  const openStart = windowOf(now, size).start;
  const out: Window[] = [];
  for (let s = from; s + size <= openStart; s += size) out.push({ start: s, end: s + size });
  return out;
}

/** `{ start, end }` as ISO strings, the form windows take in records and ConfigMaps. */
export function formatWindow(w: Window): { start: string; end: string } {
  return { start: iso(w.start), end: iso(w.end) };
}

/** Billing period (`YYYY-MM`, UTC) an instant falls in; a window belongs to the period of its start. */
export function periodOf(t: Instant): string {
  return iso(toMs(t)).slice(0, 7);
}

const PERIOD = /^(\d{4})-(0[1-9]|1[0-2])$/;

/** `[start, end)` of a `YYYY-MM` billing period, in epoch milliseconds (UTC). */
export function periodBounds(period: string): Window {
  const m = PERIOD.exec(period);
  if (!m) throw new RangeError(`billing period must be YYYY-MM: ${period}`);
  const y = Number(m[1]);
  const mo = Number(m[2]) - 1;
  return { start: Date.UTC(y, mo, 1), end: Date.UTC(y, mo + 1, 1) };
}
