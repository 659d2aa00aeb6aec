import type { ActivationItem, ActivationItemName, ActivationStatus } from '../api/v1alpha1/growth.ts';
import type { TenantOwner } from '../api/v1alpha1/index.ts';
import { type GrowthEvent, GrowthEventType, growthEvent } from './events.ts';

/**
 * The activation checklist, computed from what really happened and never from a status field:
 * each item is done by an attributable event (IdentityConnected=True as the operator's own
 * checks decided it, an approval admission stamped, an evidence export or a usage view the
 * tenant API recorded for an authenticated admin). Its memory is the growth log: the operator
 * records each item there the first time it sees it done, so an item stays done when its
 * source goes away (the identity provider breaks, the approved add-on is deleted) or the
 * operator restarts, while a done item written into status by hand is simply overwritten.
 */

export const ACTIVATION_ITEMS: readonly ActivationItemName[] = [
  'identityConnected',
  'firstApproval',
  'firstEvidenceExport',
  'firstUsageView',
];

/** An item done: when, and by whom as the API server authenticated them ('' for the operator's own observations). */
export interface Completion {
  item: ActivationItemName;
  at: string;
  by: string;
}

/** What the tenant API records with an action: the admin who did it, and her groups. */
export interface TenantActionData {
  by?: unknown;
  groups?: unknown;
}

/** What completes items, as the operator sees it now. */
export interface ActivationSources {
  tenant: string;
  /** Events of an earlier tenant of the same name do not count: only those after this one's creation. */
  created: string;
  /** When IdentityConnected became True, if it is True now. */
  identityConnectedAt?: string | undefined;
  /** Approvals of the tenant's add-ons as the AddOn controller recorded them from admission's stamp. */
  approvals: ReadonlyArray<{ approvedBy?: string | undefined; approvedAt?: string | undefined }>;
  /** The tenant's growth log, oldest first. */
  events: readonly GrowthEvent<unknown>[];
  /** spec.owners: only their actions count (not a platform admin's look at the tenant). */
  owners: readonly TenantOwner[];
}

const ACTION_ITEMS: ReadonlyArray<[string, ActivationItemName]> = [
  [GrowthEventType.EvidenceExported, 'firstEvidenceExport'],
  [GrowthEventType.UsageViewed, 'firstUsageView'],
];

const ms = (t: string) => Date.parse(t);

/** The admin an action event names, if it names one. */
export function actorOf(e: GrowthEvent<unknown>): string | undefined {
  const by = (e.data as TenantActionData | null)?.by;
  return typeof by === 'string' && by !== '' ? by : undefined;
}

/**
 * Whether the action was the tenant's own admins': its user is an owner (a User, or a
 * ServiceAccount as the API server names it) or is in an owner Group, as authenticated.
 */
export function byOwner(e: GrowthEvent<unknown>, owners: readonly TenantOwner[]): boolean {
  const by = actorOf(e);
  if (by === undefined) return false;
  const raw = (e.data as TenantActionData | null)?.groups;
  const groups = Array.isArray(raw) ? raw.filter((g): g is string => typeof g === 'string') : [];
  return owners.some((o) => {
    if (o.kind === 'Group') return groups.includes(o.name);
    if (o.kind === 'ServiceAccount') return by === `system:serviceaccount:${o.namespace ?? ''}:${o.name}`;
    return by === o.name;
  });
}

/** Items the sources show done now, each with its earliest attributable event. */
export function observedCompletions(s: ActivationSources): Completion[] {
  const out: Completion[] = [];
  if (s.identityConnectedAt) out.push({ item: 'identityConnected', at: s.identityConnectedAt, by: '' });
  const approval = s.approvals
    .filter((a): a is { approvedBy: string; approvedAt: string } => Boolean(a.approvedBy && a.approvedAt))
    .sort((a, b) => ms(a.approvedAt) - ms(b.approvedAt))[0];
  if (approval) out.push({ item: 'firstApproval', at: approval.approvedAt, by: approval.approvedBy });
  const created = ms(s.created);
  for (const [type, item] of ACTION_ITEMS) {
    const first = s.events.find(
      (e) => e.type === type && e.subject === s.tenant && ms(e.time) >= created && byOwner(e, s.owners),
    );
    if (first) out.push({ item, at: first.time, by: actorOf(first) ?? '' });
  }
  return out;
}

interface ItemDoneData {
  uid: string;
  item: ActivationItemName;
  by: string;
}

/** Items the growth log already records done for this tenant (by its uid). */
export function recordedCompletions(events: readonly GrowthEvent<unknown>[], uid: string): Completion[] {
  const out: Completion[] = [];
  for (const e of events) {
    if (e.type !== GrowthEventType.ActivationItemDone) continue;
    const d = e.data as Partial<ItemDoneData> | null;
    if (d?.uid !== uid || !d.item || !ACTIVATION_ITEMS.includes(d.item)) continue;
    if (out.some((c) => c.item === d.item)) continue;
    out.push({ item: d.item, at: e.time, by: typeof d.by === 'string' ? d.by : '' });
  }
  return out;
}

/**
 * The checklist: what the log records, plus what the sources show done that it does not
 * record yet (`fresh`: to be recorded now). Once recorded an item keeps its first time and
 * author, whatever the sources say later.
 */
export function activationChecklist(
  recorded: readonly Completion[],
  observed: readonly Completion[],
): { status: ActivationStatus; fresh: Completion[] } {
  const fresh = observed.filter((o) => !recorded.some((r) => r.item === o.item));
  const done = new Map([...recorded, ...fresh].map((c) => [c.item, c]));
  const items: ActivationItem[] = ACTIVATION_ITEMS.map((name) => {
    const c = done.get(name);
    return c ? { name, done: true, at: c.at, by: c.by } : { name, done: false };
  });
  const percent = Math.round((done.size * 100) / ACTIVATION_ITEMS.length);
  const status: ActivationStatus = { items, percent };
  if (done.size === ACTIVATION_ITEMS.length) status.completedAt = completedAt([...done.values()]);
  return { status, fresh };
}

/** When the last of the items was done. */
export function completedAt(items: readonly Completion[]): string {
  return items.reduce((last, c) => (ms(c.at) > ms(last) ? c.at : last), items[0]?.at ?? '');
}

/** The log entry that records an item done (its id derives from tenant uid and item: recorded once). */
export function itemDoneEvent(
  tenant: string,
  uid: string,
  c: Completion,
  origin: string,
): GrowthEvent<ItemDoneData> {
  return growthEvent({
    tenant,
    type: GrowthEventType.ActivationItemDone,
    key: `${uid}/${c.item}`,
    time: c.at,
    data: { uid, item: c.item, by: c.by },
    origin,
  });
}

/** The log entry that records the whole checklist done. */
export function checklistCompletedEvent(
  tenant: string,
  uid: string,
  at: string,
  seconds: number,
  origin: string,
): GrowthEvent<{ uid: string; seconds: number }> {
  return growthEvent({
    tenant,
    type: GrowthEventType.ActivationCompleted,
    key: uid,
    time: at,
    data: { uid, seconds },
    origin,
  });
}

/** Whole seconds from the tenant's creation to `at` (never negative). */
export function secondsSince(created: string, at: string): number {
  const c = ms(created);
  return Number.isNaN(c) ? 0 : Math.max(0, Math.round((ms(at) - c) / 1000));
}
