import type { KubeClient } from '../runtime/kube/client.ts';
import { ApiError } from '../runtime/kube/errors.ts';
import { checkDocument, type TenantDocument } from './document.ts';
import {
  TENANT_API_GROUP_VERSION,
  TENANT_API_SERVICE_NAME,
  type TenantApiClusterResourceName,
  type TenantApiResourceName,
  tenantApiClusterPath,
  tenantApiPath,
} from './names.ts';

/**
 * A document from the tenant API, or why the API is not there to ask (`installed`: the
 * APIService exists but its server did not answer, which may pass).
 */
export type FromTenantApi<D> = { doc: D } | { unavailable: string; installed: boolean };

/**
 * Asks the tenant API, through the API server with the caller's own credentials, for a tenant's
 * resource, so the action is recorded as hers. When the APIService is not installed (404) or not
 * available (503), says why instead, for the caller to fall back; any other refusal (403, a
 * tenant that does not exist) is thrown as the API server's error: falling back then would
 * bypass what RBAC or the API said.
 */
export async function fromTenantApi<K extends string, C extends object>(
  client: KubeClient,
  tenant: string,
  resource: TenantApiResourceName,
  kind: K,
  query: Record<string, string> = {},
): Promise<FromTenantApi<TenantDocument<K, C>>> {
  const got = await askTenantApi(client, () =>
    client.request('GET', tenantApiPath(tenant, resource), { query }),
  );
  return 'unavailable' in got ? got : { doc: checkDocument<K, C>(got.doc, kind) };
}

/**
 * Creates a cluster-scoped resource on the tenant API (as the caller, through the API server) and
 * returns the answer, or why the API is not there, as fromTenantApi does. The answer's kind is
 * checked; what it holds is the caller's to check.
 */
export async function createOnTenantApi<K extends string>(
  client: KubeClient,
  resource: TenantApiClusterResourceName,
  kind: K,
  body: object,
): Promise<FromTenantApi<{ kind: K } & Record<string, unknown>>> {
  const got = await askTenantApi(client, () =>
    client.request<Record<string, unknown>>('POST', tenantApiClusterPath(resource), { body }),
  );
  if ('unavailable' in got) return got;
  const doc = got.doc as Record<string, unknown> | undefined;
  if (doc?.apiVersion !== TENANT_API_GROUP_VERSION || doc.kind !== kind)
    throw new Error(`the tenant API answered with no ${kind} document`);
  return { doc: doc as { kind: K } & Record<string, unknown> };
}

/** Probes the group first, so an APIService that is not there is told apart from a refusal. */
async function askTenantApi(
  client: KubeClient,
  ask: () => Promise<unknown>,
): Promise<FromTenantApi<unknown>> {
  try {
    await client.request('GET', `/apis/${TENANT_API_GROUP_VERSION}`);
  } catch (e) {
    if (e instanceof ApiError && e.code === 404)
      return { unavailable: `the APIService ${TENANT_API_SERVICE_NAME} is not installed`, installed: false };
    if (e instanceof ApiError && e.code === 503)
      return {
        unavailable: `the APIService ${TENANT_API_SERVICE_NAME} is not available (${e.message})`,
        installed: true,
      };
    throw e;
  }
  try {
    return { doc: await ask() };
  } catch (e) {
    // The operator's own 503 (it signs nothing) carries its reason in the message.
    if (e instanceof ApiError && e.code === 503)
      return {
        unavailable: `the APIService ${TENANT_API_SERVICE_NAME} could not serve the request (${e.message})`,
        installed: true,
      };
    throw e;
  }
}
