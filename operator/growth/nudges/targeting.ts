import type { PolicyProfile } from '../../api/v1alpha1/common.ts';
import type { HealthBand } from '../../api/v1alpha1/growth.ts';
import type { TenantFacts } from './rules.ts';

/**
 * Which tenants get a nudge, and how often, as the platform team configures it. Every filter
 * left out matches every tenant; a filter on data a tenant does not have yet (no health band,
 * no checklist) does not match it, so nobody is nudged on a guess.
 */
export interface Targeting {
  /** Off: the nudge never fires. */
  enabled: boolean;
  /** Tenant age before the nudge may fire, ms. */
  afterMs: number;
  /** Tenant age from which it no longer fires, ms (unset: never stops). */
  untilMs?: number | undefined;
  /** Frequency cap: at most one delivery of the nudge per tenant this often, ms; also the reminder period while it holds. */
  everyMs: number;
  profiles?: readonly PolicyProfile[] | undefined;
  healthBands?: readonly HealthBand[] | undefined;
  /** Signup weeks, ISO 8601 (`2026-W49`). */
  cohorts?: readonly string[] | undefined;
  /** Only tenants whose activation checklist is complete, or incomplete. */
  checklist?: 'complete' | 'incomplete' | undefined;
}

/** The ISO 8601 week a time falls in (`2026-W49`, weeks start on Monday, week 1 holds 4 January). */
export function signupWeek(ms: number): string {
  const d = new Date(ms);
  const date = Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), d.getUTCDate());
  const weekday = (d.getUTCDay() + 6) % 7;
  // The Thursday of this week decides the year the week belongs to.
  const thursday = new Date(date + (3 - weekday) * 86_400_000);
  const year = thursday.getUTCFullYear();
  const week = 1 + Math.floor((thursday.getTime() - Date.UTC(year, 0, 1)) / (7 * 86_400_000));
  return `${year}-W${String(week).padStart(2, '0')}`;
}

export interface Targeted {
  yes: boolean;
  /** When the tenant's age moves it in or out of the target (ms). */
  changesAt?: number | undefined;
}

export function targets(t: Targeting, f: TenantFacts, now: number): Targeted {
  if (!t.enabled) return { yes: false };
  if (t.profiles && !t.profiles.includes(f.profile)) return { yes: false };
  if (t.healthBands && !(f.healthBand && t.healthBands.includes(f.healthBand))) return { yes: false };
  if (t.cohorts && !t.cohorts.includes(signupWeek(f.createdAt))) return { yes: false };
  if (t.checklist) {
    if (!f.activation) return { yes: false };
    const complete = f.activation.completedAt !== undefined;
    if (complete !== (t.checklist === 'complete')) return { yes: false };
  }
  const from = f.createdAt + t.afterMs;
  if (now < from) return { yes: false, changesAt: from };
  if (t.untilMs === undefined) return { yes: true };
  const until = f.createdAt + t.untilMs;
  return now < until ? { yes: true, changesAt: until } : { yes: false };
}

/** Whether any nudge targets by health band: only then does a moving band change what is in force. */
export const targetsByHealthBand = (nudges: Readonly<Record<string, Targeting>>): boolean =>
  Object.values(nudges).some((t) => t.enabled && t.healthBands !== undefined);
