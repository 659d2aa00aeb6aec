/**
 * The shapes the Entitlement status carries (`operator/api/v1alpha1/entitlement.ts`), built
 * from ledger records and invoice lines, for the Entitlement controller.
 */
import type {
  InvoiceLine as ApiInvoiceLine,
  MeteringRecord as ApiMeteringRecord,
  InvoicePreview,
  Price,
} from '../api/v1alpha1/entitlement.ts';
import type { Meter, MeteringRecord } from '../metering/record.ts';
import type { Instant } from '../metering/windows.ts';
import { iso, periodBounds, toMs } from '../metering/windows.ts';
import type { InvoiceLine } from './pricing.ts';
import { formatDecimal, InvoiceError, skuOf, unitSize } from './pricing.ts';

/**
 * The invoice preview of the lines' period. Lines must share one currency (the preview has
 * one); `totalMinor` is the sum of the already rounded line amounts.
 */
export function invoicePreview(
  lines: readonly InvoiceLine[],
  opts: { period: string; currency?: string; generatedAt?: Instant },
): InvoicePreview {
  const bounds = periodBounds(opts.period);
  const currency = opts.currency ?? lines[0]?.currency;
  if (currency === undefined) throw new InvoiceError('an empty preview needs its currency');
  let totalMinor = 0;
  const out: ApiInvoiceLine[] = [];
  for (const l of lines) {
    if (l.period !== opts.period) throw new InvoiceError(`line ${l.sku} is of period ${l.period}`);
    if (l.currency !== currency) throw new InvoiceError(`line ${l.sku} is in ${l.currency}, not ${currency}`);
    totalMinor += l.amountMinor;
    out.push({
      sku: l.sku,
      description: l.description,
      quantity: l.quantity,
      unitPriceMinor: l.unitPriceMinor,
      amountMinor: l.amountMinor,
    });
  }
  if (!Number.isSafeInteger(totalMinor)) throw new InvoiceError('total exceeds the safe integer range');
  const preview: InvoicePreview = {
    periodStart: iso(bounds.start),
    periodEnd: iso(bounds.end),
    currency,
    lines: out,
    totalMinor,
  };
  if (opts.generatedAt !== undefined) preview.generatedAt = iso(toMs(opts.generatedAt));
  return preview;
}

/**
 * Records of the period compacted to one per SKU and UTC day, as `status.records` wants
 * them: quantity in the price's unit (decimal, at most 6 fractional digits, half-up),
 * `start`/`end` the first window's start and the last window's end of that day. Sorted by
 * day, then SKU. Throws `InvoiceError` for a SKU without a fitting price.
 */
export function statusRecords(
  records: readonly MeteringRecord[],
  prices: readonly Price[],
  opts: { tenant: string; period: string; skus?: Partial<Record<Meter, string>> },
): ApiMeteringRecord[] {
  const bounds = periodBounds(opts.period);
  const groups = new Map<string, { sku: string; sum: bigint; start: number; end: number; size: bigint }>();
  const seen = new Set<string>();
  for (const r of records) {
    const start = toMs(r.window.start);
    if (r.tenant !== opts.tenant || start < bounds.start || start >= bounds.end || seen.has(r.id)) continue;
    seen.add(r.id);
    const sku = skuOf(r.meter, opts.skus);
    const key = `${r.window.start.slice(0, 10)}\u0000${sku}`;
    let g = groups.get(key);
    if (!g) {
      const price = prices.find((p) => p.sku === sku);
      if (!price) throw new InvoiceError(`no price for SKU ${sku} in the entitlement's price list`);
      g = { sku, sum: 0n, start, end: start, size: unitSize(r.unit, price.unit, sku) };
      groups.set(key, g);
    }
    g.sum += BigInt(r.quantity);
    g.start = Math.min(g.start, start);
    g.end = Math.max(g.end, toMs(r.window.end));
  }
  const out: ApiMeteringRecord[] = [];
  for (const key of [...groups.keys()].sort()) {
    const g = groups.get(key);
    if (g)
      out.push({ sku: g.sku, quantity: formatDecimal(g.sum, g.size), start: iso(g.start), end: iso(g.end) });
  }
  return out;
}
