import { LABEL_TENANT } from '../../api/names.ts';
import type { AddOn, Entitlement, Tenant } from '../../api/v1alpha1/index.ts';
import type { FeatureFlags } from '../../config.ts';
import { GROWTH_LOG_SELECTOR, GrowthLogIndex, namespaceConfigMaps } from '../../growth/log-index.ts';
import type { Clock } from '../../runtime/clock.ts';
import { type Watch, watch } from '../../runtime/controller.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import type { Cache } from '../../runtime/informer.ts';
import type { KubeClient } from '../../runtime/kube/client.ts';
import type { ControllerDeps } from '../deps.ts';
import { ActivitySampler } from './activity-sample.ts';
import {
  type ActivationMetrics,
  activationMetrics,
  growthGauges,
  NO_ACTIVATION_METRICS,
} from './growth-metrics.ts';
import { GrowthRecorder } from './growth-record.ts';

/** What the growth steps (activation checklist, milestones, health) work with. */
export interface GrowthDeps {
  client: KubeClient;
  clock: Clock;
  recorder: EventRecorder;
  features: Pick<FeatureFlags, 'activationChecklist' | 'growthInstrumentation'>;
  addons: Cache<AddOn>;
  entitlements: Cache<Entitlement>;
  /** Every tenant's growth log, from its informer. */
  log: GrowthLogIndex;
  /** Appends to the growth log what it lacks. */
  growthLog: GrowthRecorder;
  sampler: ActivitySampler;
  activationMetrics: ActivationMetrics;
}

/**
 * The growth steps' wiring: the growth log's informer (the operator's namespace only) and the
 * watch that reconciles a tenant when its log changes (the tenant API records an export or a
 * usage view there, the nudges controller its deliveries), the sampler and the metrics, which
 * exist only while their feature is on.
 */
export function growthWiring(
  deps: ControllerDeps,
  caches: { tenants: Cache<Tenant>; addons: Cache<AddOn>; entitlements: Cache<Entitlement> },
): { growth: GrowthDeps; watches: Watch[] } {
  const { activationChecklist, growthInstrumentation, adminNudges } = deps.features;
  const on = activationChecklist || growthInstrumentation || adminNudges;
  const logType = namespaceConfigMaps(deps.namespace);
  // All three features off: no informer at all, and an index that stays empty.
  const log = new GrowthLogIndex(
    on ? deps.manager.informer(logType, GROWTH_LOG_SELECTOR) : { addHandler() {} },
  );
  if (growthInstrumentation) growthGauges(deps.registry, { tenants: caches.tenants, log, clock: deps.clock });
  return {
    growth: {
      client: deps.client,
      clock: deps.clock,
      recorder: deps.recorder,
      features: { activationChecklist, growthInstrumentation },
      addons: caches.addons,
      entitlements: caches.entitlements,
      log,
      growthLog: new GrowthRecorder(deps.client, deps.namespace, log),
      sampler: new ActivitySampler(deps.client, deps.clock),
      activationMetrics: activationChecklist ? activationMetrics(deps.registry) : NO_ACTIVATION_METRICS,
    },
    watches: on
      ? [
          watch(
            logType,
            (cm) => [cm.metadata.labels?.[LABEL_TENANT] ?? ''].filter(Boolean),
            GROWTH_LOG_SELECTOR,
          ),
        ]
      : [],
  };
}
