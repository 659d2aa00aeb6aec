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
  /** false with --no-subject-file */
  subjectFile: boolean;
  keysFromCluster?: boolean;
  kubeconfig?: string;
  context?: string;
  namespace: string;
  type?: string;
  subjectDigest?: string[];
  output: string;
}

export type VerifyResult =
  | {
      file: string;
      ok: true;
      keyId: string;
      predicateType: string;
      subjects: Subject[];
      /** The subject file whose digest was checked; absent with --no-subject-file. */
      subjectFile?: string;
    }
  | { file: string; ok: false; reason: string; error: string };

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

import { exportCommand } from './evidence-export.ts';
import { subjectFileOf } from './evidence-files.ts';

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
        'is an in-toto Statement v1, that the subject file beside each bundle (NAME.subject.json ' +
        'beside NAME.bundle.json, as `evidence export` writes them) is what the statement attests, ' +
        'and optionally its predicate type and subject digests. ' +
        'Exits 0 when every file verifies, 1 when any fails.',
    )
    .argument('<file...>', 'bundle files (Sigstore bundle JSON, NAME.bundle.json; "-" reads stdin)')
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
    .option(
      '--no-subject-file',
      'do not check the subject file beside each bundle (for a bundle without one; the signature then proves only that some statement was signed)',
    )
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
      const results = files.map((file) => verifyFile(file, keys, expect, { subjectFile: opts.subjectFile }));
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
  opts: { subjectFile: boolean } = { subjectFile: true },
): VerifyResult {
  const stdin = path === '-';
  const file = stdin ? '<stdin>' : path;
  let text: string;
  try {
    text = readFileSync(stdin ? 0 : path, 'utf8');
  } catch (e) {
    return { file, ok: false, reason: 'unreadable', error: readError(e) };
  }
  let subject: { file: string; bytes: Buffer } | undefined;
  if (opts.subjectFile) {
    const found = readSubjectFile(stdin ? undefined : path);
    if ('error' in found) return { file, ok: false, reason: 'no-subject-file', error: found.error };
    subject = found;
  }
  try {
    const { keyId, statement } = verifyBundle(text, keys, {
      ...expect,
      ...(subject ? { blobs: [subject] } : {}),
    });
    return {
      file,
      ok: true,
      keyId,
      predicateType: statement.predicateType,
      subjects: statement.subject,
      ...(subject ? { subjectFile: subject.file } : {}),
    };
  } catch (e) {
    if (e instanceof VerificationError) return { file, ok: false, reason: e.reason, error: e.message };
    throw e;
  }
}

const SKIP_HINT = 'pass --no-subject-file to check the signature alone';

/** The bytes of the subject file beside a bundle, or why there are none to check. */
function readSubjectFile(
  bundlePath: string | undefined,
): { file: string; bytes: Buffer } | { error: string } {
  if (bundlePath === undefined)
    return { error: `a bundle on stdin has no subject file beside it; ${SKIP_HINT}` };
  const file = subjectFileOf(bundlePath);
  if (file === undefined)
    return {
      error: `cannot tell its subject file: name bundles NAME.bundle.json with NAME.subject.json beside them, or ${SKIP_HINT}`,
    };
  try {
    return { file, bytes: readFileSync(file) };
  } catch (e) {
    return { error: `subject file ${file}: ${readError(e)} (${SKIP_HINT})` };
  }
}

function readError(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err.code === 'ENOENT' ? 'no such file' : err.message;
}

export function formatResult(r: VerifyResult): string {
  if (!r.ok) return `FAIL ${r.file}: ${r.error}`;
  const subjects = r.subjects.map((s) => `${s.name}@sha256:${s.digest.sha256}`).join(',');
  const checked = r.subjectFile === undefined ? '' : ` subject-file=${r.subjectFile}`;
  return `OK ${r.file} keyid=${r.keyId} predicate=${r.predicateType} subjects=${subjects}${checked}`;
}
