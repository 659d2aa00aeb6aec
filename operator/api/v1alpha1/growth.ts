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

/** Health band of a tenant: healthy from 70 points, atRisk from 40, critical below 40. */
export type HealthBand = 'healthy' | 'atRisk' | 'critical';

/** Direction of the score against the previous one. */
export type HealthTrend = 'up' | 'down' | 'steady';

/** One component of the health score, with everything needed to recompute its contribution. */
export interface HealthComponent {
  /**
   * Name of the component: activation, activity, identity, domain, refusals or nudges.
   * @maxLength 63
   */
  name: string;
  /**
   * Weight in the formula as published (before renormalisation), 0-100.
   * @minimum 0
   * @maximum 100
   */
  weight: int32;
  /**
   * Weight after the components without data dropped out: the published weights of those
   * with data scaled to add up to 100, rounded to whole numbers by largest remainder (so they
   * still add up to exactly 100). Absent when the component dropped out.
   * @minimum 0
   * @maximum 100
   */
  effectiveWeight?: int32;
  /**
   * The measured value, as text with its unit (for example "3/4 items" or "2 refusals in the hour before 10:00").
   * @maxLength 256
   */
  raw?: string;
  /**
   * The component's score, 0-100. Absent when it dropped out.
   * @minimum 0
   * @maximum 100
   */
  score?: int32;
  /**
   * Points it adds to the total, in hundredths of a point: exactly score × effectiveWeight,
   * no rounding. The contributions add up to status.health.scoreHundredths.
   * @minimum 0
   * @maximum 10000
   */
  contributionHundredths?: int32;
  /** Why there is no score: the component has no data and drops out of the formula. */
  missing?: string;
}

/** The tenant's health score: a versioned, transparent formula. */
export interface HealthStatus {
  /**
   * Version of the formula, so scores are compared only within one version. Formula v1, six
   * components (published weight in brackets), each scored 0-100:
   * - activation (30): share of the activation checklist done;
   * - activity (25): share of the real activity signals present: running workload pods (a pod
   *   in phase Running in any of the tenant's workload namespaces), metered usage in the
   *   Entitlement's status in the last 7 days (only with an Entitlement), and actions through
   *   the tenant API in the growth log in the last 7 days;
   * - identity (15): identity provider checks, pass 100, warn 50, fail 0, averaged (only with spec.identity);
   * - domain (10): 100 when DomainVerified is True, else 0 (only with spec.domain);
   * - refusals (10): 100 minus 20 per request Tenantry's admission refused in the tenant's
   *   namespaces in the last hour (its AdmissionDenied Events), at least 0;
   * - nudges (10): share of the nudges in force that are not overdue (open more than 7 days); 100 with none in force (only with status.nudges).
   * Components without data drop out and the others' weights are scaled up to 100
   * (effectiveWeight). Pods and refusals are sampled at most hourly, so an idle tenant's score
   * changes only when its inputs do.
   * @maxLength 32
   */
  formulaVersion: string;
  /**
   * The score, 0-100: scoreHundredths / 100, rounded half up to a whole point.
   * @minimum 0
   * @maximum 100
   */
  score: int32;
  /**
   * The exact sum of the components' contributionHundredths, 0-10000.
   * @minimum 0
   * @maximum 10000
   */
  scoreHundredths: int32;
  /** healthy (score 70 and above), atRisk (40-69) or critical (below 40). */
  band: HealthBand;
  /**
   * How the last change of the inputs moved the score: up, down or steady (inputs changed,
   * the score did not). Absent for the first score.
   */
  trend?: HealthTrend;
  /**
   * The score before the last change of the inputs.
   * @minimum 0
   * @maximum 100
   */
  previousScore?: int32;
  /**
   * Components, each with its published and effective weight, raw value, score and
   * contribution (score × effectiveWeight, in hundredths of a point), or why it dropped out.
   * @listType map
   * @listMapKey name
   * @maxItems 16
   */
  components: HealthComponent[];
  /**
   * True when components without data dropped out and the others' weights were scaled up to
   * 100: their effectiveWeight differs from their weight.
   */
  renormalised?: boolean;
  /** When the inputs last changed. */
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
