import type { KubeClient } from '../runtime/kube/client.ts';
import { ApiError } from '../runtime/kube/errors.ts';
import { checkDocument, type TenantDocument } from './document.ts';
import {
  TENANT_API_GROUP_VERSION,
  TENANT_API_SERVICE_NAME,
  type TenantApiResourceName,
  tenantApiPath,
} from './names.ts';

/** A document from the tenant API, or why the API is not there to ask. */
export type FromTenantApi<D> = { doc: D } | { unavailable: string };

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
  try {
    await client.request('GET', `/apis/${TENANT_API_GROUP_VERSION}`);
  } catch (e) {
    if (e instanceof ApiError && e.code === 404)
      return { unavailable: `the APIService ${TENANT_API_SERVICE_NAME} is not installed` };
    if (e instanceof ApiError && e.code === 503)
      return { unavailable: `the APIService ${TENANT_API_SERVICE_NAME} is not available (${e.message})` };
    throw e;
  }
  let value: unknown;
  try {
    value = await client.request('GET', tenantApiPath(tenant, resource), { query });
  } catch (e) {
    if (e instanceof ApiError && e.code === 503)
      return { unavailable: `the APIService ${TENANT_API_SERVICE_NAME} stopped answering (${e.message})` };
    throw e;
  }
  return { doc: checkDocument<K, C>(value, kind) };
}
