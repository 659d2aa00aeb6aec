import https from 'node:https';
import { type LocalTenantApi, localTenantApi } from '../../cmd/local-tenant-api.ts';
import { DEFAULT_NAMESPACE } from '../../operator/install/rbac.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import type { RateLimit } from '../../operator/tenantapi/rate-limit.ts';

/** The tenant API of a test operator, registered with the test cluster's aggregation layer. */
export type TestTenantApi = LocalTenantApi;

/** See localTenantApi: the test cluster's API server runs on this machine. */
export const prepareTenantApi = (
  admin: KubeClient,
  opts: { rateLimit?: RateLimit } = {},
): Promise<TestTenantApi> => localTenantApi(admin, DEFAULT_NAMESPACE, opts);

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
