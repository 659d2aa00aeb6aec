import { LABEL_GROWTH_LOG, LABEL_NUDGE_PREFERENCES, LABEL_TENANT } from '../../api/names.ts';
import { TenantResource } from '../../api/v1alpha1/index.ts';
import { GrowthLogView } from '../../growth/log-view.ts';
import type { NudgeSettings } from '../../growth/nudge-config.ts';
import { WebhookSender } from '../../growth/nudge-webhook.ts';
import { type ControllerDefinition, watch } from '../../runtime/controller.ts';
import { Builtin } from '../../runtime/kube/resource.ts';
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
  const tenantOf = (cm: { metadata: { namespace?: string; labels?: Record<string, string> } }) => {
    const tenant = cm.metadata.labels?.[LABEL_TENANT];
    return cm.metadata.namespace === deps.namespace && tenant ? [tenant] : [];
  };
  return {
    name: 'nudges',
    for: TenantResource,
    ...(shard ? { forSelector: shard } : {}),
    watches: [
      watch(TenantResource, (t) => [t.metadata.name ?? ''], shard),
      watch(Builtin.ConfigMap, tenantOf, LABEL_NUDGE_PREFERENCES),
    ],
    concurrency: 2,
    reconciler: new NudgeDeliveryReconciler({
      client: deps.client,
      clock: deps.clock,
      namespace: deps.namespace,
      tenants: deps.manager.informer(TenantResource, shard),
      preferences: deps.manager.informer(Builtin.ConfigMap, LABEL_NUDGE_PREFERENCES),
      log: new GrowthLogView(deps.manager.informer(Builtin.ConfigMap, LABEL_GROWTH_LOG), deps.namespace),
      settings,
      senders: new Map(
        settings.receivers.map((r) => [r.name, new WebhookSender(r, settings.endpoints, settings.timeoutMs)]),
      ),
      metrics: nudgeMetrics(deps.registry),
    }),
  };
}
