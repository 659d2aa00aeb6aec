/**
 * The invoice report of a tenant and period: its lines with totals per currency, and the
 * digest the operator's signed report (`signed-report.ts`) carries and the CLI prints.
 *
 * Format versions (`version`), all still read and checked:
 * 1. one line per SKU, lines without `effectiveFrom` (prices had no effective dates);
 * 2. one line per SKU and price, each line naming the `effectiveFrom` of its price.
 */

import { canonicalJson, sha256Hex } from '../evidence/statement.ts';
import { InvoiceError, type InvoiceLine } from './pricing.ts';

/** The version reports are written in. */
export const REPORT_VERSION = 2;
/** Every version this code reads. */
export const REPORT_VERSIONS: readonly number[] = [1, 2];

export interface InvoiceReport {
  kind: 'InvoiceReport';
  version: number;
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
  return { kind: 'InvoiceReport', version: REPORT_VERSION, tenant, period, lines: [...lines], totals };
}

/** sha256 of canonical JSON of the report: what gets signed. */
export function invoiceDigest(report: InvoiceReport): string {
  return sha256Hex(canonicalJson(report));
}
