import type { MeteringRecord } from '../api/v1alpha1/index.ts';
import { actorOf } from './activation.ts';
import { type GrowthEvent, GrowthEventType, growthEvent } from './events.ts';
import { isoWeek } from './weeks.ts';

/**
 * A tenant's activity, from real signals only: actions its admins took through the tenant API
 * (recorded in the growth log with who did them), usage metering found, and pods running in
 * its workload namespaces (sampled by the operator; a week with any is recorded in the log as
 * TenantActive, so cohorts can tell later which weeks a tenant was active in).
 */

/** What the tenant API records when an admin acts; each counts as activity. */
export const TENANT_ACTION_TYPES: ReadonlySet<string> = new Set([
  GrowthEventType.EvidenceExported,
  GrowthEventType.UsageViewed,
  GrowthEventType.NudgePreferencesChanged,
]);

/** Whether the event is an admin's action through the tenant API, attributed to someone. */
export function isTenantAction(e: GrowthEvent<unknown>): boolean {
  return TENANT_ACTION_TYPES.has(e.type) && actorOf(e) !== undefined;
}

/** Actions through the tenant API at or after `since`. */
export function tenantActionsSince(events: readonly GrowthEvent<unknown>[], since: number): number {
  return events.filter((e) => isTenantAction(e) && Date.parse(e.time) >= since).length;
}

/** Whether metering recorded usage (a non-zero quantity) in an interval ending after `since`. */
export function meteredSince(records: readonly MeteringRecord[], since: number): boolean {
  return records.some((r) => Date.parse(r.end) > since && Number.parseFloat(String(r.quantity)) > 0);
}

export interface ActiveData {
  uid: string;
  week: string;
  runningNamespaces: number;
  meteredUsage: boolean;
}

/** The log entry for a week the operator saw the tenant active in: one per tenant and ISO week. */
export function activeEvent(
  tenant: string,
  at: string,
  data: Omit<ActiveData, 'week'>,
  origin: string,
): GrowthEvent<ActiveData> {
  const week = isoWeek(Date.parse(at));
  return growthEvent({
    tenant,
    type: GrowthEventType.TenantActive,
    key: `${data.uid}/${week}`,
    time: at,
    data: { ...data, week },
    origin,
  });
}

/** Times the tenant was active at (its uid tells it from an earlier tenant of the same name). */
export function activityTimes(
  events: readonly GrowthEvent<unknown>[],
  uid: string,
  created: number,
): number[] {
  return events
    .filter((e) =>
      e.type === GrowthEventType.TenantActive
        ? (e.data as Partial<ActiveData> | null)?.uid === uid
        : isTenantAction(e) && Date.parse(e.time) >= created,
    )
    .map((e) => Date.parse(e.time));
}
