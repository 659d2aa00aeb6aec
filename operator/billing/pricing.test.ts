import { describe, expect, it } from 'vitest';
import type { Price } from '../api/v1alpha1/entitlement.ts';
import { advance, emptyLedger } from '../metering/ledger.ts';
import type { MeteringRecord } from '../metering/record.ts';
import { computeRecord } from '../metering/record.ts';
import { knownAt, rng, scenario } from '../metering/testdata.ts';
import { HOUR_MS, windowOf } from '../metering/windows.ts';
import { invoiceDigest, invoiceReport } from './invoice-report.ts';
import type { InvoiceLine } from './pricing.ts';
import { divRoundHalfUp, formatDecimal, InvoiceError, invoiceLines } from './pricing.ts';
import { reconcileInvoice } from './reconcile-invoice.ts';
import { inputs, ledger, prices, START } from './testdata.ts';

describe('arithmetic', () => {
  it('rounds half up exactly once', () => {
    expect(divRoundHalfUp(5n, 10n)).toBe(1n);
    expect(divRoundHalfUp(4n, 10n)).toBe(0n);
    expect(divRoundHalfUp(15n, 10n)).toBe(2n);
    expect(divRoundHalfUp(25n, 10n)).toBe(3n); // half-up, not half-even
    expect(divRoundHalfUp(0n, 7n)).toBe(0n);
    expect(() => divRoundHalfUp(-1n, 2n)).toThrow(RangeError);
  });

  it('formats exact decimals to at most 6 places', () => {
    expect(formatDecimal(3n, 2n)).toBe('1.5');
    expect(formatDecimal(1n, 3n)).toBe('0.333333');
    expect(formatDecimal(2n, 3n)).toBe('0.666667');
    expect(formatDecimal(10n, 1n)).toBe('10');
    expect(formatDecimal(1n, 2_000_000n)).toBe('0.000001'); // 0.0000005 rounds up
    expect(formatDecimal(1n, 3_000_000n)).toBe('0');
    expect(formatDecimal((BigInt(HOUR_MS) * 40n) / 60n, BigInt(HOUR_MS))).toBe('0.666667');
  });
});

describe('invoiceLines', () => {
  it('prices each SKU of the period, one line per SKU, amounts rounded once per line', () => {
    const nov = invoiceLines(ledger.records, prices, { tenant: 'acme', period: '2026-11' });
    expect(nov.map((l) => [l.sku, l.quantity, l.unit, l.amountMinor])).toEqual([
      ['archive-gib-hours', '2', 'GiB-hour', 2], // 4 h × 0.5 GiB
      ['archive-objects', '1', 'object', 2], // a (23:59:59.999)
      ['dedicated-node-hours', '3.666667', 'node-hour', 458], // 3⅔ × 125 = 458.33
    ]);
    // The same storage priced per GiB-month (730 GiB-hours): 2 GiB-hours at 730 cents a month.
    const monthly = prices.map((p) =>
      p.sku === 'archive-gib-hours' ? { ...p, unit: 'GiB-month', unitPriceMinor: 730 } : p,
    );
    const byMonth = invoiceLines(ledger.records, monthly, { tenant: 'acme', period: '2026-11' });
    expect(byMonth[0]).toMatchObject({ unit: 'GiB-month', quantity: '0.00274', amountMinor: 2 });
    const dec = invoiceLines(ledger.records, prices, { tenant: 'acme', period: '2026-12' });
    expect(dec.map((l) => [l.sku, l.quantity, l.amountMinor])).toEqual([
      ['archive-gib-hours', '1', 1], // windows 00 and 01 → 2 × 0.5
      ['archive-objects', '1', 2],
      ['dedicated-node-hours', '2', 250],
    ]);
    const line = nov[2] as InvoiceLine;
    expect(line).toMatchObject({
      tenant: 'acme',
      period: '2026-11',
      description: 'Dedicated node',
      unitPriceMinor: 125,
      currency: 'EUR',
      baseUnit: 'node-ms',
      quantityBase: String((40 / 60) * HOUR_MS + 3 * HOUR_MS),
    });
    expect(line.recordIds).toHaveLength(4);
    expect(line.snapshotDigest).toMatch(/^[0-9a-f]{64}$/);
  });

  it('rounds the line total, not each record: 3 × ⅓ node-hour at 1 cent is 1 cent', () => {
    const records = [0, 1, 2].map((h) =>
      computeRecord('acme', 'dedicated-node-hours', windowOf(START + h * HOUR_MS), {
        reservations: [
          { node: 'n1', from: START + h * HOUR_MS + 40 * 60_000, to: START + (h + 1) * HOUR_MS },
        ],
      }),
    ) as MeteringRecord[];
    const [line] = invoiceLines(records, [{ ...(prices[0] as Price), unitPriceMinor: 1 }], {
      tenant: 'acme',
      period: '2026-11',
    });
    expect(line?.quantity).toBe('1');
    expect(line?.amountMinor).toBe(1); // per-record rounding would give 0 + 0 + 0
    const [half] = invoiceLines(records.slice(0, 1), [{ ...(prices[0] as Price), unitPriceMinor: 3 }], {
      tenant: 'acme',
      period: '2026-11',
    });
    expect(half?.amountMinor).toBe(1); // ⅓ × 3 = 1 exactly
    const free = invoiceLines(records, [{ ...(prices[0] as Price), unitPriceMinor: 0 }], {
      tenant: 'acme',
      period: '2026-11',
    });
    expect(free[0]?.amountMinor).toBe(0);
  });

  it('rounds an exact half up: 30 min at 1 cent/node-hour is 1 cent', () => {
    const r = computeRecord('acme', 'dedicated-node-hours', windowOf(START), {
      reservations: [{ node: 'n1', from: START, to: START + 30 * 60_000 }],
    }) as MeteringRecord;
    const [line] = invoiceLines([r], [{ ...(prices[0] as Price), unitPriceMinor: 1 }], {
      tenant: 'acme',
      period: '2026-11',
    });
    expect(line?.quantity).toBe('0.5');
    expect(line?.amountMinor).toBe(1);
  });

  it('rounds the issue 10 example half up: 124 563 node-ms at 600 000 per node-hour is 20 761', () => {
    const r = computeRecord('acme', 'dedicated-node-hours', windowOf(START), {
      reservations: [{ node: 'n1', from: START, to: START + 124_563 }],
    }) as MeteringRecord;
    const [line] = invoiceLines([r], [{ ...(prices[0] as Price), unitPriceMinor: 600_000 }], {
      tenant: 'acme',
      period: '2026-11',
    });
    expect(line?.quantityBase).toBe('124563');
    expect(line?.amountMinor).toBe(20_761); // 20 760.5 exactly; half to even would give 20 760
  });

  it('prices each window at the price in effect at its start: a line per SKU and price', () => {
    // November's node windows: 20:00 (40 min), 21:00, 22:00, 23:00. The new price takes
    // effect at 22:30, inside the 22:00 window, so it applies from the 23:00 window on.
    const changed: Price[] = [
      ...prices,
      { ...(prices[0] as Price), unitPriceMinor: 200, effectiveFrom: '2026-11-30T22:30:00Z' },
    ];
    const lines = invoiceLines(ledger.records, changed, { tenant: 'acme', period: '2026-11' });
    const node = lines.filter((l) => l.sku === 'dedicated-node-hours');
    expect(node.map((l) => [l.effectiveFrom, l.unitPriceMinor, l.quantity, l.amountMinor])).toEqual([
      ['1970-01-01T00:00:00Z', 125, '2.666667', 333], // 2⅔ × 125 = 333.33
      ['2026-11-30T22:30:00Z', 200, '1', 200],
    ]);
    const starts = (l: InvoiceLine) =>
      l.recordIds.map((id) => ledger.records.find((r) => r.id === id)?.window.start);
    expect(starts(node[1] as InvoiceLine)).toEqual(['2026-11-30T23:00:00.000Z']);
    expect(invoiceReport(lines).totals).toEqual({ EUR: 2 + 2 + 333 + 200 });
    expect(reconcileInvoice(lines, ledger.records)).toEqual([]);
    // The other SKUs keep one line at the price they always had.
    expect(lines.filter((l) => l.sku !== 'dedicated-node-hours')).toEqual(
      invoiceLines(ledger.records, prices, { tenant: 'acme', period: '2026-11' }).filter(
        (l) => l.sku !== 'dedicated-node-hours',
      ),
    );
    // A price that takes effect after the period does not touch it; one before every window
    // of the SKU replaces the old price for the whole period.
    const later = [
      ...prices,
      { ...(prices[0] as Price), unitPriceMinor: 1, effectiveFrom: '2026-12-01T00:00:00Z' },
    ];
    expect(invoiceLines(ledger.records, later, { tenant: 'acme', period: '2026-11' })).toEqual(
      invoiceLines(ledger.records, prices, { tenant: 'acme', period: '2026-11' }),
    );
    const dec = invoiceLines(ledger.records, later, { tenant: 'acme', period: '2026-12' });
    expect(dec.find((l) => l.sku === 'dedicated-node-hours')).toMatchObject({
      unitPriceMinor: 1,
      amountMinor: 2,
    });
  });

  it('refuses windows without a price in effect, naming the SKU and the time', () => {
    const late = prices.map((p) =>
      p.sku === 'archive-objects' ? { ...p, effectiveFrom: '2026-12-01T00:00:00Z' } : p,
    );
    expect(() => invoiceLines(ledger.records, late, { tenant: 'acme', period: '2026-11' })).toThrow(
      'no price for SKU archive-objects in effect at 2026-11-30T23:00:00.000Z',
    );
  });

  it('excludes other tenants and periods and counts a duplicated record once', () => {
    const other = advance(emptyLedger('other', START), inputs, '2026-12-01T02:30:00Z');
    const all = [...ledger.records, ...other.records, ...ledger.records];
    expect(invoiceLines(all, prices, { tenant: 'acme', period: '2026-11' })).toEqual(
      invoiceLines(ledger.records, prices, { tenant: 'acme', period: '2026-11' }),
    );
    expect(invoiceLines(all, prices, { tenant: 'acme', period: '2026-10' })).toEqual([]);
    const forged = { ...(ledger.records[0] as MeteringRecord), quantity: '1' };
    expect(() =>
      invoiceLines([...ledger.records, forged], prices, { tenant: 'acme', period: '2026-11' }),
    ).toThrow(/appears twice/);
  });

  it('maps meters to other SKUs and refuses missing prices and units that do not fit', () => {
    const renamed = prices.map((p) =>
      p.sku === 'dedicated-node-hours' ? { ...p, sku: 'dedicated-node-hour' } : p,
    );
    expect(() => invoiceLines(ledger.records, renamed, { tenant: 'acme', period: '2026-11' })).toThrow(
      InvoiceError,
    );
    const lines = invoiceLines(ledger.records, renamed, {
      tenant: 'acme',
      period: '2026-11',
      skus: { 'dedicated-node-hours': 'dedicated-node-hour' },
    });
    expect(lines.map((l) => l.sku)).toContain('dedicated-node-hour');
    const perNode = prices.map((p) => (p.sku === 'archive-gib-hours' ? { ...p, unit: 'node-hour' } : p));
    expect(() => invoiceLines(ledger.records, perNode, { tenant: 'acme', period: '2026-11' })).toThrow(
      /use GiB-hour, GiB-month/,
    );
    expect(() => invoiceLines(ledger.records, prices, { tenant: 'acme', period: '2026-13' })).toThrow(
      RangeError,
    );
  });
});

describe('property: split advance calls give the same invoice', () => {
  it('for random usage and random cut points', () => {
    const start = Date.parse('2026-11-30T10:00:00Z');
    let nonEmpty = 0;
    for (let seed = 100; seed < 140; seed++) {
      const s = scenario(seed, start, 40);
      const now = s.end;
      const one = advance(emptyLedger('acme', start), knownAt(s.inputs, now), now);
      const r = rng(seed);
      let split = emptyLedger('acme', start);
      const cuts = Array.from({ length: 5 }, () => start + Math.floor(r() * (now - start))).sort(
        (a, b) => a - b,
      );
      for (const t of [...cuts, now]) split = advance(split, knownAt(s.inputs, t), t);
      for (const period of ['2026-11', '2026-12']) {
        const a = invoiceLines(one.records, prices, { tenant: 'acme', period });
        const b = invoiceLines(split.records, prices, { tenant: 'acme', period });
        expect(b, `seed ${seed} ${period}`).toEqual(a);
        expect(reconcileInvoice(b, split.records), `seed ${seed}`).toEqual([]);
        if (a.length > 0) expect(invoiceDigest(invoiceReport(b))).toBe(invoiceDigest(invoiceReport(a)));
        nonEmpty += a.length;
      }
    }
    expect(nonEmpty).toBeGreaterThan(80); // the scenarios do produce usage
  });
});
