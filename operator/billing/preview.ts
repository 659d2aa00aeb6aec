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
import { sumQuantities } from '../metering/ledger.ts';
import type { Meter, MeteringRecord } from '../metering/record.ts';
import type { Instant } from '../metering/windows.ts';
import { iso, periodBounds, toMs } from '../metering/windows.ts';
import type { InvoiceLine } from './pricing.ts';
import { formatDecimal, InvoiceError, pricedGroups, unitSize } from './pricing.ts';

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
      ...(l.effectiveFrom === undefined ? {} : { effectiveFrom: l.effectiveFrom }),
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
 * Records of the period compacted to one per SKU, price and UTC day, as `status.records`
 * wants them: quantity in the price's unit (decimal, at most 6 fractional digits, half-up),
 * `start`/`end` the first window's start and the last window's end of that day at that
 * price. Sorted by day, then SKU, then the price's effective time. Throws `InvoiceError` for
 * a window without a fitting price.
 */
export function statusRecords(
  records: readonly MeteringRecord[],
  prices: readonly Price[],
  opts: { tenant: string; period: string; skus?: Partial<Record<Meter, string>> },
): ApiMeteringRecord[] {
  const out: Array<ApiMeteringRecord & { order: string }> = [];
  for (const { sku, price, records: rs } of pricedGroups(records, prices, opts)) {
    const size = unitSize((rs[0] as MeteringRecord).unit, price.price.unit, sku);
    const days = new Map<string, MeteringRecord[]>();
    for (const r of rs) {
      const day = r.window.start.slice(0, 10);
      const list = days.get(day) ?? [];
      list.push(r);
      days.set(day, list);
    }
    for (const [day, dayRecords] of days) {
      const first = dayRecords[0] as MeteringRecord;
      const last = dayRecords.at(-1) as MeteringRecord;
      out.push({
        order: `${day}\u0000${sku}\u0000${price.effectiveFrom}`,
        sku,
        quantity: formatDecimal(sumQuantities(dayRecords), size),
        start: iso(toMs(first.window.start)),
        end: iso(toMs(last.window.end)),
      });
    }
  }
  return out
    .sort((a, b) => (a.order < b.order ? -1 : a.order > b.order ? 1 : 0))
    .map(({ order: _, ...r }) => r);
}
