import https from 'node:https';
import type { TLSSocket } from 'node:tls';
import { Counter, type Registry } from 'prom-client';
import type { StatementSigner } from '../evidence/sign.ts';
import type { Clock } from '../runtime/clock.ts';
import type { KubeClient } from '../runtime/kube/client.ts';
import type { Logger } from '../runtime/log.ts';
import { type Listening, listen } from '../runtime/server.ts';
import { type FrontProxyConfig, NO_FRONT_PROXY, peerOf, readFrontProxyConfig } from './front-proxy.ts';
import { tenantApiPipeline } from './pipeline.ts';
import { DEFAULT_RATE_LIMIT, type RateLimit, RateLimiter } from './rate-limit.ts';
import { subjectAccessReviewer, tokenReviewer } from './reviews.ts';

export interface TenantApiOptions {
  /** The operator's client: reviews, and what the handlers read and record. */
  client: KubeClient;
  /** The operator's namespace. */
  namespace: string;
  clock: Clock;
  log: Logger;
  /** The operator's evidence signer: validationreports are signed with it (503 without one). */
  signer?: StatementSigner | undefined;
  registry?: Registry;
  port: number;
  host?: string;
  /** The serving certificate and key (PEM), read again at each refresh so a rotated pair is picked up. */
  tls: () => { cert: string; key: string };
  rateLimit?: RateLimit;
  timeoutMs?: number;
  maxBodyBytes?: number;
  /** How often the front proxy's trust and the serving pair are read again. */
  refreshMs?: number;
}

export type TenantApiServer = Listening;

/**
 * Serves the tenant API over TLS for the aggregation layer (APIService v1alpha1.api.tenantry.dev)
 * and for bearer tokens sent directly. The server asks for a client certificate and trusts the
 * front proxy's identity headers only from one anchored in the request-header client CA with an
 * allowed name, both read from kube-system/extension-apiserver-authentication, and read again
 * every `refreshMs` together with the serving pair, so a rotated CA or certificate needs no
 * restart. Every replica serves, leader or not: the handlers only read and append idempotently.
 */
export async function startTenantApi(opts: TenantApiOptions): Promise<TenantApiServer> {
  const log = opts.log.child({ component: 'tenant-api' });
  let trust: FrontProxyConfig = NO_FRONT_PROXY;
  let pair = opts.tls();
  let complained = false;
  const readTrust = async (): Promise<FrontProxyConfig> => {
    try {
      const cfg = await readFrontProxyConfig(opts.client);
      if (cfg === NO_FRONT_PROXY && !complained)
        log.warn(
          'kube-system/extension-apiserver-authentication has no requestheader-client-ca-file: identity headers are not trusted, only bearer tokens sent directly',
        );
      else if (cfg.allowedNames.length === 0 && !complained)
        log.warn(
          'requestheader-allowed-names is empty: any client certificate of the request-header CA may act as the front proxy',
        );
      complained = true;
      return cfg;
    } catch (e) {
      log.warn({ err: (e as Error).message }, 'cannot read the front proxy trust; keeping the previous one');
      return trust;
    }
  };
  const context = (cfg: FrontProxyConfig) => ({
    cert: pair.cert,
    key: pair.key,
    // Without a request-header CA the default roots verify client certificates, but
    // isFrontProxy trusts only the configured CA's fingerprints, so none counts as the proxy.
    ...(cfg.caPem ? { ca: cfg.caPem } : {}),
  });
  trust = await readTrust();
  const server = https.createServer({ ...context(trust), requestCert: true, rejectUnauthorized: false });
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;

  const requests = new Counter({
    name: 'tenantry_tenant_api_requests_total',
    help: 'Requests to the tenant API by resource, verb and HTTP code',
    labelNames: ['resource', 'verb', 'code'],
    registers: opts.registry ? [opts.registry] : [],
  });
  const ctx = { client: opts.client, namespace: opts.namespace, clock: opts.clock, signer: opts.signer, log };
  const handle = tenantApiPipeline({
    ctx,
    log,
    frontProxy: () => trust,
    reviewer: tokenReviewer(opts.client, opts.clock),
    authorizer: subjectAccessReviewer(opts.client),
    limiter: new RateLimiter(opts.rateLimit ?? DEFAULT_RATE_LIMIT, opts.clock),
    addressLimiter: new RateLimiter(opts.rateLimit ?? DEFAULT_RATE_LIMIT, opts.clock),
    count: (l) => requests.inc({ ...l, code: String(l.code) }),
    timeoutMs: opts.timeoutMs ?? 20_000,
    maxBodyBytes: opts.maxBodyBytes ?? 64 * 1024,
  });
  server.on('request', (req, res) => {
    void handle(req, res, peerOf(req.socket as TLSSocket));
  });

  const refresh = setInterval(async () => {
    const next = await readTrust();
    let nextPair = pair;
    try {
      nextPair = opts.tls();
    } catch (e) {
      log.warn(
        { err: (e as Error).message },
        'cannot read the serving certificate; keeping the previous one',
      );
    }
    if (next.caPem === trust.caPem && nextPair.cert === pair.cert && nextPair.key === pair.key) {
      trust = next;
      return;
    }
    // The context and the trust change together, so no request sees one without the other.
    pair = nextPair;
    server.setSecureContext(context(next));
    trust = next;
    log.info('reloaded the front proxy trust and the serving certificate');
  }, opts.refreshMs ?? 60_000);
  refresh.unref();

  const listening = await listen(server, opts.port, opts.host, (port) =>
    log.info({ port }, 'serving the tenant API (api.tenantry.dev/v1alpha1)'),
  );
  return {
    port: listening.port,
    close: async () => {
      clearInterval(refresh);
      await listening.close();
    },
  };
}
