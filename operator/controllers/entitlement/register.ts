import { MANAGED_SELECTOR, systemNamespaceOf } from '../../api/names.ts';
import { AddOnResource, EntitlementResource } from '../../api/v1alpha1/index.ts';
import { HOUR_MS } from '../../metering/windows.ts';
import { type ControllerDefinition, watch } from '../../runtime/controller.ts';
import { Builtin } from '../../runtime/kube/resource.ts';
import { objectReconciler } from '../../runtime/reconcile/object.ts';
import type { ControllerDeps } from '../deps.ts';
import { ledgerFailures, meteringGauges } from './metrics.ts';
import { EntitlementReconciler } from './reconciler.ts';

/** Wiring of the entitlement controller: Entitlements, their bindings, and the add-ons they govern. */
export function entitlementController(deps: ControllerDeps): ControllerDefinition {
  const entitlements = deps.manager.informer(EntitlementResource);
  const addons = deps.manager.informer(AddOnResource);
  meteringGauges(deps.registry, { entitlements, clock: deps.clock });
  const byTenant = (namespace: string | undefined) =>
    entitlements
      .list()
      .filter((e) => namespace === systemNamespaceOf(e.spec.tenantRef.name))
      .map((e) => e.metadata.name ?? '');
  return {
    name: 'entitlement',
    for: EntitlementResource,
    owns: [{ type: Builtin.ValidatingAdmissionPolicyBinding, labelSelector: MANAGED_SELECTOR }],
    watches: [watch(AddOnResource, (a) => byTenant(a.metadata.namespace))],
    reconciler: objectReconciler(
      {
        type: EntitlementResource,
        cache: entitlements,
        client: deps.client,
        clock: deps.clock,
        recorder: deps.recorder,
      },
      new EntitlementReconciler({
        client: deps.client,
        clock: deps.clock,
        recorder: deps.recorder,
        addons,
        bindings: deps.manager.informer(Builtin.ValidatingAdmissionPolicyBinding, MANAGED_SELECTOR),
        metering: deps.features.entitlementsBilling
          ? {
              namespace: deps.namespace,
              windowMs: deps.meteringWindowMs ?? HOUR_MS,
              signer: deps.signer,
              endpoints: deps.archiveEndpoints,
              onTampered: ledgerFailures(deps.registry),
            }
          : undefined,
      }),
    ),
  };
}
