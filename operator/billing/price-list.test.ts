import { describe, expect, it } from 'vitest';
import type { Price } from '../api/v1alpha1/entitlement.ts';
import { InvoiceError } from './invoice-error.ts';
import { BEGINNING, priceAt, priceList } from './price-list.ts';

const base: Price = {
  sku: 'dedicated-node-hours',
  description: 'Dedicated node',
  unit: 'node-hour',
  unitPriceMinor: 100,
  currency: 'EUR',
};
const at = (t: string) => Date.parse(t);

describe('priceAt', () => {
  // Listed out of order on purpose: the list's order must not matter.
  const list = priceList([
    { ...base, unitPriceMinor: 300, effectiveFrom: '2026-12-01T00:00:00Z' },
    base,
    { ...base, unitPriceMinor: 200, effectiveFrom: '2026-11-15T12:00:00Z' },
    {
      ...base,
      sku: 'archive-objects',
      unit: 'object',
      unitPriceMinor: 2,
      effectiveFrom: '2026-11-20T00:00:00Z',
    },
  ]);

  it('takes the price with the latest effectiveFrom at or before the instant', () => {
    const price = (t: string) => priceAt(list, 'dedicated-node-hours', at(t)).price.unitPriceMinor;
    expect(price('2020-01-01T00:00:00Z')).toBe(100); // no effectiveFrom: from the beginning
    expect(price('2026-11-15T11:59:59.999Z')).toBe(100);
    expect(price('2026-11-15T12:00:00Z')).toBe(200); // takes effect at its instant, inclusive
    expect(price('2026-11-30T23:59:59.999Z')).toBe(200);
    expect(price('2026-12-01T00:00:00Z')).toBe(300);
    expect(price('2030-01-01T00:00:00Z')).toBe(300);
  });

  it('names the effective time in one spelling, the beginning for a price without one', () => {
    expect(priceAt(list, 'dedicated-node-hours', 0).effectiveFrom).toBe(BEGINNING);
    const offset = priceList([{ ...base, effectiveFrom: '2026-11-15T13:00:00.000+01:00' }]);
    expect(priceAt(offset, base.sku, at('2026-12-01T00:00:00Z')).effectiveFrom).toBe('2026-11-15T12:00:00Z');
  });

  it('refuses usage before a SKU has a price, and SKUs without any', () => {
    expect(() => priceAt(list, 'archive-objects', at('2026-11-19T23:00:00Z'))).toThrow(
      'no price for SKU archive-objects in effect at 2026-11-19T23:00:00.000Z',
    );
    expect(() => priceAt(list, 'archive-gib-hours', 0)).toThrow(
      "no price for SKU archive-gib-hours in the entitlement's price list",
    );
  });

  it('refuses two prices of a SKU at one instant, however spelled, and times that are not times', () => {
    expect(() =>
      priceList([
        { ...base, effectiveFrom: '2026-12-01T00:00:00Z' },
        { ...base, unitPriceMinor: 1, effectiveFrom: '2026-12-01T01:00:00+01:00' },
      ]),
    ).toThrow(/dedicated-node-hours has two prices taking effect at 2026-12-01T00:00:00Z/);
    expect(() => priceList([base, { ...base, effectiveFrom: BEGINNING }])).toThrow(InvoiceError);
    expect(() => priceList([{ ...base, effectiveFrom: 'tomorrow' }])).toThrow(
      'effectiveFrom of dedicated-node-hours is not a time: tomorrow',
    );
    // Another SKU at the same instant is no duplicate.
    expect(() => priceList([base, { ...base, sku: 'other' }])).not.toThrow();
  });
});
