/**
 * The operator's second line behind admission's price rules: a window already in a signed
 * report keeps the price it was signed at. Admission compares against status.watermark,
 * which lags the ledger for a moment and which a cluster admin can rewrite; the last signed
 * report is what the operator itself vouched for.
 */

import type { InvoiceLine } from './pricing.ts';
import type { StoredReport } from './report-store.ts';
import type { MeteredReport } from './signed-report.ts';

const priceOf = (l: InvoiceLine) =>
  `${l.unitPriceMinor} ${l.currency} per ${l.unit}${l.effectiveFrom ? ` (effective from ${l.effectiveFrom})` : ''}`;

/**
 * Where `next` prices a record of `signed` differently, one problem per SKU, naming the SKU
 * and both prices. Prices compare by amount, currency and unit; the effective time too when
 * both lines name one (version 1 lines predate effective times). Records that are on no
 * line of `next` are not judged here: the ledger check owns missing records.
 */
export function repricedLines(signed: readonly InvoiceLine[], next: readonly InvoiceLine[]): string[] {
  const lineOf = new Map<string, InvoiceLine>();
  for (const l of next) for (const id of l.recordIds) lineOf.set(id, l);
  const problems = new Map<string, string>();
  for (const old of signed) {
    for (const id of old.recordIds) {
      const now = lineOf.get(id);
      if (!now || problems.has(old.sku)) continue;
      const same =
        now.sku === old.sku &&
        now.unitPriceMinor === old.unitPriceMinor &&
        now.currency === old.currency &&
        now.unit === old.unit &&
        (old.effectiveFrom === undefined || now.effectiveFrom === old.effectiveFrom);
      if (!same)
        problems.set(
          old.sku,
          `usage of ${old.sku} already signed at ${priceOf(old)} would now be priced at ${priceOf(now)}: a price that priced metered usage cannot change; restore it and add the new price with effectiveFrom after the watermark`,
        );
    }
  }
  return [...problems.values()];
}

/** The first repricing of the report signed last (`stored`) that `lines` would sign. */
export function repricedSinceSigned(stored: StoredReport | undefined, lines: readonly InvoiceLine[]) {
  if (!stored) return undefined;
  return repricedLines((JSON.parse(stored.reportJson) as MeteredReport).lines, lines)[0];
}
