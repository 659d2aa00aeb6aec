import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { INVOICE_PREDICATE, reportFileName } from '../../operator/billing/signed-report.ts';
import { publicKeyFileName } from '../../operator/evidence/keystore.ts';

/** A report as the operator signed it: its exact bytes, its Sigstore bundle, the key it verified with. */
export interface SignedReportFiles {
  tenant: string;
  period: string;
  reportJson: string;
  bundle: unknown;
  keyId: string;
}

/**
 * Writes each signed report, its bundle and the public key it verified with (`keys/<keyid>.pem`,
 * as `evidence export` does), so the directory verifies offline. Returns the cosign command of
 * each report, with the paths as written.
 */
export function writeInvoiceBundles(
  dir: string,
  reports: readonly SignedReportFiles[],
  publicKeys: Readonly<Record<string, string>>,
): string[] {
  mkdirSync(path.join(dir, 'keys'), { recursive: true });
  return reports.map((r) => {
    const pem = publicKeys[r.keyId];
    // verifyReport found this key among the published ones; its absence is a bug, not input.
    if (pem === undefined) throw new Error(`no published key ${r.keyId} for the report of ${r.tenant}`);
    const key = path.join(dir, 'keys', publicKeyFileName(r.keyId));
    const report = path.join(dir, reportFileName(r.tenant, r.period));
    const bundle = report.replace(/\.json$/, '.sigstore.json');
    writeFileSync(key, pem);
    writeFileSync(report, r.reportJson);
    writeFileSync(bundle, JSON.stringify(r.bundle));
    return [
      `cosign verify-blob-attestation --insecure-ignore-tlog --key ${key} \\`,
      `  --type ${INVOICE_PREDICATE} \\`,
      `  --bundle ${bundle} ${report}`,
    ].join('\n');
  });
}
