import { canonicalJson } from '../evidence/statement.ts';
import { type GrowthEvent, GrowthEventType, growthEvent } from '../growth/events.ts';
import { isoSeconds } from '../runtime/clock.ts';
import type { Identity } from './authenticate.ts';
import type { TenantApiResourceName } from './names.ts';

/**
 * What the growth log keeps of an action through the tenant API: who (as the API server
 * authenticated her), what, and the digest of the document handed out or written. When is the
 * event's time.
 */
export interface TenantApiEventData {
  by: string;
  groups: string[];
  /** `get evidence`, `get usage`, `update nudgepreferences`. */
  action: string;
  /** The `digest` of the document handed out (a view) or of the preferences written (a change). */
  digest: string;
  /** The period of a usage view. */
  period?: string;
  /** How many pieces of evidence or invoice lines were handed out. */
  items?: number;
}

const VIEW_TYPES = {
  evidence: GrowthEventType.EvidenceExported,
  usage: GrowthEventType.UsageViewed,
} as const;

/** The hour a time falls in, `YYYY-MM-DDTHH` (UTC). */
const hourOf = (ms: number) => new Date(ms).toISOString().slice(0, 13);

/**
 * A view of evidence or usage. The same user viewing the same resource in the same UTC hour is
 * the same event, whatever the period asked for, so a script polling usage (or walking through
 * every period there is) adds one event an hour, not one a request: the log keeps the first
 * time, period and digest of the hour.
 */
export function viewEvent(v: {
  tenant: string;
  resource: keyof typeof VIEW_TYPES;
  who: Identity;
  digest: string;
  items: number;
  period?: string;
  now: number;
  origin: string;
}): GrowthEvent<TenantApiEventData> {
  return growthEvent({
    tenant: v.tenant,
    type: VIEW_TYPES[v.resource],
    key: canonicalJson({ user: v.who.user, resource: v.resource, hour: hourOf(v.now) }),
    time: isoSeconds(v.now),
    origin: v.origin,
    data: {
      by: v.who.user,
      groups: v.who.groups,
      action: `get ${v.resource}`,
      digest: v.digest,
      items: v.items,
      ...(v.period ? { period: v.period } : {}),
    },
  });
}

/** A change of the nudge preferences: each is its own event (its time and what it set). */
export function changeEvent(c: {
  tenant: string;
  resource: Extract<TenantApiResourceName, 'nudgepreferences'>;
  who: Identity;
  digest: string;
  now: number;
  origin: string;
}): GrowthEvent<TenantApiEventData> {
  return growthEvent({
    tenant: c.tenant,
    type: GrowthEventType.NudgePreferencesChanged,
    // Keyed to the millisecond: two changes within a second are two events.
    key: canonicalJson({ user: c.who.user, at: new Date(c.now).toISOString(), digest: c.digest }),
    time: isoSeconds(c.now),
    origin: c.origin,
    data: { by: c.who.user, groups: c.who.groups, action: `update ${c.resource}`, digest: c.digest },
  });
}
