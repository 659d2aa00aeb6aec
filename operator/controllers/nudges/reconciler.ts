import type { Tenant } from '../../api/v1alpha1/index.ts';
import { appendEvents } from '../../growth/log.ts';
import type { GrowthLogIndex } from '../../growth/log-index.ts';
import type { NudgeSettings } from '../../growth/nudges/config.ts';
import { optOutOf } from '../../growth/nudges/opt-out.ts';
import { quietUntil } from '../../growth/nudges/quiet.ts';
import {
  deliveriesIn,
  deliveryRecord,
  type NudgeDelivery,
  nudgeEvent,
  recipientName,
  recipientsOf,
} from '../../growth/nudges/records.ts';
import { type Decision, planDeliveries, type Schedule, waitUntil } from '../../growth/nudges/schedule.ts';
import type { PostResult, WebhookSender } from '../../growth/nudges/webhook.ts';
import { preferencesName, preferencesOf } from '../../growth/preferences.ts';
import { type Clock, isoTime } from '../../runtime/clock.ts';
import type { ReconcileContext, Reconciler, Request, Result } from '../../runtime/controller.ts';
import type { Cache } from '../../runtime/informer.ts';
import type { KubeClient } from '../../runtime/kube/client.ts';
import type { ConfigMap } from '../../runtime/kube/core.ts';
import { objectKey } from '../../runtime/kube/resource.ts';
import { EVENT_CHANNEL, sendEvents, webhookChannel } from './channels.ts';
import type { NudgeMetrics } from './metrics.ts';

export interface NudgeDeliveryDeps {
  client: KubeClient;
  clock: Clock;
  /** The operator's namespace: the growth log and preferences live there; the CloudEvents' origin. */
  namespace: string;
  tenants: Cache<Tenant>;
  preferences: Cache<ConfigMap>;
  log: GrowthLogIndex;
  settings: NudgeSettings;
  senders: ReadonlyMap<string, WebhookSender>;
  metrics: NudgeMetrics;
}

/** Rounds of plan-and-deliver per reconcile: a delivery can make the next one due at once (a reminder long overdue). */
const MAX_ROUNDS = 3;

/**
 * Delivers the nudges in force (status.nudges, which the tenant controller writes) on every
 * channel: Events and the platform's webhooks. It writes no status: each delivery, failure and
 * suppression becomes a record in the tenant's growth log, which the tenant controller reads
 * back. What is due is decided from that log alone (nudge-schedule.ts), so a crash between a
 * delivery and its record repeats the delivery with the same event id, which receivers drop.
 */
export class NudgeDeliveryReconciler implements Reconciler {
  private readonly deps: NudgeDeliveryDeps;
  private readonly channels: string[];

  constructor(deps: NudgeDeliveryDeps) {
    this.deps = deps;
    this.channels = [EVENT_CHANNEL, ...[...deps.senders.keys()].map(webhookChannel)];
  }

  async reconcile(req: Request, ctx: ReconcileContext): Promise<Result | undefined> {
    const tenant = this.deps.tenants.get(req.key);
    const active = tenant?.status?.nudges?.active ?? [];
    if (!tenant || tenant.metadata.deletionTimestamp || !active.length) return undefined;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const plan = this.plan(tenant);
      if (!plan.decisions.length) return this.wake(plan);
      for (const d of plan.decisions) {
        if (ctx.signal.aborted) return undefined;
        await this.carryOut(tenant, d);
      }
    }
    return { requeueAfterMs: 1000 };
  }

  private plan(tenant: Tenant): Schedule {
    const { deps } = this;
    const name = tenant.metadata.name ?? '';
    const prefs = preferencesOf(deps.preferences.get(objectKey(deps.namespace, preferencesName(name))));
    return planDeliveries({
      tenant: name,
      active: tenant.status?.nudges?.active ?? [],
      records: deliveriesIn(deps.log.events(name)),
      channels: this.channels,
      everyMs: (n) => deps.settings.nudges[n as keyof NudgeSettings['nudges']]?.everyMs ?? 0,
      optOut: optOutOf(tenant, prefs),
      quietUntil: (now) => quietUntil(deps.settings.quiet, now),
      retry: deps.settings.retry,
      now: deps.clock.now(),
    });
  }

  private wake(plan: Schedule): Result | undefined {
    return plan.wakeAt === undefined
      ? undefined
      : { requeueAfterMs: waitUntil(plan.wakeAt, this.deps.clock.now()) };
  }

  private async carryOut(tenant: Tenant, d: Decision): Promise<void> {
    const { deps } = this;
    const name = tenant.metadata.name ?? '';
    const { occurrence } = d;
    const base = {
      eventId: occurrence.eventId,
      nudge: occurrence.nudge,
      channel: d.channel,
      attempt: d.attempt,
      dueAt: occurrence.dueAt,
      since: occurrence.since,
    };
    let record: NudgeDelivery;
    if (d.action === 'suppress') {
      const { reason, quietUntil, optedOutBy, optedOutAt } = d;
      record = {
        ...base,
        outcome: 'suppressed',
        reason,
        ...(quietUntil ? { quietUntil } : {}),
        ...(optedOutBy ? { optedOutBy } : {}),
        ...(optedOutAt ? { optedOutAt } : {}),
      };
    } else {
      // Admin-only: the payload names the tenant's owners as its recipients, nobody else.
      const recipients = recipientsOf(tenant.spec.owners);
      const message = tenant.status?.nudges?.active.find((a) => a.name === occurrence.nudge)?.message ?? '';
      const { nudge, since, dueAt } = occurrence;
      const event = nudgeEvent(deps.namespace, { tenant: name, nudge, since, dueAt, message, recipients });
      const result = await this.send(tenant, d.channel, event);
      record = result.ok
        ? { ...base, outcome: 'sent', ...httpStatus(result), recipients: recipients.map(recipientName) }
        : {
            ...base,
            outcome: 'failed',
            ...httpStatus(result),
            ...(result.status ? {} : { error: result.error }),
          };
    }
    const logged = deliveryRecord(name, deps.namespace, record, isoTime(deps.clock));
    const added = await appendEvents(deps.client, deps.namespace, name, [logged]);
    deps.log.remember(name, logged);
    if (added) deps.metrics.logged(record);
  }

  private send(tenant: Tenant, channel: string, event: ReturnType<typeof nudgeEvent>): Promise<PostResult> {
    const { deps } = this;
    if (channel === EVENT_CHANNEL) return sendEvents(deps.client, tenant, event, isoTime(deps.clock));
    const sender = deps.senders.get(channel.slice(webhookChannel('').length));
    if (!sender) return Promise.resolve({ ok: false, error: `no receiver for channel ${channel}` });
    return sender.post(event, deps.clock.now());
  }
}

const httpStatus = (r: PostResult) => (r.status ? { httpStatus: r.status } : {});
