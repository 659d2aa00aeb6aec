import type { Tenant } from '../api/v1alpha1/index.ts';
import { type Completion, recordedCompletions } from './activation.ts';
import { activityTimes } from './activity.ts';
import type { GrowthEvent } from './events.ts';

/** What cohorts and the funnel need of one tenant: when it signed up, its checklist, its activity. */
export interface TenantGrowth {
  tenant: string;
  /** Signup: the Tenant's creation, epoch ms. */
  created: number;
  /** Checklist items the growth log records done. */
  items: Completion[];
  /** When it was active (epoch ms): weeks the operator saw it active, actions through the tenant API. */
  activeAt: number[];
}

/** A tenant's growth from its Tenant object and its growth log. */
export function tenantGrowth(tenant: Tenant, events: readonly GrowthEvent<unknown>[]): TenantGrowth {
  const uid = tenant.metadata.uid ?? '';
  const created = Date.parse(tenant.metadata.creationTimestamp ?? '');
  return {
    tenant: tenant.metadata.name ?? '',
    created,
    items: recordedCompletions(events, uid),
    activeAt: activityTimes(events, uid, created),
  };
}
