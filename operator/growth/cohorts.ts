import { DAY_MS } from '../metering/windows.ts';
import { ACTIVATION_ITEMS, completedAt } from './activation.ts';
import type { TenantGrowth } from './tenant-growth.ts';
import { isoWeek, WEEK_MS, weekStart, weeksAfter } from './weeks.ts';

/**
 * Cohorts by signup week: how many of a week's new tenants completed the activation checklist
 * (at all, and within 24 hours), and retention: the share of the cohort active in week N after
 * signup (week 0 is the signup week). A week that has not begun yet has no retention figure.
 */

export interface CohortRow {
  /** ISO week of signup, `YYYY-Www`. */
  cohort: string;
  tenants: number;
  activated: number;
  activatedWithin24h: number;
  /** Active tenants in week 0, 1, ... after signup; null for weeks that have not begun. */
  active: Array<number | null>;
}

/** The cohorts of the tenants, oldest first, with retention for `weeks` weeks (0 to weeks-1). */
export function cohortTable(
  tenants: readonly TenantGrowth[],
  opts: { now: number; weeks: number; since?: number | undefined },
): CohortRow[] {
  const byCohort = new Map<string, TenantGrowth[]>();
  for (const t of [...tenants].sort((a, b) => a.created - b.created)) {
    if (Number.isNaN(t.created) || (opts.since !== undefined && t.created < opts.since)) continue;
    const key = isoWeek(t.created);
    byCohort.set(key, [...(byCohort.get(key) ?? []), t]);
  }
  return [...byCohort.entries()].map(([cohort, members]) => {
    const start = weekStart(members[0]?.created ?? 0);
    const complete = members.map((t) => {
      const at = t.items.length === ACTIVATION_ITEMS.length ? Date.parse(completedAt(t.items)) : undefined;
      return at !== undefined && at <= opts.now ? at : undefined;
    });
    const active = Array.from({ length: opts.weeks }, (_, n) =>
      start + n * WEEK_MS > opts.now
        ? null
        : members.filter((t) => t.activeAt.some((at) => at <= opts.now && weeksAfter(t.created, at) === n))
            .length,
    );
    return {
      cohort,
      tenants: members.length,
      activated: complete.filter((c) => c !== undefined).length,
      activatedWithin24h: complete.filter(
        (c, i) => c !== undefined && c <= (members[i]?.created ?? 0) + DAY_MS,
      ).length,
      active,
    };
  });
}

/** A share as a fraction of the cohort, 0-1. */
export const share = (part: number, row: CohortRow) => (row.tenants ? part / row.tenants : 0);
