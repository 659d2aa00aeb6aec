import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { signingKeyFromPem } from '../../operator/evidence/keys.ts';
import { publicKeyFileName } from '../../operator/evidence/keystore.ts';
import { canonicalJson, type Statement } from '../../operator/evidence/statement.ts';
import { DEFAULT_NAMESPACE } from '../../operator/install/rbac.ts';
import { apply } from '../../operator/runtime/apply.ts';
import { Builtin } from '../../operator/runtime/kube/resource.ts';
import { clusterIdentityBlob, validationStatements } from '../../operator/validation/evidence.ts';
import { judge, type Report } from '../../operator/validation/judge.ts';
import { assertRunRecord, type RunRecord } from '../../operator/validation/record.ts';
import { resultsConfigMap } from '../../operator/validation/results-configmap.ts';
import { CliError } from '../exit-codes.ts';
import { clientFor } from '../kubeconfig.ts';
import { validationJunit, validationTable } from '../render/validation.ts';
import { bundleFileName, subjectFileName } from './evidence-files.ts';
import { observe } from './validate-observe.ts';
import { type SignedEvidence, signByOperator, signWithKey } from './validate-signing.ts';

/** validate's exit codes: 4 is "warnings only" here, not a timeout. */
export const VALIDATE_EXIT = { pass: 0, fail: 1, usage: 2, unreachable: 3, warnings: 4 } as const;

interface ValidateOptions {
  bundle?: string;
  output: string;
  evidence?: string;
  replay?: string;
  key?: string;
  kubeconfig?: string;
  context?: string;
  namespace: string;
  lease: string;
  operatorUrl?: string;
  canary: boolean;
  canaryLabel?: string[];
  canaryTimeout: string;
  dnsServer?: string[];
  dnsName: string;
  record: boolean;
  signWait: string;
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];
const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export function validateCommand(): Command {
  return new Command('validate')
    .description(
      'Prove an install is sound: observe the cluster (API discovery, CRDs, the operator, server-side dry runs of known-bad objects, a canary Tenant created, Ready, its receipt verified and deleted), record the observations (RUN.json) and judge them. ' +
        'Exit codes: 0 all passed, 1 a check failed, 2 usage, 3 cluster unreachable, 4 warnings only.',
    )
    .option('--bundle <name>', 'the DistributionBundle to validate (default: the only one installed)')
    .option('-o, --output <format>', 'table, json or junit', 'table')
    .option(
      '--evidence <dir>',
      'write RUN.json, the in-toto statements and their signed bundles here: signed by the operator (its key never leaves it; the public key is written beside them), or with --key by you',
    )
    .option(
      '--key <pem-file>',
      "sign the evidence with this private key (PKCS#8 PEM, ECDSA P-256) instead of asking the operator: the signature stands for the key's holder, you",
    )
    .option('--replay <run.json>', 'judge a recorded run again, offline')
    .option('--kubeconfig <file>', 'kubeconfig')
    .option('--context <name>', 'kubeconfig context')
    .option('-n, --namespace <namespace>', 'the operator namespace', DEFAULT_NAMESPACE)
    .option('--lease <name>', "the operator's leader Lease", 'tenantry-leader')
    .option(
      '--operator-url <url>',
      "the operator's probe address (default: the tenantry-metrics Service through the API server)",
    )
    .option('--no-canary', 'do not create the canary Tenant (admission and onboarding are then skipped)')
    .option(
      '--canary-label <key=value>',
      'label the canary Tenant, e.g. for a sharded operator; repeatable',
      collect,
    )
    .option('--canary-timeout <seconds>', 'how long the canary may take to be Ready, and to be gone', '120')
    .option(
      '--dns-server <ip>',
      "the resolver onboarding uses (default: this machine's); repeatable",
      collect,
    )
    .option('--dns-name <name>', 'the name to resolve', 'kubernetes.io')
    .option(
      '--sign-wait <seconds>',
      'how long to keep asking the operator to sign while its tenant API is installed but not available yet (as right after it starts: the validation Job waits 60)',
      '0',
    )
    .option('--no-record', `do not write the results to the ConfigMap tenantry-validation-<bundle>`)
    .action(async (opts: ValidateOptions) => {
      if (!['table', 'json', 'junit'].includes(opts.output))
        throw new CliError(
          `--output must be table, json or junit, got "${opts.output}"`,
          VALIDATE_EXIT.usage,
        );
      const timeout = Number(opts.canaryTimeout);
      if (!Number.isFinite(timeout) || timeout <= 0)
        throw new CliError(
          `--canary-timeout must be a positive number of seconds, got "${opts.canaryTimeout}"`,
        );
      const run = opts.replay ? readRun(opts.replay) : await observeCluster(opts, timeout * 1000);
      const report = judge(run);
      const waitMs = parseSignWait(opts.signWait);
      let signed: SignedEvidence | 'refused' | undefined;
      let refusal: unknown;
      if (opts.evidence)
        signed = await writeEvidence(opts.evidence, run, report, signer(opts, waitMs)).catch((e: unknown) => {
          refusal = e;
          return 'refused' as const;
        });
      // A refused signature still leaves the run recorded (unsigned), then says why.
      if (!opts.replay && opts.record && run.bundle)
        await recordRun(opts, { ...run, bundle: run.bundle }, report, signed, waitMs);
      if (refusal !== undefined) throw refusal;
      process.stdout.write(render(report, run, opts.output));
      process.exitCode =
        report.verdict === 'FAILED'
          ? VALIDATE_EXIT.fail
          : report.verdict === 'WARNED'
            ? VALIDATE_EXIT.warnings
            : VALIDATE_EXIT.pass;
    });
}

function render(report: Report, run: RunRecord, output: string): string {
  if (output === 'junit') return validationJunit(report);
  if (output === 'json')
    return `${JSON.stringify({ ...report, cluster: run.cluster, bundle: run.bundle ?? null }, null, 2)}\n`;
  return validationTable(report);
}

function readRun(file: string): RunRecord {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CliError(`--replay ${file}: ${(e as Error).message}`, VALIDATE_EXIT.usage);
  }
  try {
    assertRunRecord(value);
  } catch (e) {
    throw new CliError(`--replay ${file}: ${(e as Error).message}`, VALIDATE_EXIT.usage);
  }
  return value;
}

function parseLabels(labels: string[]): Record<string, string> {
  return Object.fromEntries(
    labels.map((l) => {
      const i = l.indexOf('=');
      if (i <= 0) throw new CliError(`--canary-label ${l}: expected key=value`, VALIDATE_EXIT.usage);
      return [l.slice(0, i), l.slice(i + 1)];
    }),
  );
}

async function observeCluster(opts: ValidateOptions, canaryTimeoutMs: number): Promise<RunRecord> {
  const client = await clientFor({
    ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}),
    ...(opts.context ? { context: opts.context } : {}),
  });
  // SIGINT/SIGTERM: the observer stops waiting and deletes the canary before the process ends.
  const abort = new AbortController();
  const stop = () => abort.abort();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    const run = await observe({
      client,
      namespace: opts.namespace,
      toolVersion: pkg.version,
      ...(opts.bundle ? { bundle: opts.bundle } : {}),
      lease: opts.lease,
      ...(opts.operatorUrl ? { operatorUrl: opts.operatorUrl } : {}),
      canary: opts.canary,
      canaryLabels: parseLabels(opts.canaryLabel ?? []),
      canaryTimeoutMs,
      dnsServers: opts.dnsServer ?? [],
      dnsName: opts.dnsName,
      signal: abort.signal,
    }).catch((e: unknown) => {
      const code = (e as NodeJS.ErrnoException).code;
      if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || code === 'EHOSTUNREACH')
        throw new CliError(
          `cannot reach the Kubernetes API server: ${(e as Error).message}`,
          VALIDATE_EXIT.unreachable,
        );
      throw e;
    });
    if (abort.signal.aborted) throw new CliError('interrupted; the canary Tenant was deleted', 130);
    return run;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    client.close();
  }
}

/**
 * Leaves the run in the results ConfigMap for the DistributionBundle controller, with its
 * signed bundles (those of --evidence, or signed now), so the evidence of a run in a Job, which
 * has no directory anyone keeps, lands where a partner fetches it and status.evidence names it.
 * A run the operator cannot sign is still recorded, unsigned (no status.evidence), and says why:
 * its verdict is the suite's either way.
 */
async function recordRun(
  opts: ValidateOptions,
  run: RunRecord & { bundle: NonNullable<RunRecord['bundle']> },
  report: Report,
  signedAlready: SignedEvidence | 'refused' | undefined,
  waitMs: number,
): Promise<void> {
  let signed = signedAlready === 'refused' ? undefined : signedAlready;
  if (signedAlready === undefined) {
    try {
      signed = await signer(opts, waitMs)(validationStatements(run, report));
    } catch (e) {
      if (!(e instanceof CliError)) throw e;
      process.stderr.write(`results recorded unsigned: ${e.message}\n`);
    }
  }
  const client = await clientFor({
    ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}),
    ...(opts.context ? { context: opts.context } : {}),
  });
  try {
    const evidence = signed && {
      bundles: Object.fromEntries(Object.entries(signed.bundles).map(([k, b]) => [k, JSON.stringify(b)])),
      subject: clusterIdentityBlob(run.cluster.kubeSystemUid),
      keyId: signed.keyId,
    };
    await apply(client, Builtin.ConfigMap, resultsConfigMap(opts.namespace, run, report, evidence));
  } finally {
    client.close();
  }
}

function parseSignWait(v: string): number {
  const seconds = Number(v);
  if (!Number.isFinite(seconds) || seconds < 0)
    throw new CliError(`--sign-wait must be a number of seconds, got "${v}"`, VALIDATE_EXIT.usage);
  return seconds * 1000;
}

type Sign = (statements: Record<string, Statement>) => Promise<SignedEvidence>;

/** With --key the partner signs; without, the operator of the cluster the kubeconfig names. */
function signer(opts: ValidateOptions, waitMs = 0): Sign {
  if (opts.key) {
    const key = readKey(opts.key);
    return (statements) => signWithKey(statements, key);
  }
  return async (statements) => {
    const client = await clientFor({
      ...(opts.kubeconfig ? { kubeconfig: opts.kubeconfig } : {}),
      ...(opts.context ? { context: opts.context } : {}),
    });
    try {
      return await signByOperator(client, opts.namespace, statements, VALIDATE_EXIT.unreachable, waitMs);
    } finally {
      client.close();
    }
  };
}

/**
 * The evidence directory: RUN.json, the subject files (the cluster's identity, the bundle's)
 * and both statements, then their bundles and, under keys/, the public keys that verify them
 * (the operator's; a partner signing with --key has her own). NAME.subject.json beside
 * NAME.bundle.json is what `tenantry evidence verify` and `cosign verify-blob-attestation`
 * check the subject digest against: the cluster identity, so evidence of another cluster
 * does not verify as this one's.
 */
async function writeEvidence(
  dir: string,
  run: RunRecord,
  report: Report,
  sign: Sign,
): Promise<SignedEvidence> {
  mkdirSync(dir, { recursive: true });
  const statements = validationStatements(run, report);
  const cluster = clusterIdentityBlob(run.cluster.kubeSystemUid);
  writeFileSync(join(dir, 'RUN.json'), `${JSON.stringify(run, null, 2)}\n`);
  writeFileSync(join(dir, 'cluster.json'), cluster);
  if (run.bundle) writeFileSync(join(dir, 'distributionbundle.digest'), `sha256:${run.bundle.digest}\n`);
  for (const [name, statement] of Object.entries(statements)) {
    writeFileSync(join(dir, `${name}.statement.json`), `${canonicalJson(statement)}\n`);
    writeFileSync(join(dir, subjectFileName(name)), cluster);
  }
  // The statements are on disk first: a signature refused still leaves the run to look at.
  const signed = await sign(statements);
  for (const [name, bundle] of Object.entries(signed.bundles))
    writeFileSync(join(dir, bundleFileName(name)), JSON.stringify(bundle));
  const keys = Object.entries(signed.publicKeys);
  if (keys.length) mkdirSync(join(dir, 'keys'), { recursive: true });
  for (const [keyId, pem] of keys) writeFileSync(join(dir, 'keys', publicKeyFileName(keyId)), pem);
  process.stderr.write(`evidence in ${dir}, signed with ${signed.signedBy}\n`);
  return signed;
}

function readKey(file: string) {
  try {
    return signingKeyFromPem(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CliError(
      `--key ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      VALIDATE_EXIT.usage,
    );
  }
}
