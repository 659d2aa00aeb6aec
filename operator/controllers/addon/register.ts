import { LABEL_POOL } from '../../api/names.ts';
import { addOnsOf } from '../../api/tenancy.ts';
import { AddOnResource, EntitlementResource } from '../../api/v1alpha1/index.ts';
import { CheckSchedule } from '../../runtime/check-schedule.ts';
import { type ControllerDefinition, watch } from '../../runtime/controller.ts';
import type { Node } from '../../runtime/kube/core.ts';
import { Builtin, keyOf } from '../../runtime/kube/resource.ts';
import { objectReconciler } from '../../runtime/reconcile/object.ts';
import type { ControllerDeps } from '../deps.ts';
import { reconcileArchive } from './archive/reconcile.ts';
import { reconcileDedicated, releaseDedicated } from './dedicated/reconcile.ts';
import { isReady } from './dedicated/select.ts';
import { addonGauges } from './metrics.ts';
import { AddOnReconciler } from './reconciler.ts';

/** Wiring of the add-on controller: AddOns, re-checked when their tenant's Entitlement changes. */
export function addonController(deps: ControllerDeps): ControllerDefinition {
  const addons = deps.manager.informer(AddOnResource);
  addonGauges(deps.registry, addons);
  const schedule = new CheckSchedule(deps.clock);
  const pool = {
    client: deps.client,
    clock: deps.clock,
    nodes: deps.manager.informer(Builtin.Node),
    namespace: deps.namespace,
    recorder: deps.recorder,
    evictions: new CheckSchedule(deps.clock),
  };
  // A pool node that is not Ready is replaced: its changes re-check the add-ons whose pool it
  // is in (the pool label names the tenant). Ready nodes' heartbeats trigger nothing; a
  // degraded pool re-checks every minute until a node frees up or recovers.
  const poolAddOns = (node: Node) => {
    const tenant = node.metadata.labels?.[LABEL_POOL];
    return tenant && !isReady(node)
      ? addOnsOf(addons, tenant)
          .filter((a) => a.spec.type === 'DedicatedCompute')
          .map(keyOf)
      : [];
  };
  return {
    name: 'addon',
    for: AddOnResource,
    watches: [
      watch(Builtin.Node, poolAddOns),
      watch(EntitlementResource, (e) => addOnsOf(addons, e.spec.tenantRef.name).map(keyOf)),
    ],
    concurrency: 2,
    reconciler: objectReconciler(
      { type: AddOnResource, cache: addons, client: deps.client, clock: deps.clock, recorder: deps.recorder },
      new AddOnReconciler({
        clock: deps.clock,
        recorder: deps.recorder,
        features: deps.features,
        entitlements: deps.manager.informer(EntitlementResource),
        handlers: {
          DedicatedCompute: {
            reconcile: (a, t) => reconcileDedicated(pool, a, t),
            release: (a, t) => releaseDedicated(pool, a, t),
          },
          AuditArchive: {
            reconcile: (a, t) =>
              reconcileArchive(
                { client: deps.client, clock: deps.clock, schedule, endpoints: deps.archiveEndpoints },
                a,
                t,
              ),
          },
        },
      }),
    ),
  };
}
