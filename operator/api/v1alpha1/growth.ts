// Growth signals in a Tenant's status: the activation checklist, the health score and the
// nudges in force. Written by Tenantry from attributable events only (the tenant API's
// records, the API server's conditions and approvals), never from a field a user sets.

import type { int32, Time } from './common.ts';

/** An item of the activation checklist. */
export type ActivationItemName =
  | 'identityConnected'
  | 'firstApproval'
  | 'firstEvidenceExport'
  | 'firstUsageView';

/** One item of the activation checklist and who completed it. */
export interface ActivationItem {
  /** identityConnected, firstApproval, firstEvidenceExport or firstUsageView. */
  name: ActivationItemName;
  /** Whether the item is done. Once done, it stays done. */
  done: boolean;
  /** When it was first done. */
  at?: Time;
  /**
   * Who did it, as the API server authenticated them (the approver, the admin who exported
   * evidence or viewed usage); empty for items the operator observed (identity connected).
   * @maxLength 253
   */
  by?: string;
}

/** The activation checklist: the four things a new tenant does to get value on its own. */
export interface ActivationStatus {
  /**
   * The four items, in the order a new tenant usually meets them.
   * @listType map
   * @listMapKey name
   * @maxItems 8
   */
  items: ActivationItem[];
  /**
   * Share of items done, 0-100.
   * @minimum 0
   * @maximum 100
   */
  percent: int32;
  /** When the last item was done: the checklist is complete. */
  completedAt?: Time;
}

/** Health band of a tenant. */
export type HealthBand = 'healthy' | 'atRisk' | 'critical';

/** Direction of the score against the previous one. */
export type HealthTrend = 'up' | 'down' | 'steady';

/** One component of the health score, with everything needed to recompute its contribution. */
export interface HealthComponent {
  /**
   * Name of the component, for example activation or identity.
   * @maxLength 63
   */
  name: string;
  /**
   * Weight in the formula (before renormalisation), 0-100.
   * @minimum 0
   * @maximum 100
   */
  weight: int32;
  /**
   * The measured value, as text with its unit (for example "3/4 items" or "2 refusals in 7 days").
   * @maxLength 256
   */
  raw?: string;
  /**
   * The component's score, 0-100.
   * @minimum 0
   * @maximum 100
   */
  score?: int32;
  /**
   * Points it adds to the total: score × renormalised weight / 100, rounded to a tenth and
   * given ×10 as an integer, so contributions add up exactly to score × 10.
   * @minimum 0
   * @maximum 1000
   */
  contributionTenths?: int32;
  /** Why there is no score (the component has no data yet and drops out of the formula). */
  missing?: string;
}

/** The tenant's health score: a versioned, transparent formula. */
export interface HealthStatus {
  /**
   * Version of the formula, so scores are compared only within one version.
   * @maxLength 32
   */
  formulaVersion: string;
  /**
   * The score, 0-100: the sum of the components' contributions.
   * @minimum 0
   * @maximum 100
   */
  score: int32;
  /** healthy, atRisk or critical. */
  band: HealthBand;
  /** Against the previous score: up, down or steady. */
  trend?: HealthTrend;
  /**
   * The score before this one.
   * @minimum 0
   * @maximum 100
   */
  previousScore?: int32;
  /**
   * Components, each with its weight, raw value, score and contribution.
   * @listType map
   * @listMapKey name
   * @maxItems 16
   */
  components: HealthComponent[];
  /** True when components without data dropped out and the others' weights were scaled up to 100. */
  renormalised?: boolean;
  /** When the inputs last changed the score. */
  computedAt?: Time;
}

/** A nudge in force for the tenant's admins. */
export interface ActiveNudge {
  /**
   * Which nudge: finishSetup, setQuotas, exportEvidence, inviteAuditor, ...
   * @maxLength 63
   */
  name: string;
  /** Since when its trigger holds. */
  since: Time;
  /**
   * What to do and how (the command or console page).
   * @maxLength 1024
   */
  message: string;
  /** When it was last delivered (any channel). */
  lastDeliveredAt?: Time;
  /** Set when deliveries are suppressed: optOut, cap or quiet. */
  suppressed?: 'optOut' | 'cap' | 'quiet';
}

/** Nudges to the tenant's admins. */
export interface NudgesStatus {
  /**
   * Nudges whose trigger holds now; one resolves by itself when its condition is met.
   * @listType map
   * @listMapKey name
   * @maxItems 16
   */
  active: ActiveNudge[];
}
