import { describe, expect, it } from 'vitest';
import { invoiceDigest, invoiceReport } from './invoice-report.ts';
import { InvoiceError, invoiceLines } from './pricing.ts';
import { ledger, prices } from './testdata.ts';

describe('invoiceReport', () => {
  const lines = invoiceLines(ledger.records, prices, { tenant: 'acme', period: '2026-11' });

  it('carries totals per currency and a digest that moves with the lines', () => {
    const report = invoiceReport(lines);
    expect(report.totals).toEqual({ EUR: 2 + 2 + 458 });
    const changed = invoiceReport(
      lines.map((l, i) => (i === 0 ? { ...l, amountMinor: l.amountMinor + 1 } : l)),
    );
    expect(invoiceDigest(changed)).not.toBe(invoiceDigest(report));
    expect(invoiceReport([], { tenant: 'acme', period: '2026-11' }).totals).toEqual({});
    expect(() => invoiceReport([])).toThrow(InvoiceError);
  });
});
