import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DistributionBundleCondition, DistributionBundleReason } from '../../operator/api/conditions.ts';
import { LABEL_VALIDATION_RUN, validationRunConfigMapName } from '../../operator/api/names.ts';
import {
  type DistributionBundle,
  DistributionBundleResource,
  TenantResource,
} from '../../operator/api/v1alpha1/index.ts';
import {
  type Job,
  JobResource,
  VALIDATION_JOB_SELECTOR,
  validationJobName,
} from '../../operator/controllers/distributionbundle/validation-job.ts';
import { DEFAULT_NAMESPACE } from '../../operator/install/rbac.ts';
import { VALIDATION_NAME, validationRbac } from '../../operator/install/validation.ts';
import { apply } from '../../operator/runtime/apply.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import { ApiError } from '../../operator/runtime/kube/errors.ts';
import { Builtin } from '../../operator/runtime/kube/resource.ts';
import { bundleDigest } from '../../operator/validation/evidence.ts';
import {
  adminClient,
  TEST_SHARD_LABEL,
  type TenantObject,
  tenantManifest,
  uniqueName,
} from '../support/cluster.ts';
import { type ControllerHarness, startControllerHarness } from '../support/controller.ts';
import { waitFor } from '../support/wait.ts';

// The bundle's defaults are the API server's doing (operator/admission/bundle-policies.ts),
// so these Tenants are created by an admin with no operator running. The bundle selects only
// this file's Tenants (by the test-shard label): other files create Tenants in eu-west-1.
let admin: KubeClient;
let h: ControllerHarness;
const scope = uniqueName('bundle');
const labels = { [TEST_SHARD_LABEL]: scope };
const created: string[] = [];
const IMAGE = `ghcr.io/tenantry/tenantry@sha256:${'c'.repeat(64)}`;
const kindOf = (o: { kind?: string }) => {
  const t = {
    ServiceAccount: Builtin.ServiceAccount,
    Role: Builtin.Role,
    RoleBinding: Builtin.RoleBinding,
    ClusterRole: Builtin.ClusterRole,
    ClusterRoleBinding: Builtin.ClusterRoleBinding,
  }[o.kind ?? ''];
  if (!t) throw new Error(`no type for ${o.kind}`);
  return t;
};

const bundle: DistributionBundle = {
  apiVersion: 'tenantry.dev/v1alpha1',
  kind: 'DistributionBundle',
  metadata: { name: scope },
  spec: {
    version: '0.1.0',
    profile: 'M',
    tenantSelector: { matchLabels: labels },
    regionDefaults: { region: 'eu-central-1', allowedRegions: ['eu-central-1', 'us-east-1'] },
    policyPresets: { defaultProfile: 'restricted' },
  },
};

async function createTenant(t: TenantObject): Promise<TenantObject> {
  const made = await admin.create<TenantObject>(TenantResource, t);
  created.push(t.metadata.name ?? '');
  return made;
}

beforeAll(async () => {
  admin = await adminClient();
  // The suite's identity, with the results ConfigMap of this file's bundle only.
  for (const o of validationRbac(DEFAULT_NAMESPACE, [scope])) await apply(admin, kindOf(o), o);
  await admin.create(DistributionBundleResource, bundle);
  h = await startControllerHarness(admin, { only: ['distributionbundle'], validationImage: IMAGE });
});

afterAll(async () => {
  for (const name of created) await admin.delete(TenantResource, name).catch(() => {});
  await admin.delete(Builtin.ConfigMap, validationRunConfigMapName(scope), DEFAULT_NAMESPACE).catch(() => {});
  await admin.delete(DistributionBundleResource, scope).catch(() => {});
  for (const o of validationRbac(DEFAULT_NAMESPACE, [scope]))
    await admin.delete(kindOf(o), o.metadata.name ?? '', o.metadata.namespace).catch(() => {});
  await h?.close();
  admin?.close();
});

describe('a DistributionBundle at admission', () => {
  it('refuses a Tenant in a region outside allowedRegions, naming the allowed ones', async () => {
    // The API server picks up a new parameter object shortly after it is created.
    const message = await waitFor('the region refusal', async () => {
      const name = uniqueName('far');
      try {
        await createTenant(tenantManifest(name, { region: 'ap-south-1' }, labels));
        await admin.delete(TenantResource, name);
        return false;
      } catch (e) {
        return (e as Error).message;
      }
    });
    expect(message).toContain('spec.region: "ap-south-1" is not allowed by DistributionBundle');
    expect(message).toContain('allowed regions: eu-central-1, us-east-1');
  });

  it('gives a Tenant without region or profile the bundle defaults, with the profile minimum retention', async () => {
    const t = tenantManifest(uniqueName('dflt'), {}, labels);
    const { region: _omitted, ...spec } = t.spec;
    const made = await createTenant({ ...t, spec } as TenantObject);
    expect(made.spec).toMatchObject({
      region: 'eu-central-1',
      policyProfile: 'restricted',
      retentionDays: 90,
    });
  });

  it('leaves Tenants it does not select alone', async () => {
    const made = await createTenant(tenantManifest(uniqueName('other'), { region: 'eu-west-1' }));
    expect(made.spec.region).toBe('eu-west-1');
    expect(made.spec.policyProfile).toBeUndefined();
  });
});

describe('the DistributionBundle controller', () => {
  const condition = (b: DistributionBundle | undefined, type: string) =>
    b?.status?.conditions?.find((c) => c.type === type);
  /** The validation Jobs this bundle owns. */
  const ownedJobs = async (uid: string | undefined) =>
    (
      await admin.list<Job>(JobResource, {
        namespace: DEFAULT_NAMESPACE,
        labelSelector: VALIDATION_JOB_SELECTOR,
      })
    ).items
      .filter((j) => j.metadata.ownerReferences?.some((r) => r.uid === uid))
      .map((j) => j.metadata.name)
      .sort();
  /** Reconciles until the bundle's status satisfies `ok` (the caches catch up on their own time). */
  const reconcileUntil = (what: string, ok: (b: DistributionBundle) => boolean) =>
    waitFor(what, async () => {
      await h.reconcileOnce('distributionbundle', scope);
      const b = await admin.get<DistributionBundle>(DistributionBundleResource, scope);
      return ok(b) ? b : false;
    });
  const jobName = (generation: number | undefined) => validationJobName(scope, generation ?? 0);
  const changeSpec = (spec: object) =>
    admin.patch<DistributionBundle>(DistributionBundleResource, scope, undefined, { spec }, 'merge');

  it('runs the suite as one Job owned by the bundle, and reports it until the run lands', async () => {
    const seen = await admin.get<DistributionBundle>(DistributionBundleResource, scope);
    await h.reconcileOnce('distributionbundle', scope, seen);
    let b = await admin.get<DistributionBundle>(DistributionBundleResource, scope);
    expect(b.status).toMatchObject({
      version: '0.1.0',
      profile: 'M',
      observedGeneration: b.metadata.generation,
      validationJob: {
        name: jobName(b.metadata.generation),
        generation: b.metadata.generation,
        phase: 'Running',
      },
    });
    expect(condition(b, 'Ready')?.status).toBe('True');
    expect(condition(b, DistributionBundleCondition.Enforced)?.reason).toBe(
      DistributionBundleReason.Enforced,
    );
    expect(condition(b, DistributionBundleCondition.Validated)).toMatchObject({
      status: 'Unknown',
      reason: DistributionBundleReason.ValidationRunning,
    });
    const job = await admin.get<Job & { spec: any }>(
      JobResource,
      jobName(b.metadata.generation),
      DEFAULT_NAMESPACE,
    );
    expect(job.metadata.ownerReferences).toEqual([
      {
        apiVersion: 'tenantry.dev/v1alpha1',
        kind: 'DistributionBundle',
        name: scope,
        uid: b.metadata.uid,
        controller: true,
      },
    ]);
    const container = job.spec.template.spec.containers[0];
    expect(container.image).toBe(IMAGE);
    expect(container.args).toEqual([
      'validate',
      '-o',
      'json',
      '-n',
      DEFAULT_NAMESPACE,
      '--sign-wait',
      '60',
      '--bundle',
      scope,
    ]);
    expect(job.spec.template.spec.serviceAccountName).toBe(VALIDATION_NAME);

    // Unchanged, re-applied: no new Job and no status write.
    await apply(admin, DistributionBundleResource, bundle);
    const before = await admin.get<DistributionBundle>(DistributionBundleResource, scope);
    expect(before.metadata.generation).toBe(b.metadata.generation);
    await h.reconcileOnce('distributionbundle', scope, before);
    await h.reconcileOnce('distributionbundle', scope, before);
    const after = await admin.get<DistributionBundle>(DistributionBundleResource, scope);
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
    expect(await ownedJobs(b.metadata.uid)).toEqual([jobName(b.metadata.generation)]);

    // The Job's run lands, as `tenantry validate` writes it: for this spec (its digest).
    const run = {
      finishedAt: '2030-01-02T03:04:05Z',
      durationSeconds: 12.5,
      result: 'warned',
      summary: { passed: 1, warned: 1, failed: 0, skipped: 0 },
      results: [
        {
          id: 'cluster.version',
          category: 'cluster',
          severity: 'critical',
          outcome: 'Passed',
          message: 'v1.34',
        },
        {
          id: 'clock.skew',
          category: 'cluster',
          severity: 'warning',
          outcome: 'Warned',
          message: '2 s',
          remediation: 'run NTP',
        },
      ],
    };
    const digest = `sha256:${bundleDigest({ name: scope, spec: b.spec })}`;
    await admin.create(Builtin.ConfigMap, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: validationRunConfigMapName(scope),
        namespace: DEFAULT_NAMESPACE,
        labels: { [LABEL_VALIDATION_RUN]: scope },
      },
      data: { 'run.json': JSON.stringify(run), 'summary.json': JSON.stringify({ bundleDigest: digest }) },
    });
    b = await reconcileUntil('the run in status', (x) => !!x.status?.lastRunTime);
    expect(b.status).toMatchObject({ lastRunTime: run.finishedAt, summary: run.summary });
    expect(b.status?.results?.map((r) => r.id)).toEqual(['cluster.version', 'clock.skew']);
    expect(condition(b, DistributionBundleCondition.Validated)).toMatchObject({
      status: 'True',
      reason: DistributionBundleReason.Warned,
      message: '1 passed, 1 warned, 0 failed, 0 skipped',
    });
  });

  it('a changed bundle gets a new Job; one that fails without a run is Validated=False naming it', async () => {
    const changed = await changeSpec({ observability: { logLevel: 'debug' } });
    const name = jobName(changed.metadata.generation);
    await reconcileUntil('the new Job in status', (x) => x.status?.validationJob?.name === name);
    expect(await ownedJobs(changed.metadata.uid)).toHaveLength(2);
    // Pods do not really run here (the hollow kubelet only marks them Running): the Job
    // controller fails the Job itself once its deadline is cut to a second.
    await admin.patch(JobResource, name, DEFAULT_NAMESPACE, { spec: { activeDeadlineSeconds: 1 } }, 'merge');
    const b = await reconcileUntil(
      'Validated=False',
      (x) => condition(x, DistributionBundleCondition.Validated)?.status === 'False',
    );
    expect(b.status?.validationJob).toMatchObject({ name, phase: 'Failed' });
    expect(condition(b, DistributionBundleCondition.Validated)).toMatchObject({
      reason: DistributionBundleReason.ValidationJobFailed,
      message: expect.stringContaining(`kubectl -n ${DEFAULT_NAMESPACE} logs job/${name}`),
    });
  });

  it('creates no Job for a bundle that opted out', async () => {
    const changed = await changeSpec({ validation: { onChange: false } });
    await h.reconcileOnce('distributionbundle', scope, changed);
    await h.reconcileOnce('distributionbundle', scope, changed);
    expect(await ownedJobs(changed.metadata.uid)).not.toContain(jobName(changed.metadata.generation));
    expect(await ownedJobs(changed.metadata.uid)).toHaveLength(2);
  });

  it("gives the suite's ServiceAccount the probe port through the service proxy and its own results ConfigMap only", async () => {
    const sa = admin.as({
      user: `system:serviceaccount:${DEFAULT_NAMESPACE}:${VALIDATION_NAME}`,
      groups: [
        'system:serviceaccounts',
        `system:serviceaccounts:${DEFAULT_NAMESPACE}`,
        'system:authenticated',
      ],
    });
    // Authorized (no endpoints behind it here: 503), not refused (403).
    const proxied = await sa
      .request('GET', `/api/v1/namespaces/${DEFAULT_NAMESPACE}/services/tenantry-metrics:8081/proxy/readyz`)
      .then(
        () => 200,
        (e) => (e instanceof ApiError ? e.code : 0),
      );
    expect(proxied).not.toBe(403);
    const refused = await sa
      .request('GET', `/api/v1/namespaces/${DEFAULT_NAMESPACE}/services/kubernetes:443/proxy/`)
      .then(
        () => 200,
        (e) => (e instanceof ApiError ? e.code : 0),
      );
    expect(refused).toBe(403);
    const results = (name: string) => ({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: DEFAULT_NAMESPACE },
      data: { 'run.json': '{}' },
    });
    // Server-side apply creates it: RBAC checks create with the name too.
    await admin.delete(Builtin.ConfigMap, validationRunConfigMapName(scope), DEFAULT_NAMESPACE);
    await expect(
      apply(sa, Builtin.ConfigMap, results(validationRunConfigMapName(scope))),
    ).resolves.toBeDefined();
    await expect(apply(sa, Builtin.ConfigMap, results('tenantry-public-keys'))).rejects.toThrow(/forbidden/i);
  });
});
