import { DAY_MS, periodOf } from '../metering/windows.ts';

/**
 * Calendar keys for cohorts and weekly activity, in UTC so every replica and the CLI group a
 * tenant alike: ISO 8601 weeks (`2026-W48`, Monday to Sunday, week 1 holds the year's first
 * Thursday) and months (`2026-11`).
 */

export const WEEK_MS = 7 * DAY_MS;

export type CohortPeriod = 'week' | 'month';

/** Start (Monday 00:00 UTC) of the ISO week holding `ms`. */
export function weekStart(ms: number): number {
  const day = Math.floor(ms / DAY_MS);
  // 1970-01-01 was a Thursday: day 0 is weekday 3 counting from Monday = 0.
  const weekday = (((day + 3) % 7) + 7) % 7;
  return (day - weekday) * DAY_MS;
}

/** The ISO week holding `ms`, as `YYYY-Www`. */
export function isoWeek(ms: number): string {
  // The week belongs to the year of its Thursday.
  const thursday = new Date(weekStart(ms) + 3 * DAY_MS);
  const year = thursday.getUTCFullYear();
  const firstThursdayWeek = weekStart(Date.UTC(year, 0, 4));
  const week = Math.round((weekStart(ms) - firstThursdayWeek) / WEEK_MS) + 1;
  return `${year}-W${String(week).padStart(2, '0')}`;
}

/** The cohort a signup at `ms` belongs to. */
export function cohortOf(ms: number, period: CohortPeriod): string {
  return period === 'week' ? isoWeek(ms) : periodOf(ms);
}

/** Week N after signup: 0 is the signup's ISO week, 1 the one after, and so on. */
export function weeksAfter(signup: number, at: number): number {
  return Math.round((weekStart(at) - weekStart(signup)) / WEEK_MS);
}
