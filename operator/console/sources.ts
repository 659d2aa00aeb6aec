import { systemNamespaceOf } from '../api/names.ts';
import type { AddOn, Tenant } from '../api/v1alpha1/index.ts';
import { AddOnResource, TenantResource } from '../api/v1alpha1/index.ts';
import type { GrowthEvent } from '../growth/events.ts';
import { GROWTH_LOG_SELECTOR, GrowthLogIndex } from '../growth/log-index.ts';
import type { NudgePreferences } from '../growth/preferences.ts';
import { type TenantGrowth, tenantGrowth } from '../growth/tenant-growth.ts';
import type { Clock } from '../runtime/clock.ts';
import type { Cache } from '../runtime/informer.ts';
import type { KubeClient } from '../runtime/kube/client.ts';
import type { ConfigMap } from '../runtime/kube/core.ts';
import { Builtin } from '../runtime/kube/resource.ts';
import type { Identity } from '../tenantapi/authenticate.ts';
import { checkDocument, type TenantDocument } from '../tenantapi/document.ts';
import type { EvidenceDocument } from '../tenantapi/evidence.ts';
import { HANDLERS, type HandlerContext } from '../tenantapi/handlers.ts';
import { type TenantApiResourceName, tenantApiPath } from '../tenantapi/names.ts';
import type { PreferencesChange } from '../tenantapi/preferences-body.ts';
import type { UsageDocument } from '../tenantapi/usage.ts';

export type PreferencesDocument = TenantDocument<'NudgePreferences', NudgePreferences>;

/**
 * Where the console's pages get their data. Authorization is the console's (a review per
 * request, before any of these is called); these only fetch.
 */
export interface ConsoleSource {
  tenants(): Promise<Tenant[]>;
  tenant(name: string): Promise<Tenant | undefined>;
  addOns(tenant: string): Promise<AddOn[]>;
  /** The tenant's growth log, oldest first. */
  events(tenant: string): Promise<readonly GrowthEvent<unknown>[]>;
  /** Every tenant's signup, checklist and activity: what cohorts and the funnel are made of. */
  growth(): Promise<TenantGrowth[]>;
  /** The tenant API's documents, fetched as the tenant API hands them out (and recorded so). */
  evidence(who: Identity, tenant: string): Promise<EvidenceDocument>;
  usage(who: Identity, tenant: string, period: string): Promise<UsageDocument>;
  preferences(who: Identity, tenant: string): Promise<PreferencesDocument>;
  setPreferences(who: Identity, tenant: string, change: PreferencesChange): Promise<PreferencesDocument>;
}

/**
 * In the operator: the Manager's shared informers (one copy of 10,000 tenants for the
 * controllers and the console alike) and the tenant API's own handlers, so a page's evidence,
 * usage and preferences are the documents the API would hand out, and a change goes through
 * the same code as its PUT and is recorded in the growth log the same way.
 */
export function operatorSource(opts: {
  client: KubeClient;
  namespace: string;
  clock: Clock;
  tenants: Cache<Tenant>;
  addOns: Cache<AddOn>;
  log: GrowthLogIndex;
}): ConsoleSource {
  const ctx: HandlerContext = { client: opts.client, namespace: opts.namespace, clock: opts.clock };
  const call = async <T>(
    resource: TenantApiResourceName,
    verb: 'get' | 'update',
    who: Identity,
    tenant: string,
    query: Record<string, string> = {},
    body = '',
  ): Promise<T> => {
    const handler = HANDLERS[resource][verb];
    if (!handler) throw new Error(`the tenant API has no ${verb} of ${resource}`);
    return (await handler(ctx, {
      tenant,
      who,
      query: new URLSearchParams(query),
      body,
      checkDeadline: () => {},
    })) as T;
  };
  return {
    tenants: async () => opts.tenants.list(),
    tenant: async (name) => opts.tenants.get(name),
    addOns: async (tenant) =>
      opts.addOns.list().filter((a) => a.metadata.namespace === systemNamespaceOf(tenant)),
    events: async (tenant) => opts.log.events(tenant),
    growth: async () =>
      opts.tenants.list().map((t) => tenantGrowth(t, opts.log.events(t.metadata.name ?? ''))),
    evidence: (who, tenant) => call('evidence', 'get', who, tenant),
    usage: (who, tenant, period) => call('usage', 'get', who, tenant, { period }),
    preferences: (who, tenant) => call('nudgepreferences', 'get', who, tenant),
    setPreferences: (who, tenant, change) =>
      call('nudgepreferences', 'update', who, tenant, {}, JSON.stringify(change)),
  };
}

const forbiddenIsEmpty = async <T>(p: Promise<T[]>): Promise<T[]> =>
  p.catch((e: { code?: number }) => {
    if (e.code === 403) return [];
    throw e;
  });

/**
 * With her own kubeconfig (`tenantry switchboard`): everything read with her credentials, as
 * fresh lists (a laptop, one person), so she sees what RBAC lets her read and nothing more, and
 * the tenant API reached through the API server like kubectl would. What she may not list
 * (the growth log, for a tenant owner) reads as empty.
 */
export function kubeconfigSource(client: KubeClient, namespace: string): ConsoleSource {
  const tenants = () => forbiddenIsEmpty(client.list<Tenant>(TenantResource).then((l) => l.items));
  const logs = () =>
    forbiddenIsEmpty(
      client
        .list<ConfigMap>(Builtin.ConfigMap, { namespace, labelSelector: GROWTH_LOG_SELECTOR })
        .then((l) => l.items),
    );
  const index = async () => {
    const items = await logs();
    return new GrowthLogIndex({
      addHandler: (h) => {
        for (const cm of items) h.onAdd?.(cm);
      },
    });
  };
  const api = async <K extends string, C extends object>(
    tenant: string,
    resource: TenantApiResourceName,
    kind: K,
    opts: { method?: string; query?: Record<string, string>; body?: object } = {},
  ) =>
    checkDocument<K, C>(
      await client.request(opts.method ?? 'GET', tenantApiPath(tenant, resource), {
        ...(opts.query ? { query: opts.query } : {}),
        ...(opts.body ? { body: opts.body } : {}),
      }),
      kind,
    );
  return {
    tenants,
    tenant: async (name) => (await tenants()).find((t) => t.metadata.name === name),
    addOns: (tenant) =>
      forbiddenIsEmpty(
        client.list<AddOn>(AddOnResource, { namespace: systemNamespaceOf(tenant) }).then((l) => l.items),
      ),
    events: async (tenant) => (await index()).events(tenant),
    growth: async () => {
      const [ts, idx] = await Promise.all([tenants(), index()]);
      return ts.map((t) => tenantGrowth(t, idx.events(t.metadata.name ?? '')));
    },
    evidence: (_who, tenant) => api(tenant, 'evidence', 'Evidence'),
    usage: (_who, tenant, period) => api(tenant, 'usage', 'Usage', { query: { period } }),
    preferences: (_who, tenant) => api(tenant, 'nudgepreferences', 'NudgePreferences'),
    setPreferences: (_who, tenant, change) =>
      api(tenant, 'nudgepreferences', 'NudgePreferences', { method: 'PUT', body: change }),
  };
}
