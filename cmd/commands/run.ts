import { readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, Option } from 'commander';
import { startOperator } from '../../operator/app.ts';
import { parseAllowList } from '../../operator/archive/endpoint-policy.ts';
import { parseDuration, parseFeatureFlags } from '../../operator/config.ts';
import type { OidcOptions } from '../../operator/console/oidc.ts';
import { type NudgeSettings, parseNudgeConfig } from '../../operator/growth/nudges/config.ts';
import { ownImage } from '../../operator/install/own-image.ts';
import { DEFAULT_NAMESPACE } from '../../operator/install/rbac.ts';
import { checkWindowSize } from '../../operator/metering/windows.ts';
import { KubeClient } from '../../operator/runtime/kube/client.ts';
import { createLogger, type Logger } from '../../operator/runtime/log.ts';
import { LostLeadershipError } from '../../operator/runtime/manager.ts';
import { parseRateLimit } from '../../operator/tenantapi/rate-limit.ts';
import { SELF_SIGNED_SECRET } from '../../operator/tenantapi/serving-cert.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { loadKubeConfig } from '../kubeconfig.ts';

interface RunOptions {
  kubeconfig?: string;
  context?: string;
  namespace: string;
  leaderElect: boolean;
  exitOnLostLeadership?: boolean;
  leaseDuration: string;
  renewDeadline: string;
  retryPeriod: string;
  probeAddress: string;
  shard?: string;
  features?: string;
  validationImage?: string;
  resync: string;
  logLevel: string;
  dnsServer?: string[];
  identityCaFile?: string;
  meteringWindow: string;
  archiveAllowHttp?: boolean;
  archiveEndpointAllow?: string[];
  denialAuditAddress?: string;
  denialAuditTokenFile?: string;
  denialAuditTlsCertFile?: string;
  denialAuditTlsKeyFile?: string;
  tenantApiAddress?: string;
  tenantApiTlsCertFile?: string;
  tenantApiTlsKeyFile?: string;
  tenantApiSelfSigned?: boolean;
  tenantApiRateLimit: string;
  nudgesConfig?: string;
  consoleAddress?: string;
  consoleTlsCertFile?: string;
  consoleTlsKeyFile?: string;
  consoleInsecureCookies?: boolean;
  consoleOidcIssuer?: string;
  consoleOidcClientId?: string;
  consoleOidcClientSecretFile?: string;
  consoleOidcRedirectUrl?: string;
  consoleOidcCaFile?: string;
  consoleOidcUsernameClaim?: string;
  consoleOidcUsernamePrefix?: string;
  consoleOidcGroupsClaim?: string;
  consoleOidcGroupsPrefix?: string;
}

function parsePort(address: string, flag: string): { host: string; port: number } {
  const m = /^(.*):(\d+)$/.exec(address);
  if (!m || Number(m[2]) > 65535)
    throw new CliError(`${flag} must look like :8081 or 127.0.0.1:8081, got "${address}"`);
  return { host: m[1] || '0.0.0.0', port: Number(m[2]) };
}

const DENIAL_FLAGS = [
  '--denial-audit-address',
  '--denial-audit-token-file',
  '--denial-audit-tls-cert-file',
  '--denial-audit-tls-key-file',
];

function denialAuditOptions(opts: RunOptions) {
  const given = [
    opts.denialAuditAddress,
    opts.denialAuditTokenFile,
    opts.denialAuditTlsCertFile,
    opts.denialAuditTlsKeyFile,
  ];
  if (given.every((v) => !v)) return undefined;
  if (given.some((v) => !v)) throw new CliError(`${DENIAL_FLAGS.join(', ')} go together`);
  return {
    ...parsePort(opts.denialAuditAddress ?? '', '--denial-audit-address'),
    token: readToken(opts.denialAuditTokenFile ?? ''),
    tls: {
      cert: read(opts.denialAuditTlsCertFile ?? '', '--denial-audit-tls-cert-file'),
      key: read(opts.denialAuditTlsKeyFile ?? '', '--denial-audit-tls-key-file'),
    },
  };
}

function read(file: string, flag: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`${flag}: cannot read ${file}: ${(e as Error).message}`);
  }
}

const TENANT_API_FLAGS = ['--tenant-api-tls-cert-file', '--tenant-api-tls-key-file'];

/**
 * The tenant API's listener: its serving pair from files (read now, to fail early, and again at
 * each refresh) or, with --tenant-api-self-signed, issued and kept by the operator itself.
 */
function tenantApiOptions(opts: RunOptions) {
  const files = [opts.tenantApiTlsCertFile, opts.tenantApiTlsKeyFile];
  if (!opts.tenantApiAddress) {
    if (files.some(Boolean) || opts.tenantApiSelfSigned)
      throw new CliError(
        `${TENANT_API_FLAGS.join(', ')} and --tenant-api-self-signed need --tenant-api-address`,
      );
    return undefined;
  }
  if (opts.tenantApiSelfSigned && files.some(Boolean))
    throw new CliError(
      `--tenant-api-self-signed: the operator issues its own serving certificate; leave out ${TENANT_API_FLAGS.join(', ')}`,
    );
  if (!opts.tenantApiSelfSigned && !files.every(Boolean))
    throw new CliError(
      `--tenant-api-address needs ${TENANT_API_FLAGS.join(' and ')}, or --tenant-api-self-signed`,
    );
  const certFile = opts.tenantApiTlsCertFile ?? '';
  const keyFile = opts.tenantApiTlsKeyFile ?? '';
  const tls = opts.tenantApiSelfSigned
    ? ('self-signed' as const)
    : () => ({
        cert: read(certFile, '--tenant-api-tls-cert-file'),
        key: read(keyFile, '--tenant-api-tls-key-file'),
      });
  if (tls !== 'self-signed') tls();
  let rateLimit: ReturnType<typeof parseRateLimit>;
  try {
    rateLimit = parseRateLimit(opts.tenantApiRateLimit);
  } catch (e) {
    throw new CliError(`--tenant-api-rate-limit: ${(e as Error).message}`);
  }
  return { ...parsePort(opts.tenantApiAddress, '--tenant-api-address'), tls, rateLimit };
}

/**
 * Switchboard's listener: plain HTTP behind a TLS-terminating Ingress, or TLS with its own
 * pair (then cookies are Secure); OIDC sign-in when an issuer is named.
 */
function consoleOptions(opts: RunOptions) {
  if (!opts.consoleAddress) {
    if (opts.consoleOidcIssuer || opts.consoleTlsCertFile)
      throw new CliError('--console-oidc-* and --console-tls-* need --console-address');
    return undefined;
  }
  if (Boolean(opts.consoleTlsCertFile) !== Boolean(opts.consoleTlsKeyFile))
    throw new CliError('--console-tls-cert-file and --console-tls-key-file go together');
  const certFile = opts.consoleTlsCertFile ?? '';
  const keyFile = opts.consoleTlsKeyFile ?? '';
  const tls = certFile
    ? () => ({
        cert: read(certFile, '--console-tls-cert-file'),
        key: read(keyFile, '--console-tls-key-file'),
      })
    : undefined;
  tls?.();
  let oidc: OidcOptions | undefined;
  if (opts.consoleOidcIssuer) {
    if (!opts.consoleOidcClientId || !opts.consoleOidcRedirectUrl)
      throw new CliError(
        '--console-oidc-issuer needs --console-oidc-client-id and --console-oidc-redirect-url (https://<console>/login/oidc/callback)',
      );
    oidc = {
      issuer: opts.consoleOidcIssuer,
      clientId: opts.consoleOidcClientId,
      redirectUrl: opts.consoleOidcRedirectUrl,
      clientSecret: opts.consoleOidcClientSecretFile
        ? read(opts.consoleOidcClientSecretFile, '--console-oidc-client-secret-file').trim()
        : undefined,
      ca: opts.consoleOidcCaFile ? read(opts.consoleOidcCaFile, '--console-oidc-ca-file') : undefined,
      usernameClaim: opts.consoleOidcUsernameClaim,
      usernamePrefix: opts.consoleOidcUsernamePrefix,
      groupsClaim: opts.consoleOidcGroupsClaim,
      groupsPrefix: opts.consoleOidcGroupsPrefix,
    };
  }
  return {
    ...parsePort(opts.consoleAddress, '--console-address'),
    ...(tls ? { tls } : {}),
    ...(oidc ? { oidc } : {}),
    // Without its own TLS the console sits behind a TLS-terminating Ingress: the browser speaks
    // https, so cookies stay Secure unless the platform says it really serves plain http.
    secureCookies: !opts.consoleInsecureCookies,
  };
}

/** A bearer token from a file (a mounted Secret); refuses an empty or short one. */
function readToken(file: string): string {
  let token: string;
  try {
    token = readFileSync(file, 'utf8').trim();
  } catch (e) {
    throw new CliError(`--denial-audit-token-file: cannot read ${file}: ${(e as Error).message}`);
  }
  if (token.length < 16)
    throw new CliError('--denial-audit-token-file: the token must be at least 16 characters');
  return token;
}

/** The platform's nudges configuration; files it names are relative to it. */
function nudgeSettings(file: string | undefined): NudgeSettings | undefined {
  if (!file) return undefined;
  try {
    const dir = path.dirname(path.resolve(file));
    return parseNudgeConfig(readFileSync(file, 'utf8'), (f) => readFileSync(path.resolve(dir, f), 'utf8'));
  } catch (e) {
    throw new CliError(`--nudges-config ${file}: ${(e as Error).message}`);
  }
}

/**
 * Runs until SIGTERM/SIGINT. A replica that loses its lease steps down and campaigns again;
 * with --exit-on-lost-leadership it exits instead (code 3, one log line), for a supervisor to
 * restart.
 */
export async function runOperator(opts: RunOptions): Promise<void> {
  const features = parseFeatureFlags(opts.features ?? process.env.TENANTRY_FEATURES);
  const durations = {
    leaseDurationMs: parseDuration(opts.leaseDuration),
    renewDeadlineMs: parseDuration(opts.renewDeadline),
    retryPeriodMs: parseDuration(opts.retryPeriod),
    resyncMs: parseDuration(opts.resync),
  };
  const meteringWindowMs = parseDuration(opts.meteringWindow);
  try {
    checkWindowSize(meteringWindowMs);
  } catch (e) {
    throw new CliError(`--metering-window: ${(e as Error).message}`);
  }
  if (durations.renewDeadlineMs >= durations.leaseDurationMs) {
    throw new CliError('--renew-deadline must be shorter than --lease-duration');
  }
  const probe =
    opts.probeAddress === '0'
      ? { host: '127.0.0.1', port: -1 }
      : parsePort(opts.probeAddress, '--probe-address');
  const denialAudit = denialAuditOptions(opts);
  const tenantApi = tenantApiOptions(opts);
  const nudges = nudgeSettings(opts.nudgesConfig);
  const consoleServer = consoleOptions(opts);
  let allowed: { allowCidrs: string[]; allowHosts: string[] };
  try {
    allowed = parseAllowList(opts.archiveEndpointAllow ?? []);
  } catch (e) {
    throw new CliError(`--archive-endpoint-allow: ${(e as Error).message}`);
  }
  const log = createLogger({ level: opts.logLevel });
  const kc = loadKubeConfig(opts.kubeconfig, opts.context);
  const client = await KubeClient.fromKubeConfig(kc, { userAgent: 'tenantry-operator' });
  const stop = new AbortController();
  const onSignal = (sig: string) => {
    log.info({ signal: sig }, 'shutting down');
    stop.abort();
  };
  process.once('SIGTERM', () => onSignal('SIGTERM'));
  process.once('SIGINT', () => onSignal('SIGINT'));
  log.info(
    { namespace: opts.namespace, leaderElection: opts.leaderElect, shard: opts.shard, features },
    'starting',
  );
  const running = await startOperator(
    {
      client,
      log,
      features,
      namespace: opts.namespace,
      leaderElection: opts.leaderElect,
      exitOnLostLeadership: opts.exitOnLostLeadership ?? false,
      ...durations,
      probePort: probe.port,
      probeHost: probe.host,
      shardSelector: opts.shard,
      dnsServers: opts.dnsServer ?? [],
      identityCa: opts.identityCaFile ? readFileSync(opts.identityCaFile, 'utf8') : undefined,
      meteringWindowMs,
      archiveEndpoints: { allowHttp: opts.archiveAllowHttp ?? false, ...allowed },
      denialAudit,
      tenantApi,
      nudges,
      console: consoleServer,
      validationImage: opts.validationImage || (await podImage(client, opts.namespace, log)),
    },
    stop.signal,
  );
  try {
    await running.done;
  } catch (e) {
    if (e instanceof LostLeadershipError) {
      log.error(`${e.message}; exiting (--exit-on-lost-leadership)`);
      process.exitCode = EXIT.cluster;
      return;
    }
    // The operator stopped for a reason it states (caches that never synced: RBAC or CRDs
    // missing): one log line and a failing exit code, so the Pod restarts, not a stack trace.
    log.error({ err: e instanceof Error ? e.message : String(e) }, 'the operator stopped');
    process.exitCode = 1;
  } finally {
    client.close();
  }
}

export function runCommand(): Command {
  return new Command('run')
    .description('Run the operator (leader-elected; one replica serves thousands of tenants)')
    .option('--kubeconfig <file>', 'kubeconfig to use (default: $KUBECONFIG, ~/.kube/config, in-cluster)')
    .option('--context <name>', 'kubeconfig context')
    .addOption(
      new Option('-n, --namespace <ns>', 'the operator namespace (leases, signing keys, receipts)')
        .env('POD_NAMESPACE')
        .default(DEFAULT_NAMESPACE),
    )
    .option('--no-leader-elect', 'run without leader election (only ever one replica!)')
    .option(
      '--exit-on-lost-leadership',
      'exit (code 3) when the leader lease is lost, instead of stepping down and campaigning again',
    )
    .option('--lease-duration <d>', 'how long a leader lease is valid without renewal', '15s')
    .option('--renew-deadline <d>', 'the leader steps down when it could not renew for this long', '10s')
    .option('--retry-period <d>', 'how often candidates try and the leader renews', '2s')
    .option('--probe-address <addr>', 'address for /healthz, /readyz and /metrics ("0" disables)', ':8081')
    .option(
      '--shard <selector>',
      'serve only Tenants matching this label selector (each shard has its own lease)',
    )
    .addOption(
      new Option(
        '--validation-image <image>',
        "image the validation Job runs when a DistributionBundle changes (default: the operator's own, read from its Pod when POD_NAME is set; none: no Job, the bundle says ValidationJobDisabled)",
      ).env('TENANTRY_IMAGE'),
    )
    .addOption(
      new Option('--features <list>', 'feature flags, e.g. addonAuditArchive=false (all on by default)').env(
        'TENANTRY_FEATURES',
      ),
    )
    .addOption(
      new Option(
        '--dns-server <host:port...>',
        'nameservers for domain verification (default: the system resolvers)',
      )
        .env('TENANTRY_DNS_SERVERS')
        .argParser((v: string, prev: string[] | undefined) => [
          ...(prev ?? []),
          ...v.split(',').filter(Boolean),
        ]),
    )
    .option('--identity-ca-file <pem>', 'extra CA certificates to trust for identity providers (private PKI)')
    .option(
      '--metering-window <d>',
      'length of a metering window; keep the hour in production (shorter ones are for trials and tests, and a ledger keeps the size it started with)',
      '1h',
    )
    .option(
      '--archive-allow-http',
      "let AuditArchive endpoints use plain http (default: https only; the endpoint is the tenant's to write)",
    )
    .option(
      '--archive-endpoint-allow <cidrs>',
      'address ranges (CIDRs) and cluster-internal host names (`name` or `.suffix`) AuditArchive endpoints may use although not public (an on-premises S3), comma-separated or repeated; loopback, link-local, private and cluster-internal addresses and names are refused otherwise',
      (v: string, prev: string[] | undefined) => [...(prev ?? []), ...v.split(',').filter(Boolean)],
    )
    .option(
      '--denial-audit-address <addr>',
      "receive the API server's audit events (audit webhook backend, POST /audit) to record admission denials as Events and metrics",
    )
    .option('--denial-audit-token-file <file>', 'bearer token the audit webhook must present')
    .option('--denial-audit-tls-cert-file <pem>', 'serving certificate of the audit receiver')
    .option('--denial-audit-tls-key-file <pem>', 'serving key of the audit receiver')
    .option(
      '--tenant-api-address <addr>',
      'serve the tenant API (api.tenantry.dev/v1alpha1, registered as an APIService) here, e.g. :8443',
    )
    .option(
      '--tenant-api-tls-cert-file <pem>',
      "the tenant API's serving certificate, for <service>.<namespace>.svc (re-read every minute)",
    )
    .option('--tenant-api-tls-key-file <pem>', "the tenant API's serving key")
    .option(
      '--tenant-api-self-signed',
      `the operator issues the tenant API's serving certificate itself: a CA and a pair for <service>.<namespace>.svc in the Secret ${SELF_SIGNED_SECRET} of its namespace (renewed at two thirds of its year), and keeps the APIService's caBundle equal to that CA`,
    )
    .option(
      '--tenant-api-rate-limit <burst/per-second>',
      'requests a user may make to the tenant API at once, and a second after that',
      '20/2',
    )
    .addOption(
      new Option(
        '--nudges-config <file>',
        'YAML: which tenants get which admin nudge, frequency caps, quiet periods and webhook receivers (default: built-in targeting, Events only)',
      ).env('TENANTRY_NUDGES_CONFIG'),
    )
    .option(
      '--console-insecure-cookies',
      'the console is reached over plain http (no TLS anywhere): cookies without Secure, no HSTS (never on a shared network)',
    )
    .option(
      '--console-address <addr>',
      'serve Switchboard, the web console, here, e.g. :9443 (sign-in with Kubernetes tokens or OIDC; RBAC decides what each person sees)',
    )
    .option(
      '--console-tls-cert-file <pem>',
      "the console's serving certificate (without: plain HTTP, for behind a TLS-terminating Ingress)",
    )
    .option('--console-tls-key-file <pem>', "the console's serving key")
    .option('--console-oidc-issuer <url>', "the platform's OpenID provider, for sign-in with PKCE")
    .option('--console-oidc-client-id <id>', 'the OIDC client of the console')
    .option('--console-oidc-client-secret-file <file>', 'its client secret (without: a public client)')
    .option(
      '--console-oidc-redirect-url <url>',
      'https://<console>/login/oidc/callback, as registered at the provider',
    )
    .option('--console-oidc-ca-file <pem>', "CA certificates for the provider's TLS (private PKI)")
    .option('--console-oidc-username-claim <claim>', "as the API server's --oidc-username-claim", 'sub')
    .option(
      '--console-oidc-username-prefix <prefix>',
      'as --oidc-username-prefix (default: "<issuer>#" unless the claim is email; "-" for none)',
    )
    .option('--console-oidc-groups-claim <claim>', 'as --oidc-groups-claim', 'groups')
    .option('--console-oidc-groups-prefix <prefix>', 'as --oidc-groups-prefix')
    .option('--resync <d>', 'periodic re-check of every object, a safety net for missed events', '10m')
    .addOption(
      new Option('--log-level <level>', 'log level')
        .choices(['debug', 'info', 'warn', 'error'])
        .default('info'),
    )
    .action(runOperator);
}

/** In a pod (POD_NAME from the downward API), the operator's own image; outside one, none. */
async function podImage(client: KubeClient, namespace: string, log: Logger): Promise<string | undefined> {
  const name = process.env.POD_NAME;
  if (!name) return undefined;
  try {
    return await ownImage(client, { namespace: process.env.POD_NAMESPACE || namespace, name });
  } catch (e) {
    log.warn({ err: (e as Error).message }, "could not read this pod's image: no validation Jobs");
    return undefined;
  }
}
