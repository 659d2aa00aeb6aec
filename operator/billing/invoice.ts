/**
 * Invoice lines from metering records and an Entitlement's price list.
 *
 * Mapping meter → SKU: by default the SKU is the meter's name (`dedicated-node-hours`,
 * `archive-gib-hours`, `archive-objects`); `opts.skus` overrides it per meter (e.g.
 * `{ 'dedicated-node-hours': 'dedicated-node-hour' }`). One line per SKU that has records in
 * the period; a record belongs to the period (`YYYY-MM`, UTC) of its window's start.
 *
 * Units: a record's quantity is an exact integer in its meter's base unit (see
 * `operator/metering/record.ts`). The price's `unit` must be one the base unit converts to:
 * `node-hour` (3 600 000 node-ms), `GiB-hour` (2^30 × 3 600 000 byte-ms), `GiB-month`
 * (730 GiB-hours) or `object`.
 *
 * Rounding, once per line and nowhere else: `amountMinor = round(quantityBase ×
 * unitPriceMinor / unitSize)`, half-up (a remainder of exactly half rounds away from zero;
 * amounts are never negative), computed in BigInt from the exact base quantity. `quantity`
 * is the same quantity in the price's unit, as a decimal string rounded half-up to at most
 * 6 fractional digits (trailing zeros dropped) — for display; `quantityBase` is the exact
 * value that `reconcileInvoice` checks and the amount is computed from.
 */

import type { Price } from '../api/v1alpha1/entitlement.ts';
import { canonicalJson, sha256Hex } from '../evidence/statement.ts';
import { sumQuantities } from '../metering/ledger.ts';
import type { BaseUnit, Meter, MeteringRecord } from '../metering/record.ts';
import { periodBounds, toMs } from '../metering/windows.ts';

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
  /** quantityBase × unitPriceMinor / unit size, rounded half-up once. */
  amountMinor: number;
  currency: string;
  /** The records of the line, ordered by window start. */
  recordIds: string[];
  /** sha256 of canonical JSON of `[{ id, quantity, sourceDigest }]` of the records, in `recordIds` order. */
  snapshotDigest: string;
}

export class InvoiceError extends Error {
  override name = 'InvoiceError';
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

function inPeriod(r: MeteringRecord, period: string): boolean {
  const b = periodBounds(period);
  const s = toMs(r.window.start);
  return s >= b.start && s < b.end;
}

function snapshotDigest(records: readonly MeteringRecord[]): string {
  return sha256Hex(
    canonicalJson(records.map((r) => ({ id: r.id, quantity: r.quantity, sourceDigest: r.sourceDigest }))),
  );
}

function amount(
  quantityBase: bigint,
  unitPriceMinor: number,
  size: bigint,
): { quantity: string; amountMinor: number } {
  const a = divRoundHalfUp(quantityBase * BigInt(unitPriceMinor), size);
  if (a > BigInt(Number.MAX_SAFE_INTEGER))
    throw new InvoiceError(`amount ${a} exceeds the safe integer range`);
  return { quantity: formatDecimal(quantityBase, size), amountMinor: Number(a) };
}

/**
 * One line per SKU with usage in the period, sorted by SKU. Records of other tenants or
 * other periods are ignored; a record id seen twice counts once (it must then be identical).
 * Throws `InvoiceError` when a metered SKU has no price or a price's unit does not fit.
 */
export function invoiceLines(
  ledgerRecords: readonly MeteringRecord[],
  entitlementPrices: readonly Price[],
  opts: InvoiceOptions,
): InvoiceLine[] {
  periodBounds(opts.period); // validates
  const byId = new Map<string, MeteringRecord>();
  for (const r of ledgerRecords) {
    if (r.tenant !== opts.tenant || !inPeriod(r, opts.period)) continue;
    const prev = byId.get(r.id);
    if (prev && canonicalJson(prev) !== canonicalJson(r)) {
      throw new InvoiceError(`record ${r.id} appears twice with different contents`);
    }
    byId.set(r.id, r);
  }
  const bySku = new Map<string, MeteringRecord[]>();
  for (const r of byId.values()) {
    const sku = skuOf(r.meter, opts.skus);
    let list = bySku.get(sku);
    if (!list) {
      list = [];
      bySku.set(sku, list);
    }
    list.push(r);
  }
  const lines: InvoiceLine[] = [];
  for (const sku of [...bySku.keys()].sort()) {
    const records = (bySku.get(sku) ?? []).sort(
      (a, b) => toMs(a.window.start) - toMs(b.window.start) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
    const first = records[0];
    if (!first) continue;
    const baseUnit = first.unit;
    if (records.some((r) => r.unit !== baseUnit)) throw new InvoiceError(`records of ${sku} mix units`);
    const price = entitlementPrices.find((p) => p.sku === sku);
    if (!price) throw new InvoiceError(`no price for SKU ${sku} in the entitlement's price list`);
    if (!Number.isSafeInteger(price.unitPriceMinor) || price.unitPriceMinor < 0) {
      throw new InvoiceError(`unitPriceMinor of ${sku} must be a non-negative integer`);
    }
    const size = unitSize(baseUnit, price.unit, sku);
    const quantityBase = sumQuantities(records);
    lines.push({
      tenant: opts.tenant,
      period: opts.period,
      sku,
      description: price.description,
      ...amount(quantityBase, price.unitPriceMinor, size),
      unit: price.unit,
      quantityBase: quantityBase.toString(),
      baseUnit,
      unitPriceMinor: price.unitPriceMinor,
      currency: price.currency,
      recordIds: records.map((r) => r.id),
      snapshotDigest: snapshotDigest(records),
    });
  }
  return lines;
}

/**
 * Checks lines against the records: each line's `quantityBase` equals the exact sum of its
 * records, `quantity`, `amountMinor` and `snapshotDigest` follow from them, every record is
 * of the line's tenant, period and SKU, no record is on two lines, and no record of a
 * line's tenant, period and SKU is left off. Returns the problems, empty when it reconciles.
 */
export function reconcileInvoice(
  lines: readonly InvoiceLine[],
  records: readonly MeteringRecord[],
  opts: { skus?: Partial<Record<Meter, string>> } = {},
): string[] {
  const problems: string[] = [];
  const byId = new Map(records.map((r) => [r.id, r]));
  const onLine = new Map<string, string>();
  for (const line of lines) {
    const where = `line ${line.sku} (${line.tenant} ${line.period})`;
    const rs: MeteringRecord[] = [];
    for (const id of line.recordIds) {
      const r = byId.get(id);
      if (!r) {
        problems.push(`${where}: record ${id} is not in the ledger`);
        continue;
      }
      const other = onLine.get(id);
      if (other !== undefined) problems.push(`${where}: record ${id} is also on line ${other}`);
      onLine.set(id, line.sku);
      if (r.tenant !== line.tenant) problems.push(`${where}: record ${id} is of tenant ${r.tenant}`);
      if (!inPeriod(r, line.period))
        problems.push(`${where}: record ${id} (${r.window.start}) is outside the period`);
      if (skuOf(r.meter, opts.skus) !== line.sku)
        problems.push(`${where}: record ${id} is of meter ${r.meter}`);
      if (r.unit !== line.baseUnit)
        problems.push(`${where}: record ${id} is in ${r.unit}, not ${line.baseUnit}`);
      rs.push(r);
    }
    const sum = sumQuantities(rs);
    if (!/^\d+$/.test(line.quantityBase) || BigInt(line.quantityBase) !== sum) {
      problems.push(`${where}: quantityBase ${line.quantityBase} != sum of its records ${sum}`);
    }
    const size = UNIT_SIZES[line.baseUnit]?.[line.unit];
    if (size === undefined) {
      problems.push(`${where}: unit ${line.unit} does not fit ${line.baseUnit}`);
    } else if (Number.isSafeInteger(line.unitPriceMinor) && line.unitPriceMinor >= 0) {
      const want = amount(sum, line.unitPriceMinor, size);
      if (line.quantity !== want.quantity)
        problems.push(`${where}: quantity ${line.quantity} != ${want.quantity}`);
      if (line.amountMinor !== want.amountMinor) {
        problems.push(`${where}: amountMinor ${line.amountMinor} != ${want.amountMinor}`);
      }
    } else {
      problems.push(`${where}: unitPriceMinor ${line.unitPriceMinor} is not a non-negative integer`);
    }
    if (rs.length === line.recordIds.length && snapshotDigest(rs) !== line.snapshotDigest) {
      problems.push(`${where}: snapshotDigest does not match its records`);
    }
  }
  const lineKeys = new Set(lines.map((l) => `${l.tenant}\u0000${l.period}\u0000${l.sku}`));
  for (const r of records) {
    if (onLine.has(r.id)) continue;
    const key = `${r.tenant}\u0000${r.window.start.slice(0, 7)}\u0000${skuOf(r.meter, opts.skus)}`;
    if (lineKeys.has(key)) problems.push(`record ${r.id} (${r.meter} ${r.window.start}) is on no line`);
  }
  return problems;
}

export const CSV_COLUMNS = [
  'tenant',
  'period',
  'sku',
  'description',
  'quantity',
  'unit',
  'unitPriceMinor',
  'amountMinor',
  'currency',
  'quantityBase',
  'baseUnit',
  'recordCount',
  'snapshotDigest',
] as const;

/** An RFC 4180 field: quoted when it holds a comma, a double quote, CR or LF; quotes doubled. */
export function csvField(v: string | number): string {
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/**
 * RFC 4180 CSV: a header row, one row per line, CRLF after every row. Record ids are left
 * out (a month can have hundreds per line); `recordCount` and `snapshotDigest` stand for
 * them and the JSON report carries them in full.
 */
export function invoiceCsv(lines: readonly InvoiceLine[]): string {
  const rows = [CSV_COLUMNS.join(',')];
  for (const l of lines) {
    const values: Record<(typeof CSV_COLUMNS)[number], string | number> = {
      ...l,
      recordCount: l.recordIds.length,
    };
    rows.push(CSV_COLUMNS.map((c) => csvField(values[c])).join(','));
  }
  return `${rows.join('\r\n')}\r\n`;
}

export interface InvoiceReport {
  kind: 'InvoiceReport';
  version: 1;
  tenant: string;
  period: string;
  lines: InvoiceLine[];
  /** Sum of the lines' amounts per currency, in minor units. */
  totals: Record<string, number>;
}

/** The report over the lines; `ctx` is needed only when there are no lines. */
export function invoiceReport(
  lines: readonly InvoiceLine[],
  ctx?: { tenant: string; period: string },
): InvoiceReport {
  const first = lines[0];
  const tenant = ctx?.tenant ?? first?.tenant;
  const period = ctx?.period ?? first?.period;
  if (tenant === undefined || period === undefined)
    throw new InvoiceError('an empty invoice needs its tenant and period');
  const totals: Record<string, number> = {};
  for (const l of lines) {
    if (l.tenant !== tenant || l.period !== period)
      throw new InvoiceError(`line ${l.sku} is of another tenant or period`);
    const t = (totals[l.currency] ?? 0) + l.amountMinor;
    if (!Number.isSafeInteger(t)) throw new InvoiceError('total exceeds the safe integer range');
    totals[l.currency] = t;
  }
  return { kind: 'InvoiceReport', version: 1, tenant, period, lines: [...lines], totals };
}

/** sha256 of canonical JSON of the report: what gets signed. */
export function invoiceDigest(report: InvoiceReport): string {
  return sha256Hex(canonicalJson(report));
}

/** The report as indented JSON with its `digest` (over the report without the digest). */
export function invoiceJson(lines: readonly InvoiceLine[], ctx?: { tenant: string; period: string }): string {
  const report = invoiceReport(lines, ctx);
  return `${JSON.stringify({ ...report, digest: invoiceDigest(report) }, null, 2)}\n`;
}
