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
import { bundleFileName, subjectFileName } from './evidence-files.ts';

type EvidenceConfigMap = AnyObject & { data?: Record<string, string> };

/**
 * Where an evidence ConfigMap keeps the blob its statement's subject digest covers: receipts
 * as subject.json, signed invoice reports as report.json.
 */
const SUBJECT_KEYS = ['subject.json', 'report.json'];

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
    const exported: ExportedBundle[] = [];
    for (const cm of list.items.sort((a, b) =>
      (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
    )) {
      const name = cm.metadata.name ?? '';
      const bundle = cm.data?.['bundle.json'];
      if (!bundle) continue;
      writeFileSync(path.join(opts.out, bundleFileName(name)), bundle);
      const key = SUBJECT_KEYS.find((k) => cm.data?.[k] !== undefined);
      const subject = key === undefined ? undefined : cm.data?.[key];
      if (subject !== undefined) writeFileSync(path.join(opts.out, subjectFileName(name)), subject);
      const files = {
        bundle: bundleFileName(name),
        ...(subject !== undefined ? { subject: subjectFileName(name) } : {}),
      };
      manifest.push({
        name,
        kind: cm.metadata.labels?.[LABEL_EVIDENCE],
        step: cm.metadata.labels?.[LABEL_RECEIPT_STEP],
        keyId: cm.metadata.annotations?.[ANNOTATION_KEY_ID],
        signedAt: cm.metadata.annotations?.[ANNOTATION_SIGNED_AT],
        ...files,
      });
      exported.push({ ...files, ...bundleClaims(bundle) });
    }
    writeFileSync(
      path.join(opts.out, 'manifest.json'),
      `${JSON.stringify({ tenant: opts.tenant, evidence: manifest }, null, 2)}\n`,
    );
    writeFileSync(
      path.join(opts.out, 'VERIFY.txt'),
      verifyInstructions(opts.tenant, new Date().toISOString(), exported),
    );
    process.stderr.write(
      `exported ${manifest.length} evidence bundles and ${Object.keys(keys).length} keys to ${opts.out}\n`,
    );
  } finally {
    client.close();
  }
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
