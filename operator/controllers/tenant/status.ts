import type { Tenant, TenantStatus } from '../../api/v1alpha1/index.ts';
import type { Clock } from '../../runtime/clock.ts';
import { type Condition, setCondition, summarize } from '../../runtime/conditions.ts';

/** Provisioned: namespaces, RBAC, quotas and policies exist as the spec asks. */
export const Provisioned = 'Provisioned';

export type ProvisionOutcome =
  | { state: 'provisioned'; namespaces: string[] }
  | { state: 'waiting'; reason: string; message: string; namespaces: string[] }
  | { state: 'blocked'; reason: string; message: string; namespaces: string[] };

/** The status a reconcile outcome implies; pure so it can be tested without a cluster. */
export function tenantStatus(tenant: Tenant, outcome: ProvisionOutcome, clock: Clock): TenantStatus {
  const generation = tenant.metadata.generation;
  const prev = (tenant.status?.conditions ?? []) as Condition[];
  let conditions: Condition[];
  if (outcome.state === 'provisioned') {
    conditions = setCondition(
      prev,
      {
        type: Provisioned,
        status: 'True',
        reason: 'Provisioned',
        message: `${outcome.namespaces.length} namespaces with RBAC, quota and policies in place`,
      },
      generation,
      clock,
    );
    conditions = summarize(
      conditions,
      { state: 'ready', message: 'Tenant is provisioned' },
      generation,
      clock,
    );
  } else {
    const { reason, message } = outcome;
    conditions = setCondition(
      prev,
      { type: Provisioned, status: 'False', reason, message },
      generation,
      clock,
    );
    // Waiting resolves by itself (Reconciling); blocked needs the user (Stalled).
    const state = outcome.state === 'waiting' ? 'progressing' : 'stalled';
    conditions = summarize(conditions, { state, reason, message }, generation, clock);
  }
  return {
    ...tenant.status,
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
    conditions: conditions as NonNullable<TenantStatus['conditions']>,
    namespaces: outcome.namespaces,
  };
}
