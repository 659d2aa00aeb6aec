import { LABEL_NUDGE_PREFERENCES, LABEL_TENANT } from '../../api/names.ts';
import { TenantResource } from '../../api/v1alpha1/index.ts';
import { GROWTH_LOG_SELECTOR, GrowthLogIndex, namespaceConfigMaps } from '../../growth/log-index.ts';
import type { NudgeSettings } from '../../growth/nudges/config.ts';
import { WebhookSender } from '../../growth/nudges/webhook.ts';
import { type ControllerDefinition, watch } from '../../runtime/controller.ts';
import type { ControllerDeps } from '../deps.ts';
import { nudgeMetrics } from './metrics.ts';
import { NudgeDeliveryReconciler } from './reconciler.ts';

/**
 * Wiring of the nudges controller (feature adminNudges): Tenants, looked at again when their
 * status changes (nudges come and go there, which a primary watch ignores) and when their
 * admins change their nudge preferences.
 */
export function nudgesController(deps: ControllerDeps, settings: NudgeSettings): ControllerDefinition {
  const shard = deps.shardSelector;
  const configMaps = namespaceConfigMaps(deps.namespace);
  const tenantOf = (cm: { metadata: { labels?: Record<string, string> } }) =>
    [cm.metadata.labels?.[LABEL_TENANT] ?? ''].filter(Boolean);
  return {
    name: 'nudges',
    for: TenantResource,
    ...(shard ? { forSelector: shard } : {}),
    watches: [
      watch(TenantResource, (t) => [t.metadata.name ?? ''], shard),
      watch(configMaps, tenantOf, LABEL_NUDGE_PREFERENCES),
    ],
    concurrency: 2,
    reconciler: new NudgeDeliveryReconciler({
      client: deps.client,
      clock: deps.clock,
      namespace: deps.namespace,
      tenants: deps.manager.informer(TenantResource, shard),
      preferences: deps.manager.informer(configMaps, LABEL_NUDGE_PREFERENCES),
      log: new GrowthLogIndex(deps.manager.informer(configMaps, GROWTH_LOG_SELECTOR)),
      settings,
      senders: new Map(
        settings.receivers.map((r) => [r.name, new WebhookSender(r, settings.endpoints, settings.timeoutMs)]),
      ),
      metrics: nudgeMetrics(deps.registry),
    }),
  };
}
