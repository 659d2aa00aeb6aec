import { describe, expect, it } from 'vitest';
import { advance, emptyLedger } from '../metering/ledger.ts';
import { invoicePreview, statusRecords } from './preview.ts';
import { InvoiceError, invoiceLines } from './pricing.ts';
import { prices as allPrices } from './testdata.ts';

// The shared price list without storage, which these inputs (no byte samples) never meter.
const prices = allPrices.filter((p) => p.sku !== 'archive-gib-hours');
const START = Date.parse('2026-11-29T22:00:00Z');
const inputs = {
  reservations: [{ node: 'n1', from: '2026-11-29T22:30:00Z' }],
  archiveEvents: [
    { key: 'a', at: '2026-11-29T23:00:00Z' },
    { key: 'b', at: '2026-11-30T01:00:00Z' },
    { key: 'c', at: '2026-12-01T00:10:00Z' },
  ],
};
const ledger = advance(emptyLedger('acme', START), inputs, '2026-12-01T01:00:00Z');

describe('statusRecords', () => {
  it('compacts to one per SKU and day, in the price unit', () => {
    expect(statusRecords(ledger.records, prices, { tenant: 'acme', period: '2026-11' })).toEqual([
      {
        sku: 'archive-objects',
        quantity: '1',
        start: '2026-11-29T23:00:00.000Z',
        end: '2026-11-30T00:00:00.000Z',
      },
      {
        sku: 'dedicated-node-hours',
        quantity: '1.5',
        start: '2026-11-29T22:00:00.000Z',
        end: '2026-11-30T00:00:00.000Z',
      },
      {
        sku: 'archive-objects',
        quantity: '1',
        start: '2026-11-30T01:00:00.000Z',
        end: '2026-11-30T02:00:00.000Z',
      },
      {
        sku: 'dedicated-node-hours',
        quantity: '24',
        start: '2026-11-30T00:00:00.000Z',
        end: '2026-12-01T00:00:00.000Z',
      },
    ]);
    expect(() =>
      statusRecords(ledger.records, prices.slice(0, 1), { tenant: 'acme', period: '2026-11' }),
    ).toThrow(InvoiceError);
  });
});

describe('invoicePreview', () => {
  it('fills the Entitlement status preview', () => {
    const lines = invoiceLines(ledger.records, prices, { tenant: 'acme', period: '2026-11' });
    const p = invoicePreview(lines, { period: '2026-11', generatedAt: '2026-12-01T01:00:00Z' });
    expect(p).toEqual({
      periodStart: '2026-11-01T00:00:00.000Z',
      periodEnd: '2026-12-01T00:00:00.000Z',
      currency: 'EUR',
      lines: [
        {
          sku: 'archive-objects',
          description: 'Archived objects',
          quantity: '2',
          unitPriceMinor: 2,
          effectiveFrom: '1970-01-01T00:00:00Z',
          amountMinor: 4,
        },
        {
          sku: 'dedicated-node-hours',
          description: 'Dedicated node',
          quantity: '25.5',
          unitPriceMinor: 125,
          effectiveFrom: '1970-01-01T00:00:00Z',
          amountMinor: 3188, // 3187.5 rounded half-up
        },
      ],
      totalMinor: 3192,
      generatedAt: '2026-12-01T01:00:00.000Z',
    });
    const usd = lines.map((l, i) => (i === 0 ? { ...l, currency: 'USD' } : l));
    expect(() => invoicePreview(usd, { period: '2026-11' })).toThrow(/not USD|not EUR/);
    expect(invoicePreview([], { period: '2026-11', currency: 'EUR' }).totalMinor).toBe(0);
  });
});
