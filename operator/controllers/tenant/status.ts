import type { Tenant, TenantStatus } from '../../api/v1alpha1/index.ts';
import type { Clock } from '../../runtime/clock.ts';
import { type Condition, removeCondition, setCondition, summarize } from '../../runtime/conditions.ts';

/** Provisioned: namespaces, RBAC, quotas and policies exist as the spec asks. */
export const Provisioned = 'Provisioned';
/** DomainVerified: the DNS TXT challenge for spec.domain is published. */
export const DomainVerified = 'DomainVerified';
/** IdentityConnected: the identity provider passes the health checks. */
export const IdentityConnected = 'IdentityConnected';

/** Conditions a step may set; those not reported in a reconcile are removed. */
const STEP_CONDITIONS = [Provisioned, DomainVerified, IdentityConnected];

/**
 * One onboarding step's verdict. `waiting` resolves by itself or by an outside action in
 * progress (Reconciling); `blocked` needs the user to change something (Stalled).
 */
export interface StepResult {
  type: string;
  status: 'True' | 'False' | 'Unknown';
  reason: string;
  message: string;
  severity?: 'waiting' | 'blocked';
}

/**
 * The status the step results imply: each step's condition, and Ready (with Reconciling or
 * Stalled) summarising them in kstatus terms. Pure, so it is tested without a cluster.
 */
export function tenantStatus(
  tenant: Tenant,
  steps: StepResult[],
  fields: Omit<TenantStatus, 'conditions' | 'observedGeneration'>,
  clock: Clock,
): TenantStatus {
  const generation = tenant.metadata.generation;
  let conditions = (tenant.status?.conditions ?? []) as Condition[];
  for (const type of STEP_CONDITIONS) {
    if (!steps.some((s) => s.type === type)) conditions = removeCondition(conditions, type);
  }
  for (const { type, status, reason, message } of steps) {
    conditions = setCondition(conditions, { type, status, reason, message }, generation, clock);
  }
  const pending = steps.filter((s) => s.status !== 'True');
  const blocked = pending.find((s) => s.severity === 'blocked');
  const first = blocked ?? pending[0];
  conditions = summarize(
    conditions,
    first
      ? { state: blocked ? 'stalled' : 'progressing', reason: first.reason, message: first.message }
      : { state: 'ready', message: 'Tenant is onboarded' },
    generation,
    clock,
  );
  const { observedGeneration: _o, conditions: _c, ...kept } = tenant.status ?? {};
  const next: TenantStatus = {
    ...kept,
    ...fields,
    conditions: conditions as NonNullable<TenantStatus['conditions']>,
  };
  if (generation !== undefined) next.observedGeneration = generation;
  // Fields a step no longer reports (e.g. spec.domain removed) must go, not linger.
  for (const key of ['domain', 'identity'] as const) if (!(key in fields)) delete next[key];
  return next;
}
