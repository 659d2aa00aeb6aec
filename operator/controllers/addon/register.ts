import type { AddOn, Entitlement } from '../../api/v1alpha1/index.ts';
import { AddOnResource, EntitlementResource } from '../../api/v1alpha1/index.ts';
import type { ControllerDefinition } from '../../runtime/controller.ts';
import type { KubeObject } from '../../runtime/kube/object.ts';
import type { ControllerDeps } from '../deps.ts';
import { CheckSchedule } from '../tenant/schedule.ts';
import { reconcileArchive } from './archive/reconcile.ts';
import { AddOnReconciler } from './reconciler.ts';

/** Wiring of the add-on controller: AddOns, re-checked when their tenant's Entitlement changes. */
export function addonController(deps: ControllerDeps): ControllerDefinition {
  const addons = deps.manager.informer<AddOn & KubeObject>(AddOnResource);
  const schedule = new CheckSchedule(deps.clock);
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
        AuditArchive: {
          reconcile: (a, t) => reconcileArchive({ client: deps.client, clock: deps.clock, schedule }, a, t),
        },
      },
    }),
  };
}
