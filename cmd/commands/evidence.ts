import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { keyIdOf } from '../../operator/evidence/keys.ts';
import { PUBLIC_KEYS_CONFIGMAP, readPublicKeys } from '../../operator/evidence/keystore.ts';
import type { Subject } from '../../operator/evidence/statement.ts';
import { isSha256Hex, normalizeSha256 } from '../../operator/evidence/statement.ts';
import { VerificationError, type VerifyExpectations, verifyBundle } from '../../operator/evidence/verify.ts';
import { DEFAULT_NAMESPACE } from '../../operator/install/rbac.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { clientFor } from '../kubeconfig.ts';

interface VerifyOptions {
  key?: string[];
  keysFromCluster?: boolean;
  kubeconfig?: string;
  context?: string;
  namespace: string;
  type?: string;
  subjectDigest?: string[];
  output: string;
}

export type VerifyResult =
  | { file: string; ok: true; keyId: string; predicateType: string; subjects: Subject[] }
  | { file: string; ok: false; reason: string; error: string };

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

import { exportCommand } from './evidence-export.ts';

export function evidenceCommand(): Command {
  return new Command('evidence')
    .description('Signed evidence: Sigstore bundles holding DSSE-signed in-toto statements')
    .addCommand(verifyCommand())
    .addCommand(exportCommand());
}

function verifyCommand(): Command {
  return new Command('verify')
    .description(
      'Verify evidence bundles offline against trusted public keys: the signature, that the payload ' +
        'is an in-toto Statement v1, and optionally its predicate type and subject digests. ' +
        'Exits 0 when every file verifies, 1 when any fails.',
    )
    .argument('<file...>', 'bundle files (Sigstore bundle JSON; "-" reads stdin)')
    .option('--key <pem-file>', 'trust this public key (PEM); repeatable', collect)
    .option('--keys-from-cluster', `trust the keys published in the ConfigMap ${PUBLIC_KEYS_CONFIGMAP}`)
    .option('--kubeconfig <file>', 'kubeconfig for --keys-from-cluster')
    .option('--context <name>', 'kubeconfig context for --keys-from-cluster')
    .option(
      '-n, --namespace <namespace>',
      'the operator namespace, for --keys-from-cluster',
      DEFAULT_NAMESPACE,
    )
    .option('--type <predicateType>', 'require this predicate type')
    .option('--subject-digest <sha256>', 'require a subject with this sha256 digest; repeatable', collect)
    .option('-o, --output <format>', 'text or json', 'text')
    .action(async (files: string[], opts: VerifyOptions) => {
      if (!['text', 'json'].includes(opts.output))
        throw new CliError(`--output must be text or json, got "${opts.output}"`);
      const digests = opts.subjectDigest ?? [];
      for (const d of digests) {
        if (!isSha256Hex(normalizeSha256(d)))
          throw new CliError(`--subject-digest ${d} is not a sha256 (64 hex digits, optionally "sha256:")`);
      }
      const keys = await trustedKeys(opts);
      const expect: VerifyExpectations = {
        predicateType: opts.type,
        subjects: digests.map((digest) => ({ digest })),
      };
      const results = files.map((file) => verifyFile(file, keys, expect));
      if (opts.output === 'json') {
        process.stdout.write(`${JSON.stringify({ results }, null, 2)}\n`);
      } else {
        for (const r of results) process.stdout.write(`${formatResult(r)}\n`);
      }
      if (results.some((r) => !r.ok)) process.exitCode = EXIT.findings;
    });
}

async function trustedKeys(opts: VerifyOptions): Promise<Record<string, string>> {
  const files = opts.key ?? [];
  if (!files.length && !opts.keysFromCluster)
    throw new CliError('no trusted keys: pass --key <pem-file> or --keys-from-cluster');
  const keys: Record<string, string> = {};
  for (const file of files) {
    let pem: string;
    try {
      pem = readFileSync(file, 'utf8');
    } catch (e) {
      throw new CliError(`--key ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    try {
      keys[keyIdOf(pem)] = pem;
    } catch (e) {
      throw new CliError(`--key ${file}: ${(e as Error).message}`);
    }
  }
  if (opts.keysFromCluster) {
    const client = await clientFor({
      ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}),
      ...(opts.context ? { context: opts.context } : {}),
    });
    try {
      const published = await readPublicKeys(client, opts.namespace);
      if (!Object.keys(published).length)
        throw new CliError(
          `no public keys published in ConfigMap ${opts.namespace}/${PUBLIC_KEYS_CONFIGMAP} (is the operator installed in "${opts.namespace}"?)`,
          EXIT.cluster,
        );
      Object.assign(keys, published);
    } finally {
      client.close();
    }
  }
  return keys;
}

export function verifyFile(
  path: string,
  keys: Record<string, string>,
  expect: VerifyExpectations,
): VerifyResult {
  const stdin = path === '-';
  const file = stdin ? '<stdin>' : path;
  let text: string;
  try {
    text = readFileSync(stdin ? 0 : path, 'utf8');
  } catch (e) {
    const err = e as NodeJS.ErrnoException;
    const error = err.code === 'ENOENT' ? 'no such file' : err.message;
    return { file, ok: false, reason: 'unreadable', error };
  }
  try {
    const { keyId, statement } = verifyBundle(text, keys, expect);
    return { file, ok: true, keyId, predicateType: statement.predicateType, subjects: statement.subject };
  } catch (e) {
    if (e instanceof VerificationError) return { file, ok: false, reason: e.reason, error: e.message };
    throw e;
  }
}

export function formatResult(r: VerifyResult): string {
  if (!r.ok) return `FAIL ${r.file}: ${r.error}`;
  const subjects = r.subjects.map((s) => `${s.name}@sha256:${s.digest.sha256}`).join(',');
  return `OK ${r.file} keyid=${r.keyId} predicate=${r.predicateType} subjects=${subjects}`;
}
