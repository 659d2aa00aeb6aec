import { describe, expect, it } from 'vitest';
import type { Price } from '../../operator/api/v1alpha1/entitlement.ts';
import { invoiceDigest, invoiceReport } from '../../operator/billing/invoice-report.ts';
import type { InvoiceLine } from '../../operator/billing/pricing.ts';
import { invoiceLines } from '../../operator/billing/pricing.ts';
import { meteredReport } from '../../operator/billing/signed-report.ts';
import { ledger, prices } from '../../operator/billing/testdata.ts';
import { canonicalJson, sha256Hex } from '../../operator/evidence/statement.ts';
import { csvField, invoiceCsv, invoiceJson, reportsJson, usageJson, usageText } from './invoice.ts';

describe('reports', () => {
  const lines = invoiceLines(ledger.records, prices, { tenant: 'acme', period: '2026-11' });

  it('quotes CSV fields per RFC 4180', () => {
    expect(csvField('plain')).toBe('plain');
    expect(csvField('a,b')).toBe('"a,b"');
    expect(csvField('say "hi"')).toBe('"say ""hi"""');
    expect(csvField('two\nlines')).toBe('"two\nlines"');
    expect(csvField('cr\r')).toBe('"cr\r"');
    expect(csvField(42)).toBe('42');
    const odd = lines.map((l) => ({ ...l, description: 'Node, "large"\nEU' }));
    const csv = invoiceCsv(odd);
    expect(csv.endsWith('\r\n')).toBe(true);
    const rows = csv.split('\r\n');
    expect(rows[0]).toBe(
      'tenant,period,sku,description,quantity,unit,unitPriceMinor,amountMinor,currency,quantityBase,baseUnit,recordCount,snapshotDigest,effectiveFrom',
    );
    expect(rows[1]).toBe(
      `acme,2026-11,archive-gib-hours,"Node, ""large""\nEU",2,GiB-hour,1,2,EUR,${lines[0]?.quantityBase},byte-ms,4,${lines[0]?.snapshotDigest},1970-01-01T00:00:00Z`,
    );
    expect(rows).toHaveLength(lines.length + 2); // header, lines, trailing empty
    expect(invoiceCsv([])).toBe(`${rows[0]}\r\n`);
    // Lines of version 1 reports name no price time: the column stays empty.
    const v1 = invoiceCsv(lines.map(({ effectiveFrom: _, ...l }) => l)).split('\r\n');
    expect(v1[1]?.endsWith(`,${lines[0]?.snapshotDigest},`)).toBe(true);
  });

  it('JSON carries the report and a digest over the canonical report', () => {
    const parsed = JSON.parse(invoiceJson(lines)) as { digest: string; lines: InvoiceLine[] };
    const { digest, ...rest } = parsed;
    expect(digest).toBe(sha256Hex(canonicalJson(rest)));
    expect(digest).toBe(invoiceDigest(invoiceReport(lines)));
  });

  it('JSON of `tenantry invoice` gives each report its signature, null when unsigned', () => {
    const ctx = { tenant: 'acme', period: '2026-11', meteredUntil: '2026-12-01T00:00:00.000Z', final: true };
    const report = meteredReport(lines, ctx);
    const out = reportsJson('2026-11', [
      { report, signed: { keyId: 'k1', bundle: { b: 1 } } },
      { report: meteredReport([], { ...ctx, tenant: 'beta' }) },
    ]);
    expect(out.endsWith('}\n')).toBe(true);
    const parsed = JSON.parse(out) as { period: string; reports: { tenant: string; signature: unknown }[] };
    expect(parsed.period).toBe('2026-11');
    expect(parsed.reports.map((r) => [r.tenant, r.signature])).toEqual([
      ['acme', { keyId: 'k1', bundle: { b: 1 } }],
      ['beta', null],
    ]);
    expect(parsed.reports[0]).toEqual({ ...report, signature: { keyId: 'k1', bundle: { b: 1 } } });
  });
});

describe('usage', () => {
  const lines = invoiceLines(ledger.records, prices, { tenant: 'acme', period: '2026-11' });
  const usage = { tenant: 'acme', period: '2026-11', meteredUntil: '2026-12-01T02:00:00.000Z', lines };

  it('prints one row per line with the amount in major units', () => {
    expect(usageText(usage)).toBe(
      [
        'usage of acme in 2026-11, metered until 2026-12-01T02:00:00.000Z',
        '  archive-gib-hours                     2 GiB-hour         0.02 EUR',
        '  archive-objects                       1 object           0.02 EUR',
        '  dedicated-node-hours           3.666667 node-hour        4.58 EUR',
        '',
      ].join('\n'),
    );
    expect(usageText({ ...usage, lines: [] })).toBe(
      'usage of acme in 2026-11, metered until 2026-12-01T02:00:00.000Z\n  no metered usage yet\n',
    );
  });

  it('prints a row per price where a price changed in the period, saying from when', () => {
    const changed = [
      ...prices,
      { ...(prices[0] as Price), unitPriceMinor: 200, effectiveFrom: '2026-11-30T22:30:00Z' },
    ];
    const split = invoiceLines(ledger.records, changed, { tenant: 'acme', period: '2026-11' });
    expect(
      usageText({ ...usage, lines: split })
        .split('\n')
        .slice(3, 5),
    ).toEqual([
      '  dedicated-node-hours           2.666667 node-hour        3.33 EUR',
      '  dedicated-node-hours                  1 node-hour        2.00 EUR  price from 2026-11-30T22:30:00Z',
    ]);
  });

  it('prints JSON with the watermark as meteredUntil', () => {
    expect(usageJson(usage)).toBe(`${JSON.stringify(usage, null, 2)}\n`);
  });
});
