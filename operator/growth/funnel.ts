import type { ActivationItemName } from '../api/v1alpha1/growth.ts';
import { DAY_MS } from '../metering/windows.ts';
import { isoSeconds } from '../runtime/clock.ts';
import { ACTIVATION_ITEMS, completedAt } from './activation.ts';
import type { TenantGrowth } from './tenant-growth.ts';
import { type CohortPeriod, cohortOf } from './weeks.ts';

/**
 * The activation funnel: per tenant, when each checklist item was done and whether the whole
 * checklist was done within 24 hours of signup; per cohort, the share that was — the plan's
 * "70 % of new tenants activate within 24 h", computed. A tenant younger than 24 hours that
 * has not finished yet is pending: it counts in neither part of the rate until its 24 hours
 * are up (one that finished early is decided, and counts as yes).
 */

/** The plan's target: this share of a cohort completes the checklist within 24 hours. */
export const TARGET_WITHIN_24H = 0.7;

export type Within24h = 'yes' | 'no' | 'pending';

export interface FunnelTenant {
  tenant: string;
  cohort: string;
  created: string;
  /** When each item was done, '' if not yet. */
  items: Record<ActivationItemName, string>;
  /** When the checklist was complete, '' if not yet. */
  completedAt: string;
  within24h: Within24h;
}

export interface FunnelCohort {
  cohort: string;
  tenants: number;
  /** Completed the checklist at all (so far). */
  completed: number;
  /** Completed within 24 hours of signup. */
  within24h: number;
  /** Whose outcome is known: completed within 24 hours, or 24 hours old without. */
  decided: number;
  pending: number;
  /** within24h / decided; null while nothing is decided. */
  rate: number | null;
}

export interface Funnel {
  asOf: string;
  cohortBy: CohortPeriod;
  target: number;
  cohorts: FunnelCohort[];
  tenants: FunnelTenant[];
}

function row(t: TenantGrowth, now: number, period: CohortPeriod): FunnelTenant {
  // As of `now`: what was done later is not done yet.
  const items = t.items.filter((c) => Date.parse(c.at) <= now);
  const done = new Map(items.map((c) => [c.item, c.at]));
  const complete = items.length === ACTIVATION_ITEMS.length ? completedAt(items) : '';
  const deadline = t.created + DAY_MS;
  const within24h: Within24h =
    complete && Date.parse(complete) <= deadline ? 'yes' : now >= deadline ? 'no' : 'pending';
  return {
    tenant: t.tenant,
    cohort: cohortOf(t.created, period),
    created: isoSeconds(t.created),
    items: Object.fromEntries(ACTIVATION_ITEMS.map((i) => [i, done.get(i) ?? ''])) as Record<
      ActivationItemName,
      string
    >,
    completedAt: complete,
    within24h,
  };
}

/** The funnel as of `now`, of the tenants that signed up at or after `since`, oldest cohort first. */
export function activationFunnel(
  tenants: readonly TenantGrowth[],
  opts: { now: number; period: CohortPeriod; since?: number | undefined },
): Funnel {
  const rows = tenants
    .filter((t) => !Number.isNaN(t.created) && (opts.since === undefined || t.created >= opts.since))
    .sort((a, b) => a.created - b.created || a.tenant.localeCompare(b.tenant))
    .map((t) => row(t, opts.now, opts.period));
  const cohorts = new Map<string, FunnelCohort>();
  for (const r of rows) {
    const c = cohorts.get(r.cohort) ?? {
      cohort: r.cohort,
      tenants: 0,
      completed: 0,
      within24h: 0,
      decided: 0,
      pending: 0,
      rate: null,
    };
    c.tenants++;
    if (r.completedAt) c.completed++;
    if (r.within24h === 'yes') c.within24h++;
    if (r.within24h === 'pending') c.pending++;
    else c.decided++;
    c.rate = c.decided ? c.within24h / c.decided : null;
    cohorts.set(r.cohort, c);
  }
  return {
    asOf: isoSeconds(opts.now),
    cohortBy: opts.period,
    target: TARGET_WITHIN_24H,
    cohorts: [...cohorts.values()],
    tenants: rows,
  };
}
