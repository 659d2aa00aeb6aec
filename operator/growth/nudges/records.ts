import type { TenantOwner } from '../../api/v1alpha1/tenant.ts';
import { type GrowthEvent, GrowthEventType, growthEvent } from '../events.ts';

/**
 * The delivery log of nudges, kept in the tenant's durable growth log: one record per channel
 * and attempt (GrowthEventType.NudgeDelivery), and the CloudEvent a nudge is delivered as.
 * Ids are derived, so a delivery repeated after a crash is the same event to a receiver and
 * the same record in the log.
 */

/** Type of the CloudEvent webhooks receive for a nudge. */
export const NUDGE_EVENT_TYPE = 'dev.tenantry.nudge';

export type DeliveryOutcome = 'sent' | 'failed' | 'suppressed';
export type SuppressionReason = 'optOut' | 'cap' | 'quiet';

/** One delivery attempt of one nudge on one channel. */
export interface NudgeDelivery {
  /** Id of the nudge's CloudEvent, the receivers' idempotency key. */
  eventId: string;
  nudge: string;
  /** `event` (Kubernetes Events) or `webhook:<receiver>`. */
  channel: string;
  /** 1, 2, ... per event and channel; suppressions count as attempts. */
  attempt: number;
  outcome: DeliveryOutcome;
  /** The receiver's HTTP status, when it answered. */
  httpStatus?: number;
  /** Why a failed attempt failed, when no HTTP status says it. */
  error?: string;
  reason?: SuppressionReason;
  /** When this delivery of the nudge fell due. */
  dueAt: string;
  /** Since when the nudge's trigger holds. */
  since: string;
  /** quiet: the end of the quiet period; the delivery is made then. */
  quietUntil?: string;
  /** optOut: who opted out and when (a tenant admin, or the platform through spec.nudges.optOut). */
  optedOutBy?: string;
  optedOutAt?: string;
  /** sent: whom the payload named (the tenant's owners). */
  recipients?: string[];
}

/** Whom a nudge is for: the tenant's owners, exactly as spec.owners names them. */
export interface Recipient {
  kind: 'User' | 'Group' | 'ServiceAccount';
  name: string;
  namespace?: string;
}

/** What a webhook receives about a nudge (the CloudEvent's data). */
export interface NudgeNotice {
  tenant: string;
  nudge: string;
  message: string;
  since: string;
  dueAt: string;
  /** The tenant's owners: only they are to be nudged. */
  recipients: Recipient[];
}

export const recipientsOf = (owners: readonly TenantOwner[]): Recipient[] =>
  owners.map((o) => ({
    kind: o.kind ?? 'User',
    name: o.name,
    ...(o.namespace ? { namespace: o.namespace } : {}),
  }));

export const recipientName = (r: Recipient) => `${r.kind}:${r.namespace ? `${r.namespace}/` : ''}${r.name}`;

/** The CloudEvent of a nudge falling due: its id and time come from the due time, so a retry is the same event. */
export function nudgeEvent(origin: string, notice: NudgeNotice): GrowthEvent<NudgeNotice> {
  return growthEvent({
    tenant: notice.tenant,
    type: NUDGE_EVENT_TYPE,
    key: `${notice.nudge}@${notice.dueAt}`,
    time: notice.dueAt,
    data: notice,
    origin,
  });
}

/** The id `nudgeEvent` gives, without building the event. */
export function nudgeEventId(tenant: string, nudge: string, dueAt: string): string {
  return nudgeEvent('', { tenant, nudge, message: '', since: '', dueAt, recipients: [] }).id;
}

export function deliveryRecord(
  tenant: string,
  origin: string,
  d: NudgeDelivery,
  at: string,
): GrowthEvent<NudgeDelivery> {
  return growthEvent({
    tenant,
    type: GrowthEventType.NudgeDelivery,
    key: `${d.eventId}/${d.channel}/${d.attempt}`,
    time: at,
    data: d,
    origin,
  });
}

export function deliveriesIn(events: readonly GrowthEvent<unknown>[]): GrowthEvent<NudgeDelivery>[] {
  return events.filter((e): e is GrowthEvent<NudgeDelivery> => e.type === GrowthEventType.NudgeDelivery);
}

/** What status.nudges says of a nudge's deliveries: when last sent, and whether the latest decision was to hold it back. */
export function deliverySummary(
  records: readonly GrowthEvent<NudgeDelivery>[],
  nudge: string,
): { lastDeliveredAt?: string; suppressed?: SuppressionReason } {
  let lastDeliveredAt: string | undefined;
  let latest: GrowthEvent<NudgeDelivery> | undefined;
  for (const r of records) {
    if (r.data.nudge !== nudge || r.data.outcome === 'failed') continue;
    if (r.data.outcome === 'sent' && (!lastDeliveredAt || r.time > lastDeliveredAt)) lastDeliveredAt = r.time;
    if (!latest || r.time >= latest.time) latest = r;
  }
  const suppressed = latest?.data.outcome === 'suppressed' ? latest.data.reason : undefined;
  return { ...(lastDeliveredAt ? { lastDeliveredAt } : {}), ...(suppressed ? { suppressed } : {}) };
}
