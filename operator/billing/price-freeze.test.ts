import { describe, expect, it } from 'vitest';
import type { Price } from '../api/v1alpha1/entitlement.ts';
import { repricedLines, repricedSinceSigned } from './price-freeze.ts';
import { invoiceLines } from './pricing.ts';
import { meteredReport } from './signed-report.ts';
import { ledger, prices } from './testdata.ts';

const opts = { tenant: 'acme', period: '2026-11' };
const signed = invoiceLines(ledger.records, prices, opts);
const node = prices[0] as Price;

describe('repricedLines', () => {
  it('accepts the same prices and a new price for windows not yet signed', () => {
    expect(repricedLines(signed, signed)).toEqual([]);
    // Signed up to 22:00; a price from 22:00 on reprices nothing that was signed.
    const early = signed.map((l) => (l.sku === node.sku ? { ...l, recordIds: l.recordIds.slice(0, 2) } : l));
    const later = invoiceLines(
      ledger.records,
      [...prices, { ...node, unitPriceMinor: 900, effectiveFrom: '2026-11-30T22:00:00Z' }],
      opts,
    );
    expect(repricedLines(early, later)).toEqual([]);
    // A description is no price.
    const renamed = invoiceLines(
      ledger.records,
      prices.map((p) => ({ ...p, description: 'new text' })),
      opts,
    );
    expect(repricedLines(signed, renamed)).toEqual([]);
  });

  it('names the SKU and both prices when signed windows would be priced anew', () => {
    const patched = invoiceLines(
      ledger.records,
      prices.map((p) => (p.sku === node.sku ? { ...p, unitPriceMinor: 150 } : p)),
      opts,
    );
    expect(repricedLines(signed, patched)).toEqual([
      'usage of dedicated-node-hours already signed at 125 EUR per node-hour (effective from 1970-01-01T00:00:00Z) would now be priced at 150 EUR per node-hour (effective from 1970-01-01T00:00:00Z): a price that priced metered usage cannot change; restore it and add the new price with effectiveFrom after the watermark',
    ]);
    // Back-dated: a new price whose time the signed windows have passed.
    const backdated = invoiceLines(
      ledger.records,
      [...prices, { ...node, unitPriceMinor: 125, effectiveFrom: '2026-11-30T21:00:00Z' }],
      opts,
    );
    expect(repricedLines(signed, backdated)[0]).toMatch(
      /^usage of dedicated-node-hours already signed at 125 EUR per node-hour \(effective from 1970-01-01T00:00:00Z\) would now be priced at 125 EUR per node-hour \(effective from 2026-11-30T21:00:00Z\)/,
    );
  });

  it('compares version 1 lines by price alone, and reads the stored report', () => {
    const v1 = signed.map(({ effectiveFrom: _, ...l }) => l);
    expect(repricedLines(v1, signed)).toEqual([]);
    const changedUnit = invoiceLines(
      ledger.records,
      prices.map((p) =>
        p.sku === 'archive-gib-hours' ? { ...p, unit: 'GiB-month', unitPriceMinor: 730 } : p,
      ),
      opts,
    );
    expect(repricedLines(v1, changedUnit)[0]).toMatch(
      /^usage of archive-gib-hours already signed at 1 EUR per GiB-hour would now be priced at 730 EUR per GiB-month/,
    );
    const report = meteredReport(signed, { ...opts, meteredUntil: '2026-12-01T00:00:00.000Z', final: false });
    const stored = { reportJson: JSON.stringify(report), bundleJson: '{}' };
    expect(repricedSinceSigned(undefined, changedUnit)).toBeUndefined();
    expect(repricedSinceSigned(stored, signed)).toBeUndefined();
    expect(repricedSinceSigned(stored, changedUnit)).toMatch(/^usage of archive-gib-hours/);
  });
});
