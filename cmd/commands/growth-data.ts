import type { Tenant } from '../../operator/api/v1alpha1/index.ts';
import { TenantResource } from '../../operator/api/v1alpha1/index.ts';
import { GROWTH_LOG_SELECTOR, GrowthLogIndex } from '../../operator/growth/log-index.ts';
import { type TenantGrowth, tenantGrowth } from '../../operator/growth/tenant-growth.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import type { ConfigMap } from '../../operator/runtime/kube/core.ts';
import { Builtin } from '../../operator/runtime/kube/resource.ts';
import { CliError } from '../exit-codes.ts';

/** Options every growth command shares: the cluster, the operator's namespace and "as of". */
export interface GrowthOptions {
  kubeconfig?: string;
  context?: string;
  namespace: string;
  since?: string;
  now?: string;
}

/** An RFC 3339 time or date flag as epoch ms. */
export function timeFlag(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  if (Number.isNaN(ms))
    throw new CliError(`${flag} must be an RFC 3339 time or a date (2026-11-25), got "${value}"`);
  return ms;
}

/**
 * The Tenants and every tenant's growth log (the operator's namespace), read once: the
 * source the funnel and the cohorts are computed from, as the operator computes its metrics.
 */
export async function loadGrowth(
  client: KubeClient,
  namespace: string,
): Promise<{ tenants: Tenant[]; index: GrowthLogIndex; growth: TenantGrowth[] }> {
  const [tenants, logs] = await Promise.all([
    client.list<Tenant>(TenantResource),
    client.list<ConfigMap>(Builtin.ConfigMap, { namespace, labelSelector: GROWTH_LOG_SELECTOR }),
  ]);
  const index = new GrowthLogIndex({
    addHandler: (h) => {
      for (const cm of logs.items) h.onAdd?.(cm);
    },
  });
  const growth = tenants.items.map((t) => tenantGrowth(t, index.events(t.metadata.name ?? '')));
  return { tenants: tenants.items, index, growth };
}
