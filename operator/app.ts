import os from 'node:os';
import { type DenialReceiver, startDenialReceiver } from './admission/denial-receiver.ts';
import { AddOnResource, TenantResource } from './api/v1alpha1/index.ts';
import type { EndpointPolicy } from './archive/endpoint-policy.ts';
import type { FeatureFlags } from './config.ts';
import { subjectAccess } from './console/access.ts';
import type { OidcOptions } from './console/oidc.ts';
import { type ConsoleServer, startConsole } from './console/server.ts';
import { operatorSource } from './console/sources.ts';
import { controllers } from './controllers/index.ts';
import { KeyStore } from './evidence/keystore.ts';
import { keyStoreSigner } from './evidence/sign.ts';
import { GROWTH_LOG_SELECTOR, GrowthLogIndex, namespaceConfigMaps } from './growth/log-index.ts';
import type { NudgeSettings } from './growth/nudges/config.ts';
import { type Clock, realClock } from './runtime/clock.ts';
import { KubeEventRecorder } from './runtime/events.ts';
import type { KubeClient } from './runtime/kube/client.ts';
import type { Logger } from './runtime/log.ts';
import { Manager } from './runtime/manager.ts';
import { RuntimeMetrics } from './runtime/metrics.ts';
import { type ProbeServer, startProbeServer } from './runtime/server.ts';
import type { RateLimit } from './tenantapi/rate-limit.ts';
import { tokenReviewer } from './tenantapi/reviews.ts';
import { startTenantApi, type TenantApiServer } from './tenantapi/server.ts';
import { selfSignedServing } from './tenantapi/serving-cert.ts';

export interface OperatorOptions {
  client: KubeClient;
  log: Logger;
  features: FeatureFlags;
  /** The operator's namespace: its Lease, keys and receipts live here. */
  namespace: string;
  leaderElection: boolean;
  /** End `done` with a LostLeadershipError when the lease is lost, instead of campaigning again. */
  exitOnLostLeadership?: boolean;
  leaseDurationMs?: number;
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
  identity?: string;
  /** Port for /healthz, /readyz, /metrics; 0 picks a free one, -1 serves none. */
  probePort: number;
  probeHost?: string;
  shardSelector?: string | undefined;
  resyncMs?: number;
  clock?: Clock;
  metrics?: RuntimeMetrics;
  /** Nameservers for domain verification (`host:port`); default: the system's. */
  dnsServers?: string[];
  /** Extra CA certificates (PEM) trusted for identity providers on a private PKI. */
  identityCa?: string | undefined;
  /** Metering window (default an hour); shorter windows are for trials and tests. */
  meteringWindowMs?: number | undefined;
  /** Which AuditArchive endpoints the operator calls (default: https to public addresses only). */
  archiveEndpoints?: EndpointPolicy | undefined;
  /** Who gets which nudge, how often, quiet periods and webhook receivers (default: built-in targeting, no webhooks). */
  nudges?: NudgeSettings | undefined;
  /** The image the DistributionBundle controller runs the validation suite in; absent: no Jobs. */
  validationImage?: string | undefined;
  /** Receive the API server's audit events to record admission denials (port 0: any free one). */
  denialAudit?:
    | { port: number; host?: string; token: string; tls: { cert: string; key: string } }
    | undefined;
  /** Serve the tenant API (api.tenantry.dev, behind the aggregation layer) on this port (0: any free one). */
  tenantApi?:
    | {
        port: number;
        host?: string;
        /**
         * The serving pair, read again periodically so a rotated one is picked up; or
         * 'self-signed': the operator keeps its own CA and pair in a Secret of its namespace
         * and the APIService's caBundle equal to that CA (tenantapi/serving-cert.ts).
         */
        tls: (() => { cert: string; key: string }) | 'self-signed';
        rateLimit?: RateLimit;
      }
    | undefined;
  /** Serve Switchboard, the web console, on this port (0: any free one); over TLS when a pair is given. */
  console?:
    | {
        port: number;
        host?: string;
        tls?: () => { cert: string; key: string };
        oidc?: OidcOptions;
        loginRateLimit?: RateLimit;
        /** Secure cookies and HSTS (default: when serving TLS itself). */
        secureCookies?: boolean;
      }
    | undefined;
}

export interface RunningOperator {
  probe: ProbeServer | undefined;
  denials?: DenialReceiver | undefined;
  tenantApi?: TenantApiServer | undefined;
  console?: ConsoleServer | undefined;
  manager: Manager;
  /**
   * Settles when the operator stops: resolves on a clean stop, rejects on a failure or, with
   * exitOnLostLeadership, on lost leadership (a LostLeadershipError).
   */
  done: Promise<void>;
}

/** Wires the runtime and the controllers together and starts them. */
export async function startOperator(opts: OperatorOptions, signal: AbortSignal): Promise<RunningOperator> {
  const clock = opts.clock ?? realClock;
  const metrics = opts.metrics ?? new RuntimeMetrics();
  const identity =
    opts.identity ?? `${os.hostname()}_${process.pid}_${Math.random().toString(36).slice(2, 8)}`;
  const log = opts.log.child({ identity });
  const leaseName = opts.shardSelector ? `tenantry-${shardSuffix(opts.shardSelector)}` : 'tenantry-leader';
  const manager = new Manager({
    client: opts.client,
    clock,
    log,
    metrics,
    leaderElection: opts.leaderElection
      ? {
          namespace: opts.namespace,
          name: leaseName,
          identity,
          ...(opts.leaseDurationMs ? { leaseDurationMs: opts.leaseDurationMs } : {}),
          ...(opts.renewDeadlineMs ? { renewDeadlineMs: opts.renewDeadlineMs } : {}),
          ...(opts.retryPeriodMs ? { retryPeriodMs: opts.retryPeriodMs } : {}),
        }
      : undefined,
    exitOnLostLeadership: opts.exitOnLostLeadership,
    ...(opts.resyncMs !== undefined ? { resyncMs: opts.resyncMs } : {}),
  });
  const recorder = new KubeEventRecorder(opts.client, clock, log);
  // The signing key is created on first start (a Secret) and its public key published.
  const signer = opts.features.selfServeOnboarding
    ? keyStoreSigner(new KeyStore(opts.client, { namespace: opts.namespace, log }))
    : undefined;
  for (const def of controllers({
    client: opts.client,
    clock,
    log,
    recorder,
    manager,
    features: opts.features,
    namespace: opts.namespace,
    shardSelector: opts.shardSelector,
    registry: metrics.registry,
    signer,
    dnsServers: opts.dnsServers ?? [],
    identityCa: opts.identityCa,
    meteringWindowMs: opts.meteringWindowMs,
    archiveEndpoints: opts.archiveEndpoints ?? {},
    nudges: opts.nudges,
    validationImage: opts.validationImage,
  })) {
    manager.add(def);
  }
  const probe =
    opts.probePort >= 0
      ? await startProbeServer({
          port: opts.probePort,
          ...(opts.probeHost ? { host: opts.probeHost } : {}),
          metrics,
          ready: () => manager.ready(),
          log,
        })
      : undefined;
  const denials = opts.denialAudit
    ? await startDenialReceiver({ ...opts.denialAudit, recorder, registry: metrics.registry, log })
    : undefined;
  // Served by every replica, leader or not: its requests read and append idempotently.
  const selfSigned =
    opts.tenantApi?.tls === 'self-signed'
      ? await selfSignedServing({ client: opts.client, namespace: opts.namespace, clock, log })
      : undefined;
  const tenantApi = opts.tenantApi
    ? await startTenantApi({
        ...opts.tenantApi,
        tls: selfSigned?.tls ?? (opts.tenantApi.tls as () => { cert: string; key: string }),
        client: opts.client,
        namespace: opts.namespace,
        clock,
        log,
        signer,
        registry: metrics.registry,
      })
    : undefined;
  // The console reads the Manager's shared caches (asked for before it starts, so they run):
  // one copy of the tenants for the controllers and the pages alike.
  const consoleServer = opts.console
    ? await startConsole({
        ...opts.console,
        source: operatorSource({
          client: opts.client,
          namespace: opts.namespace,
          clock,
          tenants: manager.informer(TenantResource, opts.shardSelector),
          addOns: manager.informer(AddOnResource),
          log: new GrowthLogIndex(manager.informer(namespaceConfigMaps(opts.namespace), GROWTH_LOG_SELECTOR)),
        }),
        access: subjectAccess(opts.client),
        tokens: tokenReviewer(opts.client, clock),
        clock,
        log,
      })
    : undefined;
  const done = manager
    .start(signal)
    .finally(() =>
      Promise.all([
        probe?.close(),
        denials?.close(),
        tenantApi?.close(),
        consoleServer?.close(),
        selfSigned?.stop(),
      ]),
    );
  return { probe, manager, done, denials, tenantApi, console: consoleServer };
}

/** Each shard campaigns for its own lease, so shards run side by side. */
function shardSuffix(selector: string): string {
  return selector
    .replace(/[^a-z0-9]+/gi, '-')
    .toLowerCase()
    .replace(/^-|-$/g, '')
    .slice(0, 40);
}
