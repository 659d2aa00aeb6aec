import { describe, expect, it } from 'vitest';
import { generateSigningKey, publicKeyPem } from '../evidence/keys.ts';
import { signStatement } from '../evidence/sign.ts';
import { VerificationError } from '../evidence/verify.ts';
import { REPORT_VERSION } from './invoice-report.ts';
import { invoiceLines } from './pricing.ts';
import { reconcileInvoice } from './reconcile-invoice.ts';
import { isCurrent } from './report-store.ts';
import { meteredReport, signReport, verifyReport } from './signed-report.ts';
import { ledger, prices } from './testdata.ts';
import v1 from './testdata-v1-report.json' with { type: 'json' };

const key = generateSigningKey();
const other = generateSigningKey();
const signer = {
  sign: async (s: Parameters<typeof signStatement>[0]) => ({
    bundle: await signStatement(s, key),
    keyId: key.keyId,
  }),
};
const keys = { [key.keyId]: publicKeyPem(key) };
const report = meteredReport([], {
  tenant: 'acme',
  period: '2026-11',
  meteredUntil: '2026-11-25T10:00:00.000Z',
  final: false,
});

describe('signed invoice reports', () => {
  it('verifies the exact bytes that were signed', async () => {
    const signed = await signReport(signer, report);
    const v = verifyReport(signed.reportJson, signed.bundle, keys);
    expect(v.keyId).toBe(key.keyId);
    expect(v.report).toEqual(report);
    expect(v.statement.predicate).toMatchObject({ tenant: 'acme', period: '2026-11', final: false });
  });

  it('refuses a changed report, an unknown key and a bundle of another report', async () => {
    const signed = await signReport(signer, report);
    const changed = signed.reportJson.replace('"final": false', '"final": true');
    expect(() => verifyReport(changed, signed.bundle, keys)).toThrow(VerificationError);
    expect(() =>
      verifyReport(signed.reportJson, signed.bundle, { [other.keyId]: publicKeyPem(other) }),
    ).toThrow(VerificationError);
    const later = await signReport(signer, { ...report, meteredUntil: '2026-11-25T11:00:00.000Z' });
    expect(() => verifyReport(signed.reportJson, later.bundle, keys)).toThrow(/subject|digest/i);
  });

  it('re-signs only when the watermark or the numbers move, and never after the final report', async () => {
    const signed = await signReport(signer, report);
    const stored = { reportJson: signed.reportJson, bundleJson: JSON.stringify(signed.bundle) };
    expect(isCurrent(undefined, report)).toBe(false);
    expect(isCurrent(stored, report)).toBe(true);
    expect(isCurrent(stored, { ...report, meteredUntil: '2026-11-25T11:00:00.000Z' })).toBe(false);
    const final = await signReport(signer, { ...report, final: true });
    expect(isCurrent({ reportJson: final.reportJson, bundleJson: '' }, { ...report, digest: 'x' })).toBe(
      true,
    );
  });
});

describe('reports signed before prices had effective dates', () => {
  it('still verify and reconcile, and differ from a report of today only by version and price times', () => {
    const { report } = verifyReport(v1.reportJson, v1.bundle, v1.publicKeys);
    expect(report.version).toBe(1);
    expect(report.lines.every((l) => l.effectiveFrom === undefined)).toBe(true);
    expect(reconcileInvoice(report.lines, ledger.records)).toEqual([]);
    const today = meteredReport(invoiceLines(ledger.records, prices, { tenant: 'acme', period: '2026-11' }), {
      tenant: 'acme',
      period: '2026-11',
      meteredUntil: report.meteredUntil,
      final: true,
    });
    expect(today.version).toBe(REPORT_VERSION);
    expect(today.lines.map(({ effectiveFrom: _, ...l }) => l)).toEqual(report.lines);
    expect(today.totals).toEqual(report.totals);
    expect(today.digest).not.toBe(report.digest);
  });
});
