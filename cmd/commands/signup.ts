import { Command } from 'commander';
import { systemNamespaceOf } from '../../operator/api/names.ts';
import type { Tenant } from '../../operator/api/v1alpha1/index.ts';
import { TenantResource } from '../../operator/api/v1alpha1/index.ts';
import { parseDuration } from '../../operator/config.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import { ApiError } from '../../operator/runtime/kube/errors.ts';
import type { AnyObject } from '../../operator/runtime/kube/object.ts';
import { Builtin } from '../../operator/runtime/kube/resource.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { clientFor } from '../kubeconfig.ts';
import { identityCheckLines } from '../render/identity-checks.ts';
import { collectAnswers, type SignupAnswers, type SignupFlags } from '../signup/answers.ts';
import { readClientSecretFile } from '../signup/secret-file.ts';

type TenantObject = Tenant;
const IDP_SECRET = 'tenantry-idp';

export function tenantFromAnswers(a: SignupAnswers): TenantObject {
  return {
    apiVersion: 'tenantry.dev/v1alpha1',
    kind: 'Tenant',
    metadata: { name: a.name },
    spec: {
      displayName: a.displayName,
      owners: a.owners.map((name) => ({ name })),
      region: a.region,
      retentionDays: a.retentionDays,
      policyProfile: a.policyProfile,
      namespaces: a.namespaces.map((name) => ({ name })),
      ...(a.domain ? { domain: { name: a.domain } } : {}),
      ...(a.identity
        ? {
            identity: {
              preset: a.identity.preset,
              issuer: a.identity.issuer,
              clientId: a.identity.clientId,
              redirectUri: a.identity.redirectUri,
              ...(a.identity.clientSecret !== undefined ? { clientSecretRef: { name: IDP_SECRET } } : {}),
            },
          }
        : {}),
    },
  } as TenantObject;
}

interface Progress {
  say(line: string): void;
}

/** Follows the Tenant's status, printing each step, receipt and the DNS record as they appear. */
async function follow(
  client: KubeClient,
  name: string,
  started: number,
  timeoutMs: number,
  out: Progress,
): Promise<{ tenant: TenantObject; outcome: 'ready' | 'stalled' | 'timeout' }> {
  const seen = new Set<string>();
  const deadline = Date.now() + timeoutMs;
  const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`;
  for (;;) {
    const t = await client.get<TenantObject>(TenantResource, name);
    const s = t.status;
    if (s?.domain && !seen.has('dns')) {
      seen.add('dns');
      out.say(`  publish DNS:  ${s.domain.recordName}  ${s.domain.recordType}  "${s.domain.value}"`);
    }
    for (const c of s?.conditions ?? []) {
      if (
        c.observedGeneration !== t.metadata.generation ||
        ['Ready', 'Reconciling', 'Stalled'].includes(c.type)
      )
        continue;
      const key = `${c.type}=${c.status}/${c.reason}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const mark = c.status === 'True' ? '✓' : '…';
      out.say(
        `  ${mark} ${c.type}: ${c.reason}${c.status === 'True' ? '' : ` — ${c.message}`} (${elapsed()})`,
      );
      // The same status write carries the check results the condition sums up.
      if (c.type === 'IdentityConnected' && c.status === 'False') {
        for (const l of identityCheckLines([...(s?.identity?.checks ?? []), ...(s?.identity?.scim ?? [])]))
          out.say(l);
      }
    }
    for (const r of s?.receipts ?? []) {
      if (seen.has(r.configMap)) continue;
      seen.add(r.configMap);
      out.say(`  ✓ receipt ${r.step} ${r.digest.slice(0, 19)}… (${elapsed()})`);
    }
    const ready = s?.conditions?.find((c) => c.type === 'Ready');
    const current = s?.observedGeneration === t.metadata.generation;
    if (current && ready?.status === 'True') return { tenant: t, outcome: 'ready' };
    if (current && s?.conditions?.some((c) => c.type === 'Stalled' && c.status === 'True')) {
      return { tenant: t, outcome: 'stalled' };
    }
    if (Date.now() > deadline) return { tenant: t, outcome: 'timeout' };
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function createIdpSecret(
  client: KubeClient,
  tenant: string,
  secret: string,
  timeoutMs: number,
): Promise<void> {
  const namespace = systemNamespaceOf(tenant);
  const deadline = Date.now() + timeoutMs;
  // The operator creates the system namespace; the secret can only follow.
  while (!(await client.find(Builtin.Namespace, namespace))) {
    if (Date.now() > deadline)
      throw new CliError(`namespace ${namespace} did not appear; is the operator running?`, EXIT.timeout);
    await new Promise((r) => setTimeout(r, 100));
  }
  const body: AnyObject = {
    metadata: { name: IDP_SECRET, namespace },
    type: 'Opaque',
    stringData: { 'client-secret': secret },
  };
  await client.create(Builtin.Secret, body).catch(async (e: unknown) => {
    if (!(e instanceof ApiError && e.code === 409)) throw e;
    await client.update(Builtin.Secret, body);
  });
}

interface SignupOptions extends SignupFlags {
  kubeconfig?: string;
  context?: string;
  wait: boolean;
  timeout: string;
  output: string;
}

async function signup(opts: SignupOptions): Promise<void> {
  if (!['text', 'json'].includes(opts.output))
    throw new CliError(`--output must be text or json, got "${opts.output}"`);
  const timeoutMs = parseDuration(opts.timeout);
  const answers = await collectAnswers(opts, readClientSecretFile);
  const client = await clientFor(opts);
  const json = opts.output === 'json';
  const out: Progress = { say: (l) => (json ? undefined : process.stderr.write(`${l}\n`)) };
  try {
    const manifest = tenantFromAnswers(answers);
    // The API server's own validation (schema and CEL) runs first, without creating anything.
    try {
      await client.request('POST', `/apis/tenantry.dev/v1alpha1/tenants`, {
        query: { dryRun: 'All' },
        body: manifest,
      });
    } catch (e) {
      if (e instanceof ApiError && (e.code === 422 || e.code === 400))
        throw new CliError(`refused: ${e.message}`, EXIT.usage);
      if (e instanceof ApiError && e.code === 409)
        throw new CliError(`tenant "${answers.name}" already exists`, EXIT.usage);
      throw e;
    }
    const started = Date.now();
    await client.create(TenantResource, manifest);
    out.say(`tenant "${answers.name}" created in ${answers.region} (${answers.policyProfile})`);
    if (answers.identity?.clientSecret !== undefined) {
      await createIdpSecret(client, answers.name, answers.identity.clientSecret, timeoutMs);
      out.say(`  client secret stored in ${systemNamespaceOf(answers.name)}/${IDP_SECRET}`);
    }
    if (!opts.wait) {
      if (json) process.stdout.write(`${JSON.stringify({ tenant: answers.name, created: true }, null, 2)}\n`);
      return;
    }
    const { tenant, outcome } = await follow(client, answers.name, started, timeoutMs, out);
    const elapsedSeconds = Number(((Date.now() - started) / 1000).toFixed(1));
    const first = tenant.status?.receipts?.[0];
    if (json) {
      process.stdout.write(
        `${JSON.stringify(
          {
            tenant: answers.name,
            outcome,
            elapsedSeconds,
            dnsRecord: tenant.status?.domain,
            firstReceipt: first,
            onboarding: tenant.status?.onboarding,
            conditions: tenant.status?.conditions,
            identity: tenant.status?.identity,
          },
          null,
          2,
        )}\n`,
      );
    } else if (outcome === 'ready') {
      out.say(`tenant "${answers.name}" is Ready after ${elapsedSeconds}s`);
      if (first)
        out.say(
          `first receipt: ${first.step} ${first.digest} (key ${first.keyId.slice(0, 12)}…), ConfigMap ${systemNamespaceOf(answers.name)}/${first.configMap}`,
        );
    } else {
      const ready = tenant.status?.conditions?.find((c) => c.type === 'Ready');
      out.say(
        `tenant "${answers.name}" is not Ready (${outcome}): ${ready?.reason ?? ''} ${ready?.message ?? ''}`,
      );
    }
    if (outcome === 'timeout') process.exitCode = EXIT.timeout;
    if (outcome === 'stalled') process.exitCode = EXIT.findings;
  } finally {
    client.close();
  }
}

const collect = (v: string, prev: string[] = []) => [
  ...prev,
  ...v
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean),
];

export function signupCommand(): Command {
  return new Command('signup')
    .description(
      'Sign up a new tenant: asks for what is missing, creates it, shows onboarding live until Ready',
    )
    .option('--name <name>', 'tenant name (a DNS label of at most 40 characters)')
    .option('--display-name <text>', 'organisation name')
    .option('--region <region>', 'region the tenant data lives in (immutable)')
    .option('--retention <days>', 'retention of audit records and evidence, in days')
    .option('--profile <profile>', 'policy profile: baseline, restricted or regulated')
    .option('--owner <user...>', 'tenant owners (repeatable or comma-separated)', collect)
    .option('--namespace <name...>', 'namespaces besides <tenant>-system (default: default)', collect)
    .option('--domain <fqdn>', 'the tenant domain to verify by DNS TXT record')
    .option('--idp <preset>', 'identity provider: okta, entra, google, keycloak, auth0 or oidc')
    .option('--issuer <url>', 'OIDC issuer URL')
    .option('--client-id <id>', 'OIDC client id')
    .option(
      '--client-secret-file <file>',
      'file holding the OIDC client secret (never passed on the command line)',
    )
    .option('--redirect-uri <url>', 'redirect URI registered with the identity provider')
    .option('--no-input', 'never prompt; fail when a required answer is missing')
    .option('--no-wait', 'return once the tenant is created')
    .option('--timeout <d>', 'how long to wait for Ready', '5m')
    .option('-o, --output <format>', 'text or json', 'text')
    .option('--kubeconfig <file>', 'kubeconfig to use')
    .option('--context <name>', 'kubeconfig context')
    .addHelpText(
      'after',
      '\nExit codes: 0 Ready, 1 stalled (a step needs a fix), 2 bad answers, 3 cluster error, 4 timed out.',
    )
    .action(signup);
}
