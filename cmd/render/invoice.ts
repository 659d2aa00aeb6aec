/**
 * What `tenantry invoice` and `tenantry usage` print: invoice lines as CSV, reports as JSON,
 * usage as a text table. Only the CLI prints, so the operator's billing code stops at the lines
 * and reports.
 */

import { invoiceDigest, invoiceReport } from '../../operator/billing/invoice-report.ts';
import type { InvoiceLine } from '../../operator/billing/pricing.ts';
import type { MeteredReport } from '../../operator/billing/signed-report.ts';

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
  // Last, so readers that go by position keep working; empty for lines of version 1 reports.
  'effectiveFrom',
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
      effectiveFrom: l.effectiveFrom ?? '',
    };
    rows.push(CSV_COLUMNS.map((c) => csvField(values[c])).join(','));
  }
  return `${rows.join('\r\n')}\r\n`;
}

export const jsonDocument = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** The report as indented JSON with its `digest` (over the report without the digest). */
export function invoiceJson(lines: readonly InvoiceLine[], ctx?: { tenant: string; period: string }): string {
  const report = invoiceReport(lines, ctx);
  return jsonDocument({ ...report, digest: invoiceDigest(report) });
}

/** A tenant's report as `tenantry invoice` has it; `signed` is absent when the operator signs nothing. */
export interface PrintedReport {
  report: MeteredReport;
  signed?: { keyId: string; bundle: unknown };
}

/** `tenantry invoice -o json`: each report with its signature (null when unsigned). */
export function reportsJson(period: string, reports: readonly PrintedReport[]): string {
  return jsonDocument({
    period,
    reports: reports.map((i) => ({
      ...i.report,
      signature: i.signed ? { keyId: i.signed.keyId, bundle: i.signed.bundle } : null,
    })),
  });
}

export interface Usage {
  tenant: string;
  period: string;
  meteredUntil: string;
  lines: readonly InvoiceLine[];
}

/** `tenantry usage -o json`. */
export function usageJson(u: Usage): string {
  return jsonDocument({ tenant: u.tenant, period: u.period, meteredUntil: u.meteredUntil, lines: u.lines });
}

/**
 * `tenantry usage`: one row per line, amounts in major units; a SKU whose price changed in the
 * period has a row per price, each saying from when its price applies.
 */
export function usageText(u: Usage): string {
  let out = `usage of ${u.tenant} in ${u.period}, metered until ${u.meteredUntil}\n`;
  for (const l of u.lines) {
    const since = l.effectiveFrom && Date.parse(l.effectiveFrom) > 0 ? `  price from ${l.effectiveFrom}` : '';
    out += `  ${l.sku.padEnd(24)} ${l.quantity.padStart(14)} ${l.unit.padEnd(10)} ${(Number(l.amountMinor) / 100).toFixed(2).padStart(10)} ${l.currency}${since}\n`;
  }
  if (!u.lines.length) out += '  no metered usage yet\n';
  return out;
}
