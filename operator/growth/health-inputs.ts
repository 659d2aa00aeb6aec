import { TenantCondition } from '../api/conditions.ts';
import type { MeteringRecord, Tenant, TenantStatus } from '../api/v1alpha1/index.ts';
import { HOUR_MS } from '../metering/windows.ts';
import { meteredSince, tenantActionsSince } from './activity.ts';
import type { GrowthEvent } from './events.ts';
import { type HealthInputs, NUDGE_OVERDUE_MS } from './health.ts';

/** How far back activity signals (tenant API actions, metered usage) count. */
export const ACTIVITY_WINDOW_MS = 7 * 86_400_000;

/** What the operator counted in the tenant's namespaces at one instant. */
export interface ActivitySample {
  /** When, epoch ms. */
  at: number;
  workloadNamespaces: number;
  /** Workload namespaces with at least one pod in phase Running. */
  runningNamespaces: number;
  /** Requests Tenantry's admission refused in the tenant's namespaces in the hour before. */
  refusals: number;
}

export interface HealthSources {
  tenant: Tenant;
  /** The status as this reconcile found it so far (conditions, identity, activation, nudges). */
  status: Readonly<TenantStatus>;
  /** Whether the activation checklist runs (feature activationChecklist). */
  checklist: boolean;
  /** The latest sample; absent until the tenant's namespaces exist. */
  sample?: ActivitySample | undefined;
  /** The Entitlement's metering records; undefined when the tenant has no Entitlement. */
  records?: readonly MeteringRecord[] | undefined;
  /** The tenant's growth log. */
  events: readonly GrowthEvent<unknown>[];
  /** Now, epoch ms; time windows are measured from the sample (or the hour) so they move only hourly. */
  now: number;
}

/**
 * The health formula's inputs from the tenant's status, the latest sample and its growth log.
 * Windows end at the sample, not at now: between samples the inputs, and so the score, stay
 * put unless something really changes.
 */
export function healthInputs(s: HealthSources): HealthInputs {
  const { tenant, status, sample } = s;
  const asOf = sample?.at ?? Math.floor(s.now / HOUR_MS) * HOUR_MS;
  const since = asOf - ACTIVITY_WINDOW_MS;
  const condition = (type: string) => status.conditions?.find((c) => c.type === type);
  const checks = [...(status.identity?.checks ?? []), ...(status.identity?.scim ?? [])].filter(
    (c) => c.status !== 'skip',
  );
  const count = (st: string) => checks.filter((c) => c.status === st).length;
  const notSampled = { missing: "not sampled yet: counted once the tenant's namespaces exist, then hourly" };
  const domain = condition(TenantCondition.DomainVerified);
  const activation = status.activation;
  return {
    activation: !s.checklist
      ? { missing: 'the activation checklist is switched off (feature activationChecklist)' }
      : activation
        ? { done: activation.items.filter((i) => i.done).length, total: activation.items.length }
        : { missing: 'no activation checklist yet' },
    activity: sample
      ? {
          runningNamespaces: sample.runningNamespaces,
          workloadNamespaces: sample.workloadNamespaces,
          meteredUsage: s.records === undefined ? undefined : meteredSince(s.records, since),
          apiActions: tenantActionsSince(s.events, since),
        }
      : notSampled,
    identity: !tenant.spec.identity
      ? { missing: 'no identity provider (spec.identity)' }
      : checks.length
        ? { pass: count('pass'), warn: count('warn'), fail: count('fail') }
        : { missing: 'the identity checks have not run yet' },
    domain: !tenant.spec.domain
      ? { missing: 'no domain (spec.domain)' }
      : { verified: domain?.status === 'True', reason: domain?.reason },
    refusals: sample ? { count: sample.refusals } : notSampled,
    nudges: status.nudges
      ? {
          active: status.nudges.active.length,
          overdue: status.nudges.active.filter((n) => Date.parse(n.since) + NUDGE_OVERDUE_MS < asOf).length,
        }
      : { missing: 'no nudges status (feature adminNudges)' },
  };
}
