import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { DEFAULT_NAMESPACE } from '../../operator/install/rbac.ts';
import { fromTenantApi } from '../../operator/tenantapi/client.ts';
import {
  collectEvidence,
  type EvidenceContent,
  type EvidenceDocument,
} from '../../operator/tenantapi/evidence.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { clientFor } from '../kubeconfig.ts';
import { bundleFileName, subjectFileName } from './evidence-files.ts';

/** One exported bundle, as VERIFY.txt names it. */
export interface ExportedBundle {
  bundle: string;
  subject?: string | undefined;
  keyId?: string | undefined;
  predicateType?: string | undefined;
}

interface ExportOptions {
  tenant: string;
  out: string;
  kubeconfig?: string;
  context?: string;
  namespace: string;
}

/**
 * Writes a tenant's evidence to a directory that verifies offline: each bundle with the
 * blob its subject digest covers, the public keys, a manifest and the commands to verify
 * with tenantry or cosign. The evidence comes from the tenant API when it is served, so the
 * export is recorded as the caller's; otherwise it is read directly, and the command says so.
 */
async function exportEvidence(opts: ExportOptions): Promise<void> {
  const client = await clientFor(opts);
  try {
    const got = await fromTenantApi<'Evidence', EvidenceContent>(client, opts.tenant, 'evidence', 'Evidence');
    const doc = 'doc' in got ? got.doc : await collectEvidence(client, opts.tenant, opts.namespace);
    const via =
      'doc' in got
        ? `through the tenant API (recorded in the growth log of ${opts.tenant})`
        : `read directly, not recorded: ${got.unavailable}`;
    if (!doc.bundles.length)
      throw new CliError(`no evidence found for tenant "${opts.tenant}"`, EXIT.findings);
    writeEvidence(doc, opts.out);
    process.stderr.write(
      `exported ${doc.bundles.length} evidence bundles and ${Object.keys(doc.publicKeys).length} keys to ${opts.out} (${doc.digest}), ${via}\n`,
    );
  } finally {
    client.close();
  }
}

function writeEvidence(doc: EvidenceDocument, out: string): void {
  mkdirSync(path.join(out, 'keys'), { recursive: true });
  for (const [keyId, pem] of Object.entries(doc.publicKeys))
    writeFileSync(path.join(out, 'keys', `${keyId}.pem`), pem);
  const manifest = [];
  const exported: ExportedBundle[] = [];
  for (const item of doc.bundles) {
    writeFileSync(path.join(out, bundleFileName(item.name)), item.bundle);
    if (item.subject !== undefined) writeFileSync(path.join(out, subjectFileName(item.name)), item.subject);
    const files = {
      bundle: bundleFileName(item.name),
      ...(item.subject !== undefined ? { subject: subjectFileName(item.name) } : {}),
    };
    manifest.push({
      name: item.name,
      kind: item.kind,
      step: item.step,
      keyId: item.keyId,
      signedAt: item.signedAt,
      ...files,
    });
    exported.push({ ...files, ...bundleClaims(item.bundle) });
  }
  writeFileSync(
    path.join(out, 'manifest.json'),
    `${JSON.stringify({ tenant: doc.tenant, digest: doc.digest, evidence: manifest }, null, 2)}\n`,
  );
  writeFileSync(
    path.join(out, 'VERIFY.txt'),
    verifyInstructions(doc.tenant, new Date().toISOString(), exported),
  );
}

/**
 * The key id and predicate type a bundle claims, read without verifying anything: they only
 * fill in the cosign command, and cosign checks both.
 */
function bundleClaims(bundleJson: string): { keyId?: string; predicateType?: string } {
  try {
    const b = JSON.parse(bundleJson) as {
      verificationMaterial?: { publicKey?: { hint?: string } };
      dsseEnvelope?: { payload?: string };
    };
    const payload = JSON.parse(Buffer.from(b.dsseEnvelope?.payload ?? '', 'base64').toString()) as {
      predicateType?: unknown;
    };
    const keyId = b.verificationMaterial?.publicKey?.hint;
    return {
      ...(keyId ? { keyId } : {}),
      ...(typeof payload.predicateType === 'string' ? { predicateType: payload.predicateType } : {}),
    };
  } catch {
    return {};
  }
}

/**
 * VERIFY.txt: the tenantry command for all bundles, and the exact cosign command for each one
 * (its key, its predicate type, its subject file as the blob, so cosign checks that digest too).
 */
export function verifyInstructions(tenant: string, exportedAt: string, bundles: ExportedBundle[]): string {
  const cosign = bundles.map((b) =>
    b.subject === undefined
      ? `  # ${b.bundle}: no subject file was exported, so cosign cannot check what it attests`
      : [
          `  cosign verify-blob-attestation --insecure-ignore-tlog --key keys/${b.keyId ?? '<keyid>'}.pem \\`,
          `    --type ${b.predicateType ?? '<predicate type>'} \\`,
          `    --bundle ${b.bundle} ${b.subject}`,
        ].join('\n'),
  );
  return [
    `Evidence of tenant ${tenant}, exported ${exportedAt}.`,
    '',
    'Verify every bundle with the published keys; each NAME.subject.json must be what',
    'the statement in NAME.bundle.json attests:',
    '  tenantry evidence verify --key keys/*.pem *.bundle.json',
    '',
    'or each with cosign (the blob is the subject file, whose sha256 cosign checks too):',
    ...cosign,
    '',
  ].join('\n');
}

export function exportCommand(): Command {
  return new Command('export')
    .description("Export a tenant's signed evidence to a directory that verifies offline")
    .requiredOption('--tenant <name>', 'the tenant')
    .requiredOption('--out <dir>', 'directory to write (created if missing)')
    .option('--kubeconfig <file>', 'kubeconfig to use')
    .option('--context <name>', 'kubeconfig context')
    .option('-n, --namespace <ns>', 'the operator namespace (published keys)', DEFAULT_NAMESPACE)
    .action(exportEvidence);
}
