import { describe, expect, it } from 'vitest';
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
});
