import { createHash } from 'node:crypto';
import { DistributionBundleCondition, DistributionBundleReason } from '../../api/conditions.ts';
import { validationRunConfigMapName } from '../../api/names.ts';
import type {
  DistributionBundle,
  ValidationJobPhase,
  ValidationJobReference,
} from '../../api/v1alpha1/distributionbundle.ts';
import { validationJob } from '../../install/validation.ts';
import type { ConditionInput } from '../../runtime/conditions.ts';
import type { AnyObject, KubeObject } from '../../runtime/kube/object.ts';
import type { ResourceType } from '../../runtime/kube/resource.ts';

/** A Job as far as this controller reads it. */
export interface Job extends KubeObject {
  status?: { conditions?: { type: string; status: string; reason?: string; message?: string }[] };
}

/** Jobs, to create them in the operator's namespace. */
export const JobResource: ResourceType<Job> = {
  group: 'batch',
  version: 'v1',
  kind: 'Job',
  plural: 'jobs',
  namespaced: true,
};

/** Jobs of one namespace only: the operator's Role allows no cluster-wide list or watch. */
export function namespaceJobs(namespace: string): ResourceType<Job> {
  return { ...JobResource, plural: `namespaces/${encodeURIComponent(namespace)}/jobs`, namespaced: false };
}

/** Label of the Jobs this controller watches (the validation Job's). */
export const VALIDATION_JOB_SELECTOR = 'app.kubernetes.io/component=validation';

const PREFIX = 'tenantry-validate-';
/** A Job's name becomes its pods' job-name label value: at most 63 characters. */
const MAX_NAME = 63;

/**
 * `tenantry-validate-<bundle>-<generation>`: deterministic, so a restarted operator or a new
 * leader finds the Job it (or another replica) made instead of making a second. A bundle
 * name too long for that keeps its start and gains a hash of the whole, so names stay unique.
 */
export function validationJobName(bundle: string, generation: number): string {
  const full = `${PREFIX}${bundle}-${generation}`;
  if (full.length <= MAX_NAME) return full;
  const hash = createHash('sha256').update(bundle).digest('hex').slice(0, 8);
  const room = MAX_NAME - PREFIX.length - hash.length - `${generation}`.length - 2;
  return `${PREFIX}${bundle.slice(0, room).replace(/[-.]+$/, '')}-${hash}-${generation}`;
}

/** The Job that validates this generation of the bundle, owned by it (deleting the bundle deletes it). */
export function desiredValidationJob(b: DistributionBundle, image: string, namespace: string): AnyObject {
  const name = b.metadata.name ?? '';
  const job = validationJob(namespace, image, name, validationJobName(name, b.metadata.generation ?? 0));
  return {
    ...job,
    metadata: {
      ...job.metadata,
      ownerReferences: [
        {
          apiVersion: b.apiVersion,
          kind: b.kind,
          name,
          uid: b.metadata.uid ?? '',
          controller: true,
        },
      ],
    },
  };
}

/** Whether the bundle (this very object, by uid) is the Job's controller. */
export const ownedBy = (job: Job, b: DistributionBundle): boolean =>
  !!job.metadata.ownerReferences?.some((r) => r.controller && r.uid === b.metadata.uid);

/**
 * Succeeded or Failed once the Job controller has decided (SuccessCriteriaMet and
 * FailureTarget come first, while it still terminates the pod); Running until then.
 */
export function jobPhase(job: Job): ValidationJobPhase {
  const has = (...types: string[]) =>
    job.status?.conditions?.some((c) => types.includes(c.type) && c.status === 'True');
  if (has('Complete', 'SuccessCriteriaMet')) return 'Succeeded';
  if (has('Failed', 'FailureTarget')) return 'Failed';
  return 'Running';
}

/** What the controller knows when it decides. */
export interface JobFacts {
  bundle: DistributionBundle;
  /** The image to run the suite in; absent: the operator may not create Jobs. */
  image?: string | undefined;
  /** Whether the results ConfigMap holds a run of the bundle's current spec. */
  runIsCurrent: boolean;
  /** The Job of the current generation as the cache has it, if any. */
  observed?: Job | undefined;
}

export type JobDecision =
  /** Nothing to run: a run of this spec exists, or the bundle opted out. */
  | { action: 'none' }
  /** A run is needed but the operator has no image to run it in. */
  | { action: 'disabled' }
  | { action: 'create'; name: string }
  /** The Job of this generation exists (or existed): report it. */
  | { action: 'track'; job: ValidationJobReference };

/**
 * Create, wait or report: one Job per generation, and never a second for the same one, even
 * after the first was deleted (its status record says it was made).
 */
export function decideValidationJob(f: JobFacts): JobDecision {
  const generation = f.bundle.metadata.generation ?? 0;
  const name = validationJobName(f.bundle.metadata.name ?? '', generation);
  const recorded = f.bundle.status?.validationJob;
  if (f.observed) return { action: 'track', job: { name, generation, phase: jobPhase(f.observed) } };
  if (recorded?.name === name) return { action: 'track', job: recorded };
  if (f.runIsCurrent || f.bundle.spec.validation?.onChange === false) return { action: 'none' };
  return f.image ? { action: 'create', name } : { action: 'disabled' };
}

const { Validated } = DistributionBundleCondition;
const R = DistributionBundleReason;

/**
 * Validated while the current generation has no run yet: the Job's progress, or why there is
 * none. A Job that failed without leaving a run is Validated=False: it never goes quiet.
 */
export function pendingRunCondition(
  namespace: string,
  bundle: string,
  job: ValidationJobReference | undefined,
  why?: string,
): ConditionInput {
  if (!job)
    return {
      type: Validated,
      status: 'Unknown',
      reason: R.ValidationJobDisabled,
      message: `the bundle changed and has no run yet, and ${why ?? 'the operator knows no validation image (it reads its own from its Pod, POD_NAME; or set TENANTRY_IMAGE)'}: run \`tenantry validate --bundle ${bundle}\``,
    };
  const logs = `kubectl -n ${namespace} logs job/${job.name}`;
  const cm = `ConfigMap ${namespace}/${validationRunConfigMapName(bundle)}`;
  if (job.phase === 'Failed')
    return {
      type: Validated,
      status: 'False',
      reason: R.ValidationJobFailed,
      message: `Job ${namespace}/${job.name} failed and left no run in ${cm}: see \`${logs}\``,
    };
  return {
    type: Validated,
    status: 'Unknown',
    reason: R.ValidationRunning,
    message:
      job.phase === 'Succeeded'
        ? `Job ${namespace}/${job.name} succeeded; waiting for its run in ${cm}`
        : `Job ${namespace}/${job.name} is validating generation ${job.generation}: \`${logs} -f\``,
  };
}
