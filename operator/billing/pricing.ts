/**
 * Pricing: invoice lines from metering records and an Entitlement's price list.
 *
 * Mapping meter → SKU: by default the SKU is the meter's name (`dedicated-node-hours`,
 * `archive-gib-hours`, `archive-objects`); `opts.skus` overrides it per meter (e.g.
 * `{ 'dedicated-node-hours': 'dedicated-node-hour' }`). A record belongs to the period
 * (`YYYY-MM`, UTC) of its window's start and is priced by its SKU's price in effect at that
 * start (`price-list.ts`). One line per SKU and price with records in the period: a price
 * change in the period gives the SKU a line up to it and one from it, each at its own price
 * and naming the price's `effectiveFrom`.
 *
 * Units: a record's quantity is an exact integer in its meter's base unit (see
 * `operator/metering/record.ts`). The price's `unit` must be one the base unit converts to:
 * `node-hour` (3 600 000 node-ms), `GiB-hour` (2^30 × 3 600 000 byte-ms), `GiB-month`
 * (730 GiB-hours) or `object`.
 *
 * Rounding, once per line and nowhere else: `amountMinor = round(quantityBase ×
 * unitPriceMinor / unitSize)`, computed in BigInt from the exact base quantity, half up: a
 * remainder of exactly half rounds to the next minor unit (amounts are never negative, so
 * this is also half away from zero). Half up rather than half to even because it is what
 * invoices and the tools that check them use (commercial rounding; a spreadsheet's ROUND),
 * so an auditor reproduces every amount by hand; the drift half-to-even avoids comes from
 * rounding many small amounts and adding them up, which never happens here: each line is
 * rounded once, from its exact quantity, and the total adds those lines. `quantity` is the
 * same quantity in the price's unit, as a decimal string rounded the same way to at most 6
 * fractional digits (trailing zeros dropped) — for display; `quantityBase` is the exact
 * value that `reconcileInvoice` (`reconcile-invoice.ts`) checks and the amount is computed from.
 */

import type { Price } from '../api/v1alpha1/entitlement.ts';
import { canonicalJson, sha256Hex } from '../evidence/statement.ts';
import { sumQuantities } from '../metering/ledger.ts';
import type { BaseUnit, Meter, MeteringRecord } from '../metering/record.ts';
import { periodBounds, toMs } from '../metering/windows.ts';
import { InvoiceError } from './invoice-error.ts';
import { type EffectivePrice, priceAt, priceList } from './price-list.ts';

export { InvoiceError };

/** How many base units one priced unit is. */
export const UNIT_SIZES: Readonly<Record<BaseUnit, Readonly<Record<string, bigint>>>> = {
  'node-ms': { 'node-hour': 3_600_000n },
  // A GiB-month is 730 GiB-hours, the usual cloud convention (8 760 h / 12), whatever the month.
  'byte-ms': { 'GiB-hour': 1_073_741_824n * 3_600_000n, 'GiB-month': 730n * 1_073_741_824n * 3_600_000n },
  object: { object: 1n },
};

/** Fractional digits of the display quantity. */
export const QUANTITY_SCALE = 6;

export interface InvoiceOptions {
  tenant: string;
  /** `YYYY-MM` (UTC). */
  period: string;
  /** SKU of a meter where it is not the meter's name. */
  skus?: Partial<Record<Meter, string>>;
}

export interface InvoiceLine {
  tenant: string;
  period: string;
  sku: string;
  description: string;
  /** In `unit`, decimal, rounded half-up to 6 fractional digits (display). */
  quantity: string;
  /** The price's unit. */
  unit: string;
  /** Exact sum of the records' quantities, an integer in `baseUnit`. */
  quantityBase: string;
  baseUnit: BaseUnit;
  unitPriceMinor: number;
  /**
   * When the line's price took effect (ISO 8601 UTC): every record of the line starts at or
   * after it and before the SKU's next price. Absent in version 1 reports, one line per SKU.
   */
  effectiveFrom?: string;
  /** quantityBase × unitPriceMinor / unit size, rounded half-up once. */
  amountMinor: number;
  currency: string;
  /** The records of the line, ordered by window start. */
  recordIds: string[];
  /** sha256 of canonical JSON of `[{ id, quantity, sourceDigest }]` of the records, in `recordIds` order. */
  snapshotDigest: string;
}

export function skuOf(meter: Meter, skus?: Partial<Record<Meter, string>>): string {
  return skus?.[meter] ?? meter;
}

/** a / b rounded half-up, for a ≥ 0, b > 0. */
export function divRoundHalfUp(a: bigint, b: bigint): bigint {
  if (a < 0n || b <= 0n) throw new RangeError('divRoundHalfUp: a must be >= 0 and b > 0');
  const q = a / b;
  return 2n * (a % b) >= b ? q + 1n : q;
}

/** `a / b` as a decimal string with at most `scale` fractional digits, rounded half-up. */
export function formatDecimal(a: bigint, b: bigint, scale = QUANTITY_SCALE): string {
  const scaled = divRoundHalfUp(a * 10n ** BigInt(scale), b)
    .toString()
    .padStart(scale + 1, '0');
  const int = scaled.slice(0, -scale || undefined);
  const frac = scale > 0 ? scaled.slice(-scale).replace(/0+$/, '') : '';
  return frac ? `${int}.${frac}` : int;
}

export function unitSize(baseUnit: BaseUnit, unit: string, sku: string): bigint {
  const size = UNIT_SIZES[baseUnit][unit];
  if (size === undefined) {
    const ok = Object.keys(UNIT_SIZES[baseUnit]).join(', ');
    throw new InvoiceError(
      `price of ${sku} is per ${unit}, but its usage is metered in ${baseUnit} (use ${ok})`,
    );
  }
  return size;
}

export function inPeriod(r: MeteringRecord, period: string): boolean {
  const b = periodBounds(period);
  const s = toMs(r.window.start);
  return s >= b.start && s < b.end;
}

export function snapshotDigest(records: readonly MeteringRecord[]): string {
  return sha256Hex(
    canonicalJson(records.map((r) => ({ id: r.id, quantity: r.quantity, sourceDigest: r.sourceDigest }))),
  );
}

/** Reconciling recomputes lines with this, so pricing and the check cannot drift apart. */
export function lineAmount(
  quantityBase: bigint,
  unitPriceMinor: number,
  size: bigint,
): { quantity: string; amountMinor: number } {
  const a = divRoundHalfUp(quantityBase * BigInt(unitPriceMinor), size);
  if (a > BigInt(Number.MAX_SAFE_INTEGER))
    throw new InvoiceError(`amount ${a} exceeds the safe integer range`);
  return { quantity: formatDecimal(quantityBase, size), amountMinor: Number(a) };
}

/** Records of one SKU priced by one of its prices, ordered by window start. */
export interface PricedGroup {
  sku: string;
  price: EffectivePrice;
  records: MeteringRecord[];
}

const byStart = (a: MeteringRecord, b: MeteringRecord) =>
  toMs(a.window.start) - toMs(b.window.start) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);

/**
 * The tenant's records of the period grouped by SKU and the price in effect at each window's
 * start, sorted by SKU, then effective time. Records of other tenants or other periods are
 * ignored; a record id seen twice counts once (it must then be identical). Throws
 * `InvoiceError` when a metered window has no price.
 */
export function pricedGroups(
  ledgerRecords: readonly MeteringRecord[],
  entitlementPrices: readonly Price[],
  opts: InvoiceOptions,
): PricedGroup[] {
  periodBounds(opts.period); // validates
  const list = priceList(entitlementPrices);
  const byId = new Map<string, MeteringRecord>();
  for (const r of ledgerRecords) {
    if (r.tenant !== opts.tenant || !inPeriod(r, opts.period)) continue;
    const prev = byId.get(r.id);
    if (prev && canonicalJson(prev) !== canonicalJson(r)) {
      throw new InvoiceError(`record ${r.id} appears twice with different contents`);
    }
    byId.set(r.id, r);
  }
  const groups = new Map<string, PricedGroup>();
  for (const r of byId.values()) {
    const sku = skuOf(r.meter, opts.skus);
    const price = priceAt(list, sku, toMs(r.window.start));
    const key = `${sku}\u0000${price.effectiveFrom}`;
    const group = groups.get(key) ?? { sku, price, records: [] };
    group.records.push(r);
    groups.set(key, group);
  }
  return [...groups.values()]
    .sort((a, b) => (a.sku < b.sku ? -1 : a.sku > b.sku ? 1 : a.price.fromMs - b.price.fromMs))
    .map((g) => ({ ...g, records: g.records.sort(byStart) }));
}

/**
 * One line per SKU and price with usage in the period, sorted by SKU, then effective time
 * (see `pricedGroups` for which records count). Throws `InvoiceError` when a metered window
 * has no price or a price's unit does not fit.
 */
export function invoiceLines(
  ledgerRecords: readonly MeteringRecord[],
  entitlementPrices: readonly Price[],
  opts: InvoiceOptions,
): InvoiceLine[] {
  return pricedGroups(ledgerRecords, entitlementPrices, opts).map(({ sku, price: effective, records }) => {
    const baseUnit = (records[0] as MeteringRecord).unit;
    if (records.some((r) => r.unit !== baseUnit)) throw new InvoiceError(`records of ${sku} mix units`);
    const { price } = effective;
    if (!Number.isSafeInteger(price.unitPriceMinor) || price.unitPriceMinor < 0) {
      throw new InvoiceError(`unitPriceMinor of ${sku} must be a non-negative integer`);
    }
    const size = unitSize(baseUnit, price.unit, sku);
    const quantityBase = sumQuantities(records);
    return {
      tenant: opts.tenant,
      period: opts.period,
      sku,
      description: price.description,
      ...lineAmount(quantityBase, price.unitPriceMinor, size),
      unit: price.unit,
      quantityBase: quantityBase.toString(),
      baseUnit,
      unitPriceMinor: price.unitPriceMinor,
      effectiveFrom: effective.effectiveFrom,
      currency: price.currency,
      recordIds: records.map((r) => r.id),
      snapshotDigest: snapshotDigest(records),
    };
  });
}
