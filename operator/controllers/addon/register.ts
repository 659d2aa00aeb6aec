import { LABEL_POOL } from '../../admission/pool-policies.ts';
import type { AddOn, Entitlement } from '../../api/v1alpha1/index.ts';
import { AddOnResource, EntitlementResource } from '../../api/v1alpha1/index.ts';
import type { ControllerDefinition } from '../../runtime/controller.ts';
import type { KubeObject } from '../../runtime/kube/object.ts';
import { Builtin } from '../../runtime/kube/resource.ts';
import { addOnsOf } from '../addons-of.ts';
import type { ControllerDeps } from '../deps.ts';
import { CheckSchedule } from '../tenant/schedule.ts';
import { reconcileArchive } from './archive/reconcile.ts';
import { reconcileDedicated, releaseDedicated } from './dedicated/reconcile.ts';
import { isReady, type Node } from './dedicated/select.ts';
import { AddOnReconciler } from './reconciler.ts';

/** Wiring of the add-on controller: AddOns, re-checked when their tenant's Entitlement changes. */
export function addonController(deps: ControllerDeps): ControllerDefinition {
  const addons = deps.manager.informer<AddOn>(AddOnResource);
  const schedule = new CheckSchedule(deps.clock);
  const pool = {
    client: deps.client,
    clock: deps.clock,
    nodes: deps.manager.informer<Node>(Builtin.Node),
    namespace: deps.namespace,
  };
  // A pool node that is not Ready is replaced: its changes re-check the add-ons whose pool it
  // is in (the pool label names the tenant). Ready nodes' heartbeats trigger nothing; a
  // degraded pool re-checks every minute until a node frees up or recovers.
  const poolAddOns = (node: KubeObject) => {
    const tenant = node.metadata.labels?.[LABEL_POOL];
    return tenant && !isReady(node as Node)
      ? addOnsOf(addons, tenant)
          .filter((a) => a.spec.type === 'DedicatedCompute')
          .map((a) => `${a.metadata.namespace}/${a.metadata.name}`)
      : [];
  };
  return {
    name: 'addon',
    for: AddOnResource,
    watches: [
      { type: Builtin.Node, map: poolAddOns },
      {
        type: EntitlementResource,
        map: (e) => {
          const tenant = (e as Entitlement).spec.tenantRef.name;
          return addOnsOf(addons, tenant).map((a) => `${a.metadata.namespace}/${a.metadata.name}`);
        },
      },
    ],
    concurrency: 2,
    reconciler: new AddOnReconciler({
      client: deps.client,
      clock: deps.clock,
      recorder: deps.recorder,
      features: deps.features,
      addons,
      entitlements: deps.manager.informer<Entitlement>(EntitlementResource),
      schedule,
      handlers: {
        DedicatedCompute: {
          reconcile: (a, t) => reconcileDedicated(pool, a, t),
          release: (a, t) => releaseDedicated(pool, a, t),
        },
        AuditArchive: {
          reconcile: (a, t) => reconcileArchive({ client: deps.client, clock: deps.clock, schedule }, a, t),
        },
      },
    }),
  };
}
