import { MANAGED_SELECTOR, tenantOfSystemNamespace } from '../../api/names.ts';
import { AddOnResource, EntitlementResource, TenantResource } from '../../api/v1alpha1/index.ts';
import { DEFAULT_NUDGE_SETTINGS, type NudgeSettings } from '../../growth/nudges/config.ts';
import { CheckSchedule } from '../../runtime/check-schedule.ts';
import { type ControllerDefinition, watch } from '../../runtime/controller.ts';
import type { Cache } from '../../runtime/informer.ts';
import { Builtin, type ResourceType } from '../../runtime/kube/resource.ts';
import { objectReconciler } from '../../runtime/reconcile/object.ts';
import type { ControllerDeps } from '../deps.ts';
import { growthWiring } from './growth-deps.ts';
import { onboardingMetrics } from './metrics.ts';
import { nudgeSources } from './nudges.ts';
import { TenantReconciler } from './reconciler.ts';

/** Types a Tenant owns; their informers see only objects labelled as Tenantry's. */
export const TENANT_OWNED_TYPES: readonly ResourceType[] = [
  Builtin.Namespace,
  Builtin.RoleBinding,
  Builtin.ResourceQuota,
  Builtin.LimitRange,
  Builtin.NetworkPolicy,
];

/** Wiring of the tenant controller: reconcile Tenants, react to changes of what they own. */
export function tenantController(
  deps: ControllerDeps,
  nudgeSettings: NudgeSettings = DEFAULT_NUDGE_SETTINGS,
): ControllerDefinition {
  const owned = new Map<ResourceType, Cache>(
    TENANT_OWNED_TYPES.map((t) => [t, deps.manager.informer(t, MANAGED_SELECTOR)]),
  );
  const tenants = deps.manager.informer(TenantResource, deps.shardSelector);
  const entitlements = deps.manager.informer(EntitlementResource);
  const addons = deps.manager.informer(AddOnResource);
  const { growth, watches: growthWatches } = growthWiring(deps, { tenants, addons, entitlements });
  const nudges = deps.features.adminNudges
    ? nudgeSources(deps.manager, growth.log, nudgeSettings)
    : undefined;
  return {
    name: 'tenant',
    for: TenantResource,
    ...(deps.shardSelector ? { forSelector: deps.shardSelector } : {}),
    owns: TENANT_OWNED_TYPES.map((type) => ({ type, labelSelector: MANAGED_SELECTOR })),
    // A granted or withdrawn Entitlement changes the tenant's namespace labels.
    // Approvals of its add-ons and the first invoice preview are onboarding milestones.
    watches: [
      watch(EntitlementResource, (e) => [e.spec.tenantRef.name]),
      watch(AddOnResource, (a) => [tenantOfSystemNamespace(a.metadata.namespace) ?? ''].filter(Boolean)),
      // The tenant API records exports and usage views in the growth log (checklist items), the
      // nudges controller its deliveries.
      ...growthWatches,
      ...(nudges?.watches ?? []),
    ],
    concurrency: 4,
    reconciler: objectReconciler(
      {
        type: TenantResource,
        cache: tenants,
        client: deps.client,
        clock: deps.clock,
        recorder: deps.recorder,
      },
      new TenantReconciler({
        client: deps.client,
        clock: deps.clock,
        recorder: deps.recorder,
        owned,
        entitlements,
        addons,
        features: deps.features,
        schedule: new CheckSchedule(deps.clock),
        signer: deps.signer,
        dnsServers: deps.dnsServers,
        identity: { ca: deps.identityCa },
        metrics: onboardingMetrics(deps.registry),
        growth,
        nudges: nudges?.sources,
      }),
    ),
  };
}
