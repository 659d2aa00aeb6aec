import { BUNDLE_DEFAULTS, BUNDLE_REGIONS } from '../../admission/bundle-policies.ts';
import { DistributionBundleCondition, DistributionBundleReason } from '../../api/conditions.ts';
import { validationRunConfigMapName } from '../../api/names.ts';
import type {
  DistributionBundle,
  DistributionBundleStatus,
  ValidationJobReference,
} from '../../api/v1alpha1/distributionbundle.ts';
import { VALIDATION_NAME } from '../../install/validation.ts';
import type { Cache } from '../../runtime/informer.ts';
import type { KubeClient } from '../../runtime/kube/client.ts';
import type { ConfigMap } from '../../runtime/kube/core.ts';
import { ApiError } from '../../runtime/kube/errors.ts';
import { Builtin, objectKey } from '../../runtime/kube/resource.ts';
import type { Readiness, StatusDraft } from '../../runtime/reconcile/draft.ts';
import type { ObjectReconciler } from '../../runtime/reconcile/object.ts';
import type { Outcome } from '../../runtime/reconcile/outcome.ts';
import { bundleDigest } from '../../validation/evidence.ts';
import type { ValidationMetrics } from './metrics.ts';
import {
  decideValidationJob,
  desiredValidationJob,
  type Job,
  JobResource,
  ownedBy,
  pendingRunCondition,
  validationJobName,
} from './validation-job.ts';
import { parseValidationRun, runBundleDigest, runStatus } from './validation-run.ts';

const { Enforced, Validated } = DistributionBundleCondition;
const R = DistributionBundleReason;

export interface DistributionBundleReconcilerDeps {
  client: KubeClient;
  namespace: string;
  /** The validation suite's runs: ConfigMaps of the operator's namespace. */
  runs: Cache<ConfigMap>;
  /** The validation Jobs of the operator's namespace. */
  jobs: Cache<Job>;
  /** The image the validation Job runs (the operator's own); absent: no Jobs. */
  image?: string | undefined;
  metrics: ValidationMetrics;
}

/**
 * Ready follows Enforced only: `kubectl wait --for=condition=Ready` comes before the first
 * `tenantry validate`, so Validated is reported beside it, not required by it.
 */
export const BUNDLE_READINESS: Readiness = { conditions: [Enforced], stalls: () => true };

/**
 * Reports what a DistributionBundle does: whether admission applies its defaults to new
 * Tenants (the static bundle bindings exist; the API server does the rest), the version and
 * profile installed, and the validation suite's latest run, copied from the ConfigMap the
 * suite writes (validation-run.ts). When the bundle changes it runs the suite as a Job
 * (validation-job.ts), owned by the bundle, so the garbage collector, not a finalizer,
 * removes it with the bundle.
 */
export class DistributionBundleReconciler
  implements ObjectReconciler<DistributionBundle, DistributionBundleStatus>
{
  private readonly deps: DistributionBundleReconcilerDeps;

  constructor(deps: DistributionBundleReconcilerDeps) {
    this.deps = deps;
  }

  async reconcile(b: DistributionBundle, draft: StatusDraft<DistributionBundleStatus>): Promise<void> {
    draft.apply({ status: { version: b.spec.version, profile: b.spec.profile } });
    await draft.step('enforced', () => this.enforced(), Enforced);
    await draft.step('validated', () => this.validation(b), Validated);
    draft.summarize(
      BUNDLE_READINESS,
      'admission applies the bundle region defaults and policy presets to new Tenants',
    );
  }

  private async enforced(): Promise<Outcome<DistributionBundleStatus>> {
    const { client } = this.deps;
    const missing = [
      (await client.find(Builtin.MutatingAdmissionPolicyBinding, BUNDLE_DEFAULTS))
        ? ''
        : `MutatingAdmissionPolicyBinding ${BUNDLE_DEFAULTS}`,
      (await client.find(Builtin.ValidatingAdmissionPolicyBinding, BUNDLE_REGIONS))
        ? ''
        : `ValidatingAdmissionPolicyBinding ${BUNDLE_REGIONS}`,
    ].filter(Boolean);
    return {
      conditions: [
        missing.length
          ? {
              type: Enforced,
              status: 'False',
              reason: R.AdmissionPolicyMissing,
              message: `${missing.join(' and ')} not found: new Tenants get no defaults and any region; apply the pack's base again`,
            }
          : {
              type: Enforced,
              status: 'True',
              reason: R.Enforced,
              message: 'new Tenants get the bundle defaults at admission',
            },
      ],
    };
  }

  /** The latest run, or while the current spec has none, its Job (made here if needed). */
  private async validation(b: DistributionBundle): Promise<Outcome<DistributionBundleStatus>> {
    const { namespace } = this.deps;
    const name = b.metadata.name ?? '';
    const cm = this.run(b);
    const runIsCurrent = !!cm && runBundleDigest(cm) === `sha256:${bundleDigest({ name, spec: b.spec })}`;
    const jobName = validationJobName(name, b.metadata.generation ?? 0);
    // A Job of that name owned by anything else (an earlier bundle of the same name, waiting for
    // the garbage collector) is not this generation's.
    const cached = this.deps.jobs.get(objectKey(namespace, jobName));
    const observed = cached && ownedBy(cached, b) ? cached : undefined;
    const decision = decideValidationJob({ bundle: b, image: this.deps.image, runIsCurrent, observed });
    const reported = this.validated(b);
    if (decision.action === 'none') return reported;
    let job: ValidationJobReference | undefined;
    let why: string | undefined;
    if (decision.action === 'track') job = decision.job;
    else if (decision.action === 'create') {
      why = await this.missingServiceAccount();
      if (!why) job = await this.createJob(b);
    }
    if (runIsCurrent) return { ...reported, status: { ...reported.status, validationJob: job } };
    return {
      status: { ...reported.status, ...(job ? { validationJob: job } : {}) },
      conditions: [pendingRunCondition(namespace, name, job, why)],
    };
  }

  private async missingServiceAccount(): Promise<string | undefined> {
    const { client, namespace } = this.deps;
    if (await client.find(Builtin.ServiceAccount, VALIDATION_NAME, namespace)) return undefined;
    return `its ServiceAccount ${namespace}/${VALIDATION_NAME} is missing (apply the pack's validation/ folder)`;
  }

  /**
   * Creates the generation's Job. If the name is taken, the retry decides: by then the cache
   * shows whether it is this bundle's (made by another replica) or still someone else's.
   */
  private async createJob(b: DistributionBundle): Promise<ValidationJobReference> {
    const desired = desiredValidationJob(b, this.deps.image ?? '', this.deps.namespace);
    try {
      await this.deps.client.create(JobResource, desired);
    } catch (e) {
      if (e instanceof ApiError && e.code === 409)
        throw new Error(
          `Job ${this.deps.namespace}/${desired.metadata.name} exists but is not owned by this DistributionBundle (uid ${b.metadata.uid}); retrying`,
        );
      throw e;
    }
    return { name: desired.metadata.name ?? '', generation: b.metadata.generation ?? 0, phase: 'Running' };
  }

  private validated(b: DistributionBundle): Outcome<DistributionBundleStatus> {
    const name = validationRunConfigMapName(b.metadata.name ?? '');
    const cm = this.run(b);
    if (!cm)
      return {
        conditions: [
          {
            type: Validated,
            status: 'Unknown',
            reason: R.NotValidated,
            message: `no run yet: run \`tenantry validate --bundle ${b.metadata.name}\``,
          },
        ],
      };
    try {
      const run = parseValidationRun(cm);
      const { passed, warned, failed, skipped } = run.summary;
      const counts = `${passed} passed, ${warned} warned, ${failed} failed, ${skipped} skipped`;
      const reason = run.result === 'failed' ? R.Failed : run.result === 'warned' ? R.Warned : R.Passed;
      return {
        status: runStatus(run),
        conditions: [
          { type: Validated, status: run.result === 'failed' ? 'False' : 'True', reason, message: counts },
        ],
      };
    } catch (e) {
      return {
        conditions: [
          {
            type: Validated,
            status: 'Unknown',
            reason: R.RunUnreadable,
            message: `ConfigMap ${this.deps.namespace}/${name}: ${(e as Error).message}`,
          },
        ],
      };
    }
  }

  /** The validation ConfigMap of the bundle (the cache is keyed namespace/name). */
  private run(b: DistributionBundle): ConfigMap | undefined {
    return this.deps.runs.get(
      objectKey(this.deps.namespace, validationRunConfigMapName(b.metadata.name ?? '')),
    );
  }

  /** Each new run is counted once, when the status first shows it. */
  statusChanged(b: DistributionBundle, next: DistributionBundleStatus): void {
    if (!next.lastRunTime || next.lastRunTime === b.status?.lastRunTime) return;
    const cm = this.run(b);
    if (!cm) return;
    try {
      const run = parseValidationRun(cm);
      this.deps.metrics.run(b.spec.profile, run.result, run.durationSeconds);
    } catch {
      // The status already says the run is unreadable.
    }
  }
}
