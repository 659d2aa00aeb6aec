import https from 'node:https';
import { freePort } from '../../devcluster/ports.ts';
import { DEFAULT_NAMESPACE } from '../../operator/install/rbac.ts';
import {
  APIServiceResource,
  installTenantApi,
  tenantApiServingName,
  uninstallTenantApi,
} from '../../operator/install/tenant-api.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import type { AnyObject } from '../../operator/runtime/kube/object.ts';
import { TENANT_API_SERVICE_NAME } from '../../operator/tenantapi/names.ts';
import type { RateLimit } from '../../operator/tenantapi/rate-limit.ts';
import { createTestTls, type TestTls } from './tls.ts';
import { waitFor } from './wait.ts';

/** The tenant API of a test operator, registered with the test cluster's aggregation layer. */
export interface TestTenantApi {
  port: number;
  /** The serving pair (valid for tenantry-api.<ns>.svc) and the CA the APIService trusts. */
  tls: TestTls;
  /** What startTestOperator takes to serve it. */
  operator: { port: number; host: string; tls: () => { cert: string; key: string }; rateLimit?: RateLimit };
  /** Registers it (RBAC, Service, APIService) and waits until the aggregator calls it Available. */
  register(): Promise<void>;
  /** Removes the APIService: one without its server would hold up namespace deletion for every test after. */
  unregister(): Promise<void>;
}

/**
 * A listener on loopback for the operator's tenant API, reached by the aggregator as it would
 * reach a pod: the test control plane has no kube-proxy, so the Service is an ExternalName
 * for 127.0.0.1 and the APIService names the listener's port; the aggregator still checks the
 * serving certificate for tenantry-api.<namespace>.svc against the APIService's caBundle.
 */
export async function prepareTenantApi(
  admin: KubeClient,
  opts: { rateLimit?: RateLimit } = {},
): Promise<TestTenantApi> {
  const namespace = DEFAULT_NAMESPACE;
  const tls = await createTestTls({
    commonName: 'tenantry-api-ca',
    sans: [`DNS:${tenantApiServingName(namespace)}`],
  });
  const port = await freePort();
  return {
    port,
    tls,
    operator: {
      port,
      host: '127.0.0.1',
      tls: () => ({ cert: tls.cert, key: tls.key }),
      ...(opts.rateLimit ? { rateLimit: opts.rateLimit } : {}),
    },
    async register() {
      await installTenantApi(admin, {
        namespace,
        caBundlePem: tls.ca,
        route: { kind: 'externalName', host: '127.0.0.1', port },
      });
      await waitFor(
        `APIService ${TENANT_API_SERVICE_NAME} Available`,
        async () => {
          const s = await admin.get<
            AnyObject & {
              status?: { conditions?: Array<{ type: string; status: string; message?: string }> };
            }
          >(APIServiceResource, TENANT_API_SERVICE_NAME);
          const available = s.status?.conditions?.find((c) => c.type === 'Available');
          if (available?.status === 'True') return true;
          // Thrown, so a timeout says what the aggregator last reported.
          throw new Error(available?.message ?? 'no Available condition yet');
        },
        { timeoutMs: 60_000 },
      );
    },
    unregister: () => uninstallTenantApi(admin, namespace),
  };
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

/**
 * One HTTPS request with exactly the credentials and headers given (a client certificate, a
 * bearer token, forged identity headers), for what the API clients would not send.
 */
export function rawRequest(opts: {
  url: string;
  ca: string;
  servername?: string;
  cert?: string;
  key?: string;
  method?: string;
  headers?: Record<string, string | string[]>;
  body?: string;
}): Promise<RawResponse> {
  const url = new URL(opts.url);
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: url.hostname,
        port: url.port,
        path: `${url.pathname}${url.search}`,
        method: opts.method ?? 'GET',
        ca: opts.ca,
        ...(opts.servername ? { servername: opts.servername } : {}),
        ...(opts.cert ? { cert: opts.cert, key: opts.key } : {}),
        headers: { Accept: 'application/json', ...opts.headers },
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: Record<string, unknown>;
          try {
            body = JSON.parse(text) as Record<string, unknown>;
          } catch {
            body = { text };
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body });
        });
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}
