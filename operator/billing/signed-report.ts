/**
 * Signed invoice reports. The operator signs each tenant's report of a period as metering
 * moves on (the period so far) and once more when the period has closed (`final`), so a
 * billing system gets numbers it can prove came from Tenantry: an in-toto statement whose
 * subject is the SHA-256 of the report's exact bytes, signed with the operator's key (DSSE
 * in a Sigstore bundle; `tenantry evidence verify` and cosign check it offline).
 */

import type { StatementSigner } from '../evidence/sign.ts';
import { makeStatement, sha256Hex, subjectFromBytes } from '../evidence/statement.ts';
import { type VerifiedEvidence, verifyBundle } from '../evidence/verify.ts';
import { type InvoiceReport, invoiceDigest, invoiceReport } from './invoice-report.ts';
import type { InvoiceLine } from './pricing.ts';

export const INVOICE_PREDICATE = 'https://tenantry.dev/attestations/invoice-report/v1';

/** A report with what it was computed from: the ledger's watermark, and whether the period is over. */
export interface MeteredReport extends InvoiceReport {
  /** Every window ending at or before this instant is in the lines. */
  meteredUntil: string;
  /** True once the whole period is metered: the numbers can no longer change. */
  final: boolean;
  /** sha256 of canonical JSON of the report without this field and `meteredUntil`/`final`. */
  digest: string;
}

export interface InvoicePredicate {
  tenant: string;
  period: string;
  meteredUntil: string;
  final: boolean;
  digest: string;
  totals: Record<string, number>;
}

export function reportFileName(tenant: string, period: string): string {
  return `invoice-${tenant}-${period}.json`;
}

export function meteredReport(
  lines: readonly InvoiceLine[],
  ctx: { tenant: string; period: string; meteredUntil: string; final: boolean },
): MeteredReport {
  const report = invoiceReport(lines, { tenant: ctx.tenant, period: ctx.period });
  return { ...report, meteredUntil: ctx.meteredUntil, final: ctx.final, digest: invoiceDigest(report) };
}

/** The report's exact bytes (what the signature's subject digests) and its bundle. */
export async function signReport(
  signer: StatementSigner,
  report: MeteredReport,
): Promise<{ reportJson: string; bundle: unknown; keyId: string }> {
  const reportJson = `${JSON.stringify(report, null, 2)}\n`;
  const predicate: InvoicePredicate = {
    tenant: report.tenant,
    period: report.period,
    meteredUntil: report.meteredUntil,
    final: report.final,
    digest: report.digest,
    totals: report.totals,
  };
  const statement = makeStatement(
    [subjectFromBytes(reportFileName(report.tenant, report.period), reportJson)],
    INVOICE_PREDICATE,
    predicate,
  );
  const { bundle, keyId } = await signer.sign(statement);
  return { reportJson, bundle, keyId };
}

/**
 * Checks a stored report against its bundle: the signature under a published key, the
 * predicate type, and the subject digest over the report's bytes. Throws VerificationError.
 */
export function verifyReport(
  reportJson: string,
  bundle: unknown,
  publicKeys: Record<string, string>,
): VerifiedEvidence & { report: MeteredReport } {
  const report = JSON.parse(reportJson) as MeteredReport;
  const verified = verifyBundle(bundle, publicKeys, {
    predicateType: INVOICE_PREDICATE,
    subjects: [{ name: reportFileName(report.tenant, report.period), digest: sha256Hex(reportJson) }],
  });
  return { ...verified, report };
}
