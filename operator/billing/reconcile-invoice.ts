/**
 * Report checking: whether invoice lines still say what their ledger records say; the CLI
 * checks every invoice it prints with it.
 */

import { sumQuantities } from '../metering/ledger.ts';
import type { Meter, MeteringRecord } from '../metering/record.ts';
import { toMs } from '../metering/windows.ts';
import { type InvoiceLine, inPeriod, lineAmount, skuOf, snapshotDigest, UNIT_SIZES } from './pricing.ts';

/**
 * For lines naming their price's effective time: the windows the price covers, from it to
 * the effective time of the next line of the same tenant, period and SKU.
 */
function priceSpans(lines: readonly InvoiceLine[]): Map<InvoiceLine, { from: number; until: number }> {
  const bySku = new Map<string, Array<{ line: InvoiceLine; from: number }>>();
  for (const line of lines) {
    if (line.effectiveFrom === undefined) continue;
    const from = Date.parse(line.effectiveFrom);
    const key = `${line.tenant}\u0000${line.period}\u0000${line.sku}`;
    bySku.set(key, [...(bySku.get(key) ?? []), { line, from: Number.isNaN(from) ? Infinity : from }]);
  }
  const spans = new Map<InvoiceLine, { from: number; until: number }>();
  for (const group of bySku.values()) {
    group.sort((a, b) => a.from - b.from);
    group.forEach(({ line, from }, i) => {
      spans.set(line, { from, until: group[i + 1]?.from ?? Infinity });
    });
  }
  return spans;
}

/**
 * Checks lines against the records: each line's `quantityBase` equals the exact sum of its
 * records, `quantity`, `amountMinor` and `snapshotDigest` follow from them, every record is
 * of the line's tenant, period and SKU, no record is on two lines, and no record of a
 * line's tenant, period and SKU is left off. A line naming its price's `effectiveFrom`
 * (report version 2) holds only windows starting from then until the SKU's next priced
 * line. Returns the problems, empty when it reconciles.
 */
export function reconcileInvoice(
  lines: readonly InvoiceLine[],
  records: readonly MeteringRecord[],
  opts: { skus?: Partial<Record<Meter, string>> } = {},
): string[] {
  const problems: string[] = [];
  const byId = new Map(records.map((r) => [r.id, r]));
  const onLine = new Map<string, string>();
  const priceSpan = priceSpans(lines);
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
      const span = priceSpan.get(line);
      const start = toMs(r.window.start);
      if (span && (start < span.from || start >= span.until))
        problems.push(
          `${where}: record ${id} (${r.window.start}) is not in the span of the price effective from ${line.effectiveFrom}`,
        );
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
      const want = lineAmount(sum, line.unitPriceMinor, size);
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
