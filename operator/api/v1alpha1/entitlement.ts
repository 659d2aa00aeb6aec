import { typed } from '../../runtime/kube/resource.ts';
import type {
  AddOnType,
  Condition,
  int32,
  int64,
  ObjectMeta,
  Quantity,
  TenantReference,
  Time,
} from './common.ts';
import { GROUP, VERSION } from './common.ts';

/** Entitlement is cluster-scoped and owned by the platform, out of the tenant's reach. */
export const EntitlementResource = typed<Entitlement>()({
  group: GROUP,
  version: VERSION,
  kind: 'Entitlement',
  plural: 'entitlements',
  namespaced: false,
});

/** How often usage is invoiced. */
export type BillingPeriod = 'Monthly';

/** Limits on what the tenant may use. A limit that is not set means no limit. */
export interface EntitlementQuotas {
  /**
   * Most namespaces the tenant may have, its system namespace not counted.
   * @minimum 0
   */
  namespaces?: int32;
  /**
   * Most nodes the tenant may reserve through DedicatedCompute add-ons, all together.
   * @minimum 0
   */
  dedicatedNodes?: int32;
  /**
   * Most GiB the tenant may keep in AuditArchive buckets.
   * @minimum 0
   */
  archiveGiB?: int64;
}

/**
 * Who may approve an add-on. AnyOwner: any owner of the tenant, also the one who asks for
 * it, in the same request. FourEyes: an owner other than the one who asked for the current
 * settings, in a later request.
 */
export type AddOnApprovalPolicy = 'AnyOwner' | 'FourEyes';

/** Policy obligations that come with the plan. */
export interface EntitlementObligations {
  /**
   * Least Object Lock retention, in days, that an AuditArchive add-on may configure.
   * @default 365
   * @minimum 1
   * @maximum 36500
   */
  auditArchiveMinRetentionDays?: int32;
  /**
   * Who may approve the tenant's add-ons and changes of them: AnyOwner (the owner who
   * asks approves in the same request) or FourEyes (the owner who asks leaves
   * spec.approval out and another owner sets it). Enforced at admission and again by the
   * reconcile: switching to FourEyes holds add-ons approved by their own requester until
   * another owner approves them.
   * @default AnyOwner
   */
  addOnApproval?: AddOnApprovalPolicy;
}

/**
 * One price of the tenant's price list: what a unit of a SKU costs from `effectiveFrom` on.
 * A SKU may have several, one per effective time; a metering window is priced by the entry of
 * its SKU in effect at the window's start (the latest `effectiveFrom` at or before it).
 */
export interface Price {
  /**
   * Stock-keeping unit that metering records refer to, for example `dedicated-node-hour`.
   * Unique in the list together with effectiveFrom.
   * @minLength 1
   * @maxLength 63
   * @pattern ^[a-z0-9]([-a-z0-9._]*[a-z0-9])?$
   */
  sku: string;
  /**
   * Text shown on invoices for this line.
   * @maxLength 256
   */
  description: string;
  /**
   * Unit the price is per, for example `node-hour`, `GiB-month` or `tenant-month`.
   * @minLength 1
   * @maxLength 32
   */
  unit: string;
  /**
   * Price of one unit in the currency's minor unit (cents for EUR and USD), to keep
   * amounts exact.
   * @minimum 0
   */
  unitPriceMinor: int64;
  /**
   * ISO 4217 currency code, for example EUR.
   * @pattern ^[A-Z]{3}$
   * @maxLength 3
   */
  currency: string;
  /**
   * When this price takes effect, in UTC to the second (`2026-12-01T00:00:00Z`); left out,
   * from the beginning. It applies to every metering window that starts at or after it,
   * until the SKU's next price takes effect. One spelling per instant, so a SKU cannot be
   * priced twice for the same time. A price in effect before status.watermark priced usage
   * already metered: it cannot be changed or removed, and no price may be added before the
   * watermark (admission refuses both); change a price by adding one with a later
   * effectiveFrom. (Not defaulted by the API server: a default inside the list would make
   * every unchanged `kubectl apply` a change.)
   * @maxLength 20
   * @pattern ^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$
   */
  effectiveFrom?: Time;
}

/** Desired state of an entitlement, set by the platform. */
export interface EntitlementSpec {
  /**
   * The Tenant this entitlement belongs to. Immutable.
   * @immutable tenantRef is immutable: an entitlement belongs to one tenant for its lifetime
   */
  tenantRef: TenantReference;
  /**
   * Name of the commercial plan, for example `team` or `enterprise`.
   * @minLength 1
   * @maxLength 63
   */
  plan: string;
  /** Feature grants by feature name: true grants the feature, false withholds it. */
  features?: Record<string, boolean>;
  /** Limits on the tenant's usage. */
  quotas?: EntitlementQuotas;
  /**
   * Add-on types the tenant may request.
   * @listType set
   * @maxItems 8
   */
  allowedAddOns?: AddOnType[];
  /**
   * Policy obligations of the plan.
   * @default {}
   */
  obligations?: EntitlementObligations;
  /**
   * Price list used for metering and the invoice preview, with each SKU's price history:
   * one entry per sku and effectiveFrom.
   * @listType atomic
   * @maxItems 100
   * @validation rule=self.all(p, self.exists_one(q, q.sku == p.sku && (has(q.effectiveFrom) ? q.effectiveFrom : timestamp('1970-01-01T00:00:00Z')) == (has(p.effectiveFrom) ? p.effectiveFrom : timestamp('1970-01-01T00:00:00Z')))) message=each SKU may have one price per effectiveFrom: two entries of a SKU take effect at the same time
   */
  prices?: Price[];
  /**
   * How often usage is invoiced.
   * @default Monthly
   */
  billingPeriod?: BillingPeriod;
}

/** Usage of one SKU over an interval, as metered by Tenantry. */
export interface MeteringRecord {
  /** SKU of the price list the usage is charged under. */
  sku: string;
  /** Amount used, in the unit of the SKU's price. */
  quantity: Quantity;
  /** Start of the interval (inclusive). */
  start: Time;
  /** End of the interval (exclusive). */
  end: Time;
}

/** One line of the invoice preview: a SKU's usage at one of its prices. */
export interface InvoiceLine {
  /** SKU charged. */
  sku: string;
  /** Text of the line, from the price list. */
  description: string;
  /** Amount used in the period at this price, in the price's unit. */
  quantity: Quantity;
  /**
   * Price of one unit, in the currency's minor unit.
   * @minimum 0
   */
  unitPriceMinor: int64;
  /** effectiveFrom of the price the line used. */
  effectiveFrom?: Time;
  /**
   * quantity × unitPriceMinor in the currency's minor unit, computed exactly from the
   * metered quantity and rounded once per line, half up (an exact half rounds to the next
   * unit; amounts are never negative).
   * @minimum 0
   */
  amountMinor: int64;
}

/** What the current billing period would be invoiced if it ended now. */
export interface InvoicePreview {
  /** Start of the billing period. */
  periodStart: Time;
  /** End of the billing period. */
  periodEnd: Time;
  /** ISO 4217 currency of the amounts. */
  currency: string;
  /**
   * One line per SKU and price used in the period (a price change in the period gives the
   * SKU a line before it and one after).
   * @listType atomic
   */
  lines?: InvoiceLine[];
  /**
   * Sum of the lines, in the currency's minor unit.
   * @minimum 0
   */
  totalMinor: int64;
  /** When the preview was computed. */
  generatedAt?: Time;
}

/** Observed state of an entitlement, written by Tenantry. */
export interface EntitlementStatus {
  /**
   * The metadata.generation this status describes.
   * @minimum 0
   */
  observedGeneration?: int64;
  /**
   * Current state: Ready and the conditions that contribute to it.
   * @listType map
   * @listMapKey type
   */
  conditions?: Condition[];
  /** Current usage by quota name (namespaces, dedicatedNodes, archiveGiB, ...). */
  usage?: Record<string, Quantity>;
  /** Everything metered up to this time is reflected in records and the invoice preview. */
  watermark?: Time;
  /**
   * The stored ledger is sealed by the operator: from then on a day without a seal is a
   * tampering, not a ledger from before sealing.
   */
  ledgerSealed?: boolean;
  /**
   * Metering records of the current billing period, compacted to one per SKU, price and day.
   * @listType atomic
   */
  records?: MeteringRecord[];
  /** The current billing period's invoice preview. */
  invoicePreview?: InvoicePreview;
}

// The price rules sit on the root because only there do they see status.watermark; on an
// update of the spec the API server keeps the stored status, so they compare against the
// watermark Tenantry wrote, not one in the request. The messages name the first SKU through
// map(x, cond, text)[0]: the API server's cost estimate refuses filter() followed by string
// concatenation, join() and string(timestamp) here (estimated at over 100x the budget), and
// cel.bind is not declared for messageExpression.
/**
 * Entitlement is what a tenant has bought: its plan, feature grants, quotas, allowed
 * add-ons, policy obligations and price list. There is one per tenant; it is managed by
 * the platform, not by the tenant.
 * Prices in effect before status.watermark are frozen: admission refuses changing, removing
 * or back-dating them, and Tenantry checks again before it signs a report.
 * @validation rule=!has(self.status) || !has(self.status.watermark) || !has(oldSelf.spec.prices) || oldSelf.spec.prices.all(p, (has(p.effectiveFrom) ? p.effectiveFrom : timestamp('1970-01-01T00:00:00Z')) >= self.status.watermark || (has(self.spec.prices) && self.spec.prices.exists(q, q.sku == p.sku && (has(q.effectiveFrom) ? q.effectiveFrom : timestamp('1970-01-01T00:00:00Z')) == (has(p.effectiveFrom) ? p.effectiveFrom : timestamp('1970-01-01T00:00:00Z')) && q.unit == p.unit && q.unitPriceMinor == p.unitPriceMinor && q.currency == p.currency)))
 *   message=a price in effect before status.watermark priced usage already metered: it cannot be changed or removed; add a new price with effectiveFrom after the watermark
 *   messageExpression=oldSelf.spec.prices.map(p, (has(p.effectiveFrom) ? p.effectiveFrom : timestamp('1970-01-01T00:00:00Z')) < self.status.watermark && !(has(self.spec.prices) && self.spec.prices.exists(q, q.sku == p.sku && (has(q.effectiveFrom) ? q.effectiveFrom : timestamp('1970-01-01T00:00:00Z')) == (has(p.effectiveFrom) ? p.effectiveFrom : timestamp('1970-01-01T00:00:00Z')) && q.unit == p.unit && q.unitPriceMinor == p.unitPriceMinor && q.currency == p.currency)), 'the price of ' + p.sku + ' in effect before status.watermark priced usage already metered: it cannot be changed or removed; add a new price with effectiveFrom after the watermark instead')[0]
 *   fieldPath=.spec.prices
 * @validation rule=!has(self.status) || !has(self.status.watermark) || !has(self.spec.prices) || self.spec.prices.all(q, (has(q.effectiveFrom) ? q.effectiveFrom : timestamp('1970-01-01T00:00:00Z')) >= self.status.watermark || (has(oldSelf.spec.prices) && oldSelf.spec.prices.exists(p, p.sku == q.sku && (has(p.effectiveFrom) ? p.effectiveFrom : timestamp('1970-01-01T00:00:00Z')) == (has(q.effectiveFrom) ? q.effectiveFrom : timestamp('1970-01-01T00:00:00Z')))))
 *   message=a new price may not take effect before status.watermark: usage up to the watermark is already metered; set its effectiveFrom after the watermark
 *   messageExpression=self.spec.prices.map(q, (has(q.effectiveFrom) ? q.effectiveFrom : timestamp('1970-01-01T00:00:00Z')) < self.status.watermark && !(has(oldSelf.spec.prices) && oldSelf.spec.prices.exists(p, p.sku == q.sku && (has(p.effectiveFrom) ? p.effectiveFrom : timestamp('1970-01-01T00:00:00Z')) == (has(q.effectiveFrom) ? q.effectiveFrom : timestamp('1970-01-01T00:00:00Z')))), 'a new price of ' + q.sku + ' takes effect before status.watermark and would reprice usage already metered: set its effectiveFrom after the watermark')[0]
 *   fieldPath=.spec.prices
 * @shortName ent
 * @category tenantry
 * @subresource status
 * @printColumn name=Tenant type=string jsonPath=.spec.tenantRef.name
 * @printColumn name=Plan type=string jsonPath=.spec.plan
 * @printColumn name=Ready type=string jsonPath=.status.conditions[?(@.type=="Ready")].status
 * @printColumn name=Reason type=string jsonPath=.status.conditions[?(@.type=="Ready")].reason priority=1
 * @printColumn name=Metered type=string jsonPath=.status.conditions[?(@.type=="Metered")].status priority=1
 * @printColumn name=Watermark type=date jsonPath=.status.watermark priority=1
 * @printColumn name=Age type=date jsonPath=.metadata.creationTimestamp
 */
export interface Entitlement {
  apiVersion: 'tenantry.dev/v1alpha1';
  kind: 'Entitlement';
  metadata: ObjectMeta;
  /** Desired state of the entitlement. */
  spec: EntitlementSpec;
  /** Observed state of the entitlement, written by Tenantry. */
  status?: EntitlementStatus;
}
