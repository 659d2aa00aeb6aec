import { freePort } from '../devcluster/ports.ts';
import { type ServingTls, servingTls } from '../devcluster/serving-tls.ts';
import {
  APIServiceResource,
  installTenantApi,
  tenantApiServingName,
  uninstallTenantApi,
} from '../operator/install/tenant-api.ts';
import { realClock, sleep } from '../operator/runtime/clock.ts';
import type { KubeClient } from '../operator/runtime/kube/client.ts';
import type { AnyObject } from '../operator/runtime/kube/object.ts';
import { TENANT_API_SERVICE_NAME } from '../operator/tenantapi/names.ts';
import type { RateLimit } from '../operator/tenantapi/rate-limit.ts';

/** The tenant API of an operator process on the API server's own machine. */
export interface LocalTenantApi {
  port: number;
  /** The serving pair (valid for tenantry-api.<ns>.svc) and the CA the APIService trusts. */
  tls: ServingTls;
  /** What startOperator takes to serve it. */
  operator: { port: number; host: string; tls: () => { cert: string; key: string }; rateLimit?: RateLimit };
  /** Registers it (RBAC, Service, APIService) and waits until the aggregator calls it Available. */
  register(): Promise<void>;
  /** Removes the APIService: one without its server would hold up namespace deletion cluster-wide. */
  unregister(): Promise<void>;
}

/**
 * A loopback listener for the operator's tenant API, reached by the aggregator as it would reach
 * a pod: a local control plane has no kube-proxy, so the Service is an ExternalName for
 * 127.0.0.1 and the APIService names the listener's port; the aggregator still checks the
 * serving certificate for tenantry-api.<namespace>.svc against the APIService's caBundle.
 * Only for an API server on this machine (`tenantry dev up`, the tests).
 */
export async function localTenantApi(
  admin: KubeClient,
  namespace: string,
  opts: { rateLimit?: RateLimit } = {},
): Promise<LocalTenantApi> {
  const tls = await servingTls({
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
      const deadline = Date.now() + 60_000;
      for (;;) {
        const s = await admin.get<
          AnyObject & { status?: { conditions?: Array<{ type: string; status: string; message?: string }> } }
        >(APIServiceResource, TENANT_API_SERVICE_NAME);
        const available = s.status?.conditions?.find((c) => c.type === 'Available');
        if (available?.status === 'True') return;
        if (Date.now() > deadline)
          throw new Error(
            `APIService ${TENANT_API_SERVICE_NAME} not Available after 60 s: ${available?.message ?? 'no Available condition'}`,
          );
        await sleep(realClock, 250);
      }
    },
    unregister: () => uninstallTenantApi(admin, namespace),
  };
}
