import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DistributionBundleCondition, DistributionBundleReason } from '../../operator/api/conditions.ts';
import { LABEL_VALIDATION_RUN, validationRunConfigMapName } from '../../operator/api/names.ts';
import {
  type DistributionBundle,
  DistributionBundleResource,
  TenantResource,
} from '../../operator/api/v1alpha1/index.ts';
import { DEFAULT_NAMESPACE } from '../../operator/install/rbac.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import { Builtin } from '../../operator/runtime/kube/resource.ts';
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
  await admin.create(DistributionBundleResource, bundle);
  h = await startControllerHarness(admin, { only: ['distributionbundle'] });
});

afterAll(async () => {
  for (const name of created) await admin.delete(TenantResource, name).catch(() => {});
  await admin.delete(Builtin.ConfigMap, validationRunConfigMapName(scope), DEFAULT_NAMESPACE).catch(() => {});
  await admin.delete(DistributionBundleResource, scope).catch(() => {});
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

  it('reports version, profile, enforcement and the validation run the suite left', async () => {
    const seen = await admin.get<DistributionBundle>(DistributionBundleResource, scope);
    await h.reconcileOnce('distributionbundle', scope, seen);
    let b = await admin.get<DistributionBundle>(DistributionBundleResource, scope);
    expect(b.status).toMatchObject({
      version: '0.1.0',
      profile: 'M',
      observedGeneration: b.metadata.generation,
    });
    expect(condition(b, 'Ready')?.status).toBe('True');
    expect(condition(b, DistributionBundleCondition.Enforced)?.reason).toBe(
      DistributionBundleReason.Enforced,
    );
    expect(condition(b, DistributionBundleCondition.Validated)?.reason).toBe(
      DistributionBundleReason.NotValidated,
    );

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
    const cm = await admin.create(Builtin.ConfigMap, {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: {
        name: validationRunConfigMapName(scope),
        namespace: DEFAULT_NAMESPACE,
        labels: { [LABEL_VALIDATION_RUN]: scope },
      },
      data: { 'run.json': JSON.stringify(run) },
    });
    await waitFor('the run in the controller cache', async () => {
      await h.reconcileOnce('distributionbundle', scope, b);
      b = await admin.get<DistributionBundle>(DistributionBundleResource, scope);
      return b.status?.lastRunTime ? b : false;
    });
    expect(cm.metadata.name).toBe(validationRunConfigMapName(scope));
    expect(b.status).toMatchObject({ lastRunTime: run.finishedAt, summary: run.summary });
    expect(b.status?.results?.map((r) => r.id)).toEqual(['cluster.version', 'clock.skew']);
    expect(condition(b, DistributionBundleCondition.Validated)).toMatchObject({
      status: 'True',
      reason: DistributionBundleReason.Warned,
      message: '1 passed, 1 warned, 0 failed, 0 skipped',
    });
  });
});
