import type { ActiveNudge, NudgesStatus } from '../../api/v1alpha1/growth.ts';
import { isoSeconds } from '../../runtime/clock.ts';
import type { GrowthEvent } from '../events.ts';
import type { NudgeSettings } from './config.ts';
import { deliverySummary, type NudgeDelivery } from './records.ts';
import { NUDGE_NAMES, type TenantFacts, trigger } from './rules.ts';
import { targets } from './targeting.ts';

export interface NudgesResult {
  status: NudgesStatus;
  /** When time alone changes what is in force (a tenant ages into a target, an export gets old), ms. */
  changesAt?: number;
  /** Nudges in force before whose condition is now met (not those merely no longer targeted). */
  resolved: ActiveNudge[];
}

/**
 * The nudges in force for a tenant: those it is targeted by whose trigger holds, each since the
 * time it began to hold (kept from the previous status while it holds on), with when it was last
 * delivered and whether deliveries are held back, from the delivery log. A nudge whose
 * condition is met drops out: it resolved. Pure, and the same for the same inputs, so an idle
 * tenant's status never changes.
 */
export function nudgesStatus(input: {
  facts: TenantFacts;
  settings: NudgeSettings;
  previous: NudgesStatus | undefined;
  deliveries: readonly GrowthEvent<NudgeDelivery>[];
  now: number;
}): NudgesResult {
  const { facts, settings, now } = input;
  const active: ActiveNudge[] = [];
  const resolved: ActiveNudge[] = [];
  const boundaries: number[] = [];
  for (const name of NUDGE_NAMES) {
    const t = trigger(name, facts, settings.params, now);
    if (t.changesAt !== undefined) boundaries.push(t.changesAt);
    const before = input.previous?.active.find((a) => a.name === name);
    if (!t.holds) {
      if (before) resolved.push(before);
      continue;
    }
    // An age boundary matters only to a nudge whose trigger holds; any other change of the
    // trigger comes with a change of its inputs, which brings the tenant back anyway.
    const targeted = targets(settings.nudges[name], facts, now);
    if (targeted.changesAt !== undefined) boundaries.push(targeted.changesAt);
    if (!targeted.yes) continue;
    active.push({
      name,
      since: before?.since ?? isoSeconds(now),
      message: t.message,
      ...deliverySummary(input.deliveries, name),
    });
  }
  const future = boundaries.filter((b) => b > now);
  return { status: { active }, resolved, ...(future.length ? { changesAt: Math.min(...future) } : {}) };
}
