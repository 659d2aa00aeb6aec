// Property test of pricing and rounding: seeded random ledgers and price lists with effective
// dates, a share of them built to land on exact halves, against a reference written apart
// from pricing.ts (its own unit sizes, price lookup, grouping and half-up rounding).

import { describe, expect, it } from 'vitest';
import type { Price } from '../api/v1alpha1/entitlement.ts';
import type { BaseUnit, Meter, MeteringRecord } from '../metering/record.ts';
import { rng } from '../metering/testdata.ts';
import { invoiceReport } from './invoice-report.ts';
import { divRoundHalfUp, invoiceLines } from './pricing.ts';
import { reconcileInvoice } from './reconcile-invoice.ts';

const CASES = 12_000;
const PERIOD_START = Date.UTC(2026, 10, 1);
const HOURS = 30 * 24;
const H = 3_600_000n;
const GIB_HOUR = 1024n ** 3n * H;
const REF_SIZES: Record<string, bigint> = {
  'node-hour': H,
  'GiB-hour': GIB_HOUR,
  'GiB-month': 730n * GIB_HOUR,
  object: 1n,
};
const REF_UNITS: Record<Meter, { base: BaseUnit; units: string[] }> = {
  'dedicated-node-hours': { base: 'node-ms', units: ['node-hour'] },
  'archive-gib-hours': { base: 'byte-ms', units: ['GiB-hour', 'GiB-month'] },
  'archive-objects': { base: 'object', units: ['object'] },
};

/** Half up by a different route than pricing.ts: floor((2n + d) / 2d). */
const refRound = (n: bigint, d: bigint) => (2n * n + d) / (2n * d);
const isExactHalf = (n: bigint, d: bigint) => (2n * n) % (2n * d) === d;

function refDecimal(n: bigint, d: bigint): string {
  const micro = refRound(n * 1_000_000n, d);
  const whole = micro / 1_000_000n;
  const frac = (micro % 1_000_000n).toString().padStart(6, '0').replace(/0+$/, '');
  return frac ? `${whole}.${frac}` : `${whole}`;
}

interface Case {
  records: MeteringRecord[];
  prices: Price[];
}

/** A random ledger of the period and a price list whose first price per SKU covers it. */
function randomCase(r: () => number, half: boolean): Case {
  const int = (n: number) => Math.floor(r() * n);
  const big = (bits: number) =>
    BigInt(int(2 ** Math.min(bits, 30))) * 2n ** BigInt(Math.max(0, bits - 30)) + BigInt(int(2 ** 30));
  const meters: Meter[] = half
    ? [r() < 0.5 ? 'dedicated-node-hours' : 'archive-gib-hours']
    : (['dedicated-node-hours', 'archive-gib-hours', 'archive-objects'] as const).filter(() => r() < 0.7);
  const records: MeteringRecord[] = [];
  const prices: Price[] = [];
  for (const meter of meters) {
    const { base, units } = REF_UNITS[meter];
    const hours = [...new Set(Array.from({ length: 1 + int(12) }, () => int(HOURS)))];
    const unitOf = () => units[int(units.length)] as string;
    const unit = unitOf();
    // Exact halves: quantities in half units, an odd count of them overall, an odd price.
    const halfUnit = (REF_SIZES[unit] as bigint) / 2n;
    let halves = 0n;
    hours.forEach((h, i) => {
      let quantity: bigint;
      if (half) {
        let k = BigInt(int(20));
        if (i === hours.length - 1 && (halves + k) % 2n === 0n) k += 1n;
        halves += k;
        quantity = k * halfUnit;
      } else {
        quantity =
          base === 'node-ms'
            ? BigInt(int(8 * 3_600_000 + 1))
            : base === 'byte-ms'
              ? big(62)
              : BigInt(int(1000));
      }
      const start = PERIOD_START + h * 3_600_000;
      records.push({
        id: `${meter}-${h}`,
        tenant: 'acme',
        meter,
        window: { start: new Date(start).toISOString(), end: new Date(start + 3_600_000).toISOString() },
        quantity: quantity.toString(),
        unit: base,
        source: {},
        sourceDigest: '',
      });
    });
    const priceMinor = () => {
      const n = [10, 1_000, 1_000_000, 1_000_000_000][int(4)] as number;
      return half ? 2 * int(n / 2) + 1 : int(n + 1);
    };
    const first: Price = {
      sku: meter,
      description: meter,
      unit,
      unitPriceMinor: priceMinor(),
      currency: 'EUR',
    };
    // The first price from the beginning or from the period's start (both cover every window).
    prices.push(r() < 0.5 ? first : { ...first, effectiveFrom: '2026-11-01T00:00:00Z' });
    if (half) continue;
    const changes = new Set(Array.from({ length: int(4) }, () => 1 + int(HOURS * 3600 - 1)));
    for (const s of changes) {
      prices.push({
        ...first,
        unit: unitOf(),
        unitPriceMinor: priceMinor(),
        effectiveFrom: new Date(PERIOD_START + s * 1000).toISOString().replace('.000Z', 'Z'),
      });
    }
  }
  // The list's order must not matter.
  prices.sort(() => r() - 0.5);
  return { records, prices };
}

interface RefLine {
  sku: string;
  effectiveFrom: number;
  unitPriceMinor: number;
  quantityBase: bigint;
  quantity: string;
  amountMinor: bigint;
  records: number;
  half: boolean;
}

function referenceLines({ records, prices }: Case): RefLine[] {
  const groups = new Map<string, { price: Price; from: number; sum: bigint; records: number }>();
  for (const rec of records) {
    const start = Date.parse(rec.window.start);
    let chosen: Price | undefined;
    let chosenFrom = Number.NEGATIVE_INFINITY;
    for (const p of prices) {
      const from = p.effectiveFrom === undefined ? 0 : Date.parse(p.effectiveFrom);
      if (p.sku === rec.meter && from <= start && from > chosenFrom) {
        chosen = p;
        chosenFrom = from;
      }
    }
    if (!chosen) throw new Error(`reference: no price for ${rec.meter}`);
    const key = `${rec.meter} ${chosenFrom}`;
    const g = groups.get(key) ?? { price: chosen, from: chosenFrom, sum: 0n, records: 0 };
    g.sum += BigInt(rec.quantity);
    g.records += 1;
    groups.set(key, g);
  }
  return [...groups.values()]
    .map((g) => {
      const size = REF_SIZES[g.price.unit] as bigint;
      const n = g.sum * BigInt(g.price.unitPriceMinor);
      return {
        sku: g.price.sku,
        effectiveFrom: g.from,
        unitPriceMinor: g.price.unitPriceMinor,
        quantityBase: g.sum,
        quantity: refDecimal(g.sum, size),
        amountMinor: refRound(n, size),
        records: g.records,
        half: isExactHalf(n, size),
      };
    })
    .sort((a, b) => a.sku.localeCompare(b.sku) || a.effectiveFrom - b.effectiveFrom);
}

describe('property: pricing and rounding against a BigInt reference', () => {
  it(`agrees on ${CASES} seeded cases, exact halves included`, () => {
    const r = rng(20261101);
    let halves = 0;
    let lineCount = 0;
    let splitSkus = 0;
    for (let i = 0; i < CASES; i++) {
      const c = randomCase(r, i % 3 === 0);
      const want = referenceLines(c);
      const got = invoiceLines(c.records, c.prices, { tenant: 'acme', period: '2026-11' });
      const where = `case ${i}: ${JSON.stringify(c.prices)}`;
      expect(
        got.map((l) => ({
          sku: l.sku,
          effectiveFrom: Date.parse(l.effectiveFrom ?? ''),
          unitPriceMinor: l.unitPriceMinor,
          quantityBase: BigInt(l.quantityBase),
          quantity: l.quantity,
          amountMinor: BigInt(l.amountMinor),
          records: l.recordIds.length,
        })),
        where,
      ).toEqual(want.map(({ half: _, ...l }) => l));
      const total = want.reduce((s, l) => s + l.amountMinor, 0n);
      expect(BigInt(invoiceReport(got, { tenant: 'acme', period: '2026-11' }).totals.EUR ?? 0), where).toBe(
        total,
      );
      expect(reconcileInvoice(got, c.records), where).toEqual([]);
      halves += want.filter((l) => l.half).length;
      lineCount += want.length;
      splitSkus += new Set(want.map((l) => l.sku)).size < want.length ? 1 : 0;
    }
    // The generator does reach what the test is about.
    expect(halves).toBeGreaterThanOrEqual(CASES / 3);
    expect(splitSkus).toBeGreaterThan(CASES / 4);
    expect(lineCount).toBeGreaterThan(2 * CASES);
  });

  it('rounds every small fraction to the nearest, exact halves up, as the reference does', () => {
    let halves = 0;
    for (let d = 1n; d <= 200n; d++) {
      for (let n = 0n; n <= 4n * d; n++) {
        const got = divRoundHalfUp(n, d);
        expect(got, `${n}/${d}`).toBe(refRound(n, d));
        // The reference itself, against the real quotient: never more than half away, and an
        // exact half always goes up.
        const diff = Number(got * 2n * d - 2n * n); // 2d × (rounded − exact)
        expect(Math.abs(diff), `${n}/${d}`).toBeLessThanOrEqual(Number(d));
        if (isExactHalf(n, d)) {
          expect(diff, `${n}/${d}`).toBe(Number(d));
          halves++;
        }
      }
    }
    expect(halves).toBe(100 * 4); // every even d has 4 halves in [0, 4]
  });
});
