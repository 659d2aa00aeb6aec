import { LABEL_VALIDATION_RUN } from '../../api/names.ts';
import { DistributionBundleResource } from '../../api/v1alpha1/distributionbundle.ts';
import { namespaceConfigMaps } from '../../growth/log-index.ts';
import { type ControllerDefinition, watch } from '../../runtime/controller.ts';
import { objectReconciler } from '../../runtime/reconcile/object.ts';
import type { ControllerDeps } from '../deps.ts';
import { validationMetrics } from './metrics.ts';
import { DistributionBundleReconciler } from './reconciler.ts';
import { namespaceJobs, VALIDATION_JOB_SELECTOR } from './validation-job.ts';

/**
 * Wiring of the DistributionBundle controller (feature distributionPackV1): bundles, looked at
 * again when the validation suite leaves a run (a ConfigMap labelled with the bundle's name)
 * and when a validation Job it owns changes (in the operator's namespace only).
 */
export function distributionBundleController(deps: ControllerDeps): ControllerDefinition {
  const bundles = deps.manager.informer(DistributionBundleResource);
  const configMaps = namespaceConfigMaps(deps.namespace);
  const jobs = namespaceJobs(deps.namespace);
  return {
    name: 'distributionbundle',
    for: DistributionBundleResource,
    owns: [{ type: jobs, labelSelector: VALIDATION_JOB_SELECTOR }],
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
        jobs: deps.manager.informer(jobs, VALIDATION_JOB_SELECTOR),
        image: deps.validationImage,
        metrics: validationMetrics(deps.registry),
      }),
    ),
  };
}
