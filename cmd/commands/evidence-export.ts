import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import {
  ANNOTATION_KEY_ID,
  ANNOTATION_SIGNED_AT,
  LABEL_EVIDENCE,
  LABEL_RECEIPT_STEP,
  systemNamespaceOf,
} from '../../operator/api/names.ts';
import { readPublicKeys } from '../../operator/evidence/keystore.ts';
import { DEFAULT_NAMESPACE } from '../../operator/install/rbac.ts';
import type { AnyObject } from '../../operator/runtime/kube/object.ts';
import { Builtin } from '../../operator/runtime/kube/resource.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { clientFor } from '../kubeconfig.ts';

type EvidenceConfigMap = AnyObject & { data?: Record<string, string> };

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
 * with tenantry or cosign.
 */
async function exportEvidence(opts: ExportOptions): Promise<void> {
  const client = await clientFor(opts);
  try {
    const list = await client.list<EvidenceConfigMap>(Builtin.ConfigMap, {
      namespace: systemNamespaceOf(opts.tenant),
      labelSelector: LABEL_EVIDENCE,
    });
    if (!list.items.length)
      throw new CliError(`no evidence found for tenant "${opts.tenant}"`, EXIT.findings);
    const keys = await readPublicKeys(client, opts.namespace);
    mkdirSync(path.join(opts.out, 'keys'), { recursive: true });
    for (const [keyId, pem] of Object.entries(keys))
      writeFileSync(path.join(opts.out, 'keys', `${keyId}.pem`), pem);
    const manifest = [];
    for (const cm of list.items.sort((a, b) =>
      (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
    )) {
      const name = cm.metadata.name ?? '';
      const bundle = cm.data?.['bundle.json'];
      if (!bundle) continue;
      writeFileSync(path.join(opts.out, `${name}.bundle.json`), bundle);
      const subject = cm.data?.['subject.json'];
      if (subject !== undefined) writeFileSync(path.join(opts.out, `${name}.subject.json`), subject);
      manifest.push({
        name,
        kind: cm.metadata.labels?.[LABEL_EVIDENCE],
        step: cm.metadata.labels?.[LABEL_RECEIPT_STEP],
        keyId: cm.metadata.annotations?.[ANNOTATION_KEY_ID],
        signedAt: cm.metadata.annotations?.[ANNOTATION_SIGNED_AT],
        bundle: `${name}.bundle.json`,
        ...(subject !== undefined ? { subject: `${name}.subject.json` } : {}),
      });
    }
    writeFileSync(
      path.join(opts.out, 'manifest.json'),
      `${JSON.stringify({ tenant: opts.tenant, evidence: manifest }, null, 2)}\n`,
    );
    writeFileSync(
      path.join(opts.out, 'VERIFY.txt'),
      [
        `Evidence of tenant ${opts.tenant}, exported ${new Date().toISOString()}.`,
        '',
        'Verify every bundle with the published keys:',
        '  tenantry evidence verify --key keys/*.pem *.bundle.json',
        'or one with cosign (the blob is the subject the statement attests):',
        '  cosign verify-blob-attestation --insecure-ignore-tlog --key keys/<keyid>.pem \\',
        '    --type https://tenantry.dev/attestations/onboarding-receipt/v1 \\',
        '    --bundle NAME.bundle.json NAME.subject.json',
        '',
      ].join('\n'),
    );
    process.stderr.write(
      `exported ${manifest.length} evidence bundles and ${Object.keys(keys).length} keys to ${opts.out}\n`,
    );
  } finally {
    client.close();
  }
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
