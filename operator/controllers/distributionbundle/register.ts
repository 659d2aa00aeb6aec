import { LABEL_VALIDATION_RUN } from '../../api/names.ts';
import { DistributionBundleResource } from '../../api/v1alpha1/distributionbundle.ts';
import { namespaceConfigMaps } from '../../growth/log-index.ts';
import { type ControllerDefinition, watch } from '../../runtime/controller.ts';
import { objectReconciler } from '../../runtime/reconcile/object.ts';
import type { ControllerDeps } from '../deps.ts';
import { validationMetrics } from './metrics.ts';
import { DistributionBundleReconciler } from './reconciler.ts';

/**
 * Wiring of the DistributionBundle controller (feature distributionPackV1): bundles, looked at
 * again when the validation suite leaves a run (a ConfigMap labelled with the bundle's name).
 */
export function distributionBundleController(deps: ControllerDeps): ControllerDefinition {
  const bundles = deps.manager.informer(DistributionBundleResource);
  const configMaps = namespaceConfigMaps(deps.namespace);
  return {
    name: 'distributionbundle',
    for: DistributionBundleResource,
    watches: [
      watch(
        configMaps,
        (cm) => [cm.metadata.labels?.[LABEL_VALIDATION_RUN] ?? ''].filter(Boolean),
        LABEL_VALIDATION_RUN,
      ),
    ],
    reconciler: objectReconciler(
      {
        type: DistributionBundleResource,
        cache: bundles,
        client: deps.client,
        clock: deps.clock,
        recorder: deps.recorder,
      },
      new DistributionBundleReconciler({
        client: deps.client,
        namespace: deps.namespace,
        runs: deps.manager.informer(configMaps, LABEL_VALIDATION_RUN),
        metrics: validationMetrics(deps.registry),
      }),
    ),
  };
}
