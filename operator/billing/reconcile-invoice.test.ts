import { describe, expect, it } from 'vitest';
import type { Price } from '../api/v1alpha1/entitlement.ts';
import type { InvoiceLine } from './pricing.ts';
import { invoiceLines } from './pricing.ts';
import { reconcileInvoice } from './reconcile-invoice.ts';
import { ledger, prices } from './testdata.ts';

describe('reconcileInvoice', () => {
  const lines = invoiceLines(ledger.records, prices, { tenant: 'acme', period: '2026-11' });

  it('reconciles untouched lines', () => {
    expect(reconcileInvoice(lines, ledger.records)).toEqual([]);
  });

  it('catches a tampered quantity, amount, record list or record', () => {
    const bump = (i: number, patch: Partial<InvoiceLine>) =>
      lines.map((l, j) => (j === i ? { ...l, ...patch } : l));
    const q = BigInt(lines[2]?.quantityBase ?? '0') + 1n;
    expect(reconcileInvoice(bump(2, { quantityBase: q.toString() }), ledger.records).join('\n')).toMatch(
      /quantityBase .* != sum of its records/,
    );
    expect(reconcileInvoice(bump(2, { quantity: '4' }), ledger.records).join('\n')).toMatch(/quantity 4 !=/);
    expect(reconcileInvoice(bump(2, { amountMinor: 459 }), ledger.records).join('\n')).toMatch(
      /amountMinor 459 != 458/,
    );
    const dropped = bump(2, { recordIds: lines[2]?.recordIds.slice(1) ?? [] });
    expect(reconcileInvoice(dropped, ledger.records).join('\n')).toMatch(/is on no line/);
    const tampered = ledger.records.map((r) =>
      r.id === lines[2]?.recordIds[0] ? { ...r, quantity: '1' } : r,
    );
    expect(reconcileInvoice(lines, tampered).length).toBeGreaterThan(0);
    expect(reconcileInvoice(lines, ledger.records.slice(1)).join('\n')).toMatch(/not in the ledger/);
    const dup = [...lines, { ...(lines[0] as InvoiceLine), sku: 'x' }];
    expect(reconcileInvoice(dup, ledger.records).join('\n')).toMatch(/also on line/);
  });

  it('keeps each record of a priced line inside its price span', () => {
    const changed: Price[] = [
      ...prices,
      { ...(prices[0] as Price), unitPriceMinor: 200, effectiveFrom: '2026-11-30T22:00:00Z' },
    ];
    const split = invoiceLines(ledger.records, changed, { tenant: 'acme', period: '2026-11' });
    expect(reconcileInvoice(split, ledger.records)).toEqual([]);
    const [before, after] = split.filter((l) => l.sku === 'dedicated-node-hours') as [
      InvoiceLine,
      InvoiceLine,
    ];
    // A window moved to the cheaper price it no longer falls under.
    const moved = after.recordIds[0] as string;
    const cheaper = split.map((l) =>
      l === before
        ? { ...l, recordIds: [...l.recordIds, moved] }
        : l === after
          ? { ...l, recordIds: l.recordIds.slice(1) }
          : l,
    );
    expect(reconcileInvoice(cheaper, ledger.records).join('\n')).toMatch(
      /record .* \(2026-11-30T22:00:00.000Z\) is not in the span of the price effective from 1970-01-01T00:00:00Z/,
    );
    // A line claiming a price from after its records' windows.
    const late = split.map((l) => (l === after ? { ...l, effectiveFrom: '2026-11-30T23:30:00Z' } : l));
    expect(reconcileInvoice(late, ledger.records).join('\n')).toMatch(
      /not in the span of the price effective from 2026-11-30T23:30:00Z/,
    );
    // Version 1 lines name no price time and are checked as before.
    const v1 = split.map(({ effectiveFrom: _, ...l }) => l);
    expect(reconcileInvoice(v1, ledger.records)).toEqual([]);
  });
});
