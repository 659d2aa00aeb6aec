import type { AddOn, Entitlement } from '../../api/v1alpha1/index.ts';
import { AddOnResource, EntitlementResource } from '../../api/v1alpha1/index.ts';
import type { ControllerDefinition } from '../../runtime/controller.ts';
import type { KubeObject } from '../../runtime/kube/object.ts';
import { Builtin } from '../../runtime/kube/resource.ts';
import type { ControllerDeps } from '../deps.ts';
import { CheckSchedule } from '../tenant/schedule.ts';
import { reconcileArchive } from './archive/reconcile.ts';
import { reconcileDedicated, releaseDedicated } from './dedicated/reconcile.ts';
import type { Node } from './dedicated/select.ts';
import { AddOnReconciler } from './reconciler.ts';

/** Wiring of the add-on controller: AddOns, re-checked when their tenant's Entitlement changes. */
export function addonController(deps: ControllerDeps): ControllerDefinition {
  const addons = deps.manager.informer<AddOn & KubeObject>(AddOnResource);
  const schedule = new CheckSchedule(deps.clock);
  const pool = {
    client: deps.client,
    clock: deps.clock,
    nodes: deps.manager.informer<Node & KubeObject>(Builtin.Node),
    namespace: deps.namespace,
  };
  return {
    name: 'addon',
    for: AddOnResource,
    watches: [
      {
        type: EntitlementResource,
        map: (e) => {
          const tenant = (e as Entitlement & KubeObject).spec.tenantRef.name;
          return addons
            .list()
            .filter((a) => a.metadata.namespace === `${tenant}-system`)
            .map((a) => `${a.metadata.namespace}/${a.metadata.name}`);
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
      entitlements: deps.manager.informer<Entitlement & KubeObject>(EntitlementResource),
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
