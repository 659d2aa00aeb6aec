import { canonicalJson, sha256Hex } from '../evidence/statement.ts';

/**
 * Growth events as CloudEvents 1.0 (structured JSON): what the durable per-tenant log keeps,
 * what webhooks receive and what the archive stores. Ids are derived from what happened, not
 * drawn at random, so a retry, a restart or a second replica records the same event once and a
 * receiver can drop duplicates by id.
 */
export interface GrowthEvent<D = Record<string, unknown>> {
  specversion: '1.0';
  /** sha256 of the event's identity (tenant, type, key): the same happening, the same id. */
  id: string;
  /** `tenantry://<cluster or operator namespace>/tenants/<tenant>`. */
  source: string;
  /** Reverse-DNS type, `dev.tenantry.<area>.<what>`, e.g. `dev.tenantry.evidence.exported`. */
  type: string;
  /** The tenant. */
  subject: string;
  /** RFC 3339, when it happened. */
  time: string;
  datacontenttype: 'application/json';
  data: D;
}

/** Types of growth events; each is documented where it is recorded. */
export const GrowthEventType = {
  TenantCreated: 'dev.tenantry.tenant.created',
  ReceiptSigned: 'dev.tenantry.receipt.signed',
  ActivationItemDone: 'dev.tenantry.activation.item-done',
  ActivationCompleted: 'dev.tenantry.activation.completed',
  FirstAddOn: 'dev.tenantry.addon.first',
  FirstInvoiceLine: 'dev.tenantry.invoice.first-line',
  /** The operator saw the tenant active in an ISO week (running workload pods, metered usage). */
  TenantActive: 'dev.tenantry.tenant.active',
  /** A tenant admin exported evidence through the tenant API. */
  EvidenceExported: 'dev.tenantry.evidence.exported',
  /** A tenant admin looked at usage and cost through the tenant API. */
  UsageViewed: 'dev.tenantry.usage.viewed',
  /** A tenant admin changed nudge preferences through the tenant API. */
  NudgePreferencesChanged: 'dev.tenantry.nudges.preferences-changed',
  NudgeDelivery: 'dev.tenantry.nudge.delivery',
  NudgeActedOn: 'dev.tenantry.nudge.acted-on',
} as const;

export interface NewEvent<D> {
  tenant: string;
  type: string;
  /** What makes this happening unique within its tenant and type (an id, an hour, a user). */
  key: string;
  time: string;
  data: D;
  /** Where the operator runs: its namespace, or a cluster name. */
  origin: string;
}

export function growthEvent<D>(e: NewEvent<D>): GrowthEvent<D> {
  return {
    specversion: '1.0',
    id: sha256Hex(canonicalJson({ tenant: e.tenant, type: e.type, key: e.key })),
    source: `tenantry://${e.origin}/tenants/${e.tenant}`,
    type: e.type,
    subject: e.tenant,
    time: e.time,
    datacontenttype: 'application/json',
    data: e.data,
  };
}
