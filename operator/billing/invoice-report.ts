/**
 * The invoice report of a tenant and period: its lines with totals per currency, and the
 * digest the operator's signed report (`signed-report.ts`) carries and the CLI prints.
 */

import { canonicalJson, sha256Hex } from '../evidence/statement.ts';
import { InvoiceError, type InvoiceLine } from './pricing.ts';

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
