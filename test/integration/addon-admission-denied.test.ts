import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LABEL_POOL } from '../../operator/api/names.ts';
import type { AddOn } from '../../operator/api/v1alpha1/index.ts';
import { AddOnResource, EntitlementResource, TenantResource } from '../../operator/api/v1alpha1/index.ts';
import { addonController } from '../../operator/controllers/addon/register.ts';
import { kstatus } from '../../operator/runtime/conditions.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import { ApiError } from '../../operator/runtime/kube/errors.ts';
import { Builtin } from '../../operator/runtime/kube/resource.ts';
import { TerminalError } from '../../operator/runtime/reconcile/errors.ts';
import { computeManifest, dryRunCreate } from '../support/addons.ts';
import { adminClient, tenantManifest, uniqueName } from '../support/cluster.ts';
import { type ControllerHarness, startControllerHarness } from '../support/controller.ts';
import { dedicatedEntitlement } from '../support/pool.ts';
import { waitFor } from '../support/wait.ts';

// The add-on controller running with credentials other than the operator's ServiceAccount (a
// cluster admin's): Tenantry's own pool node policy refuses its node patch. No retry can fix
// that, so the AddOn must say so and stall instead of retrying without a word.

let admin: KubeClient;
let h: ControllerHarness;
let tenant: string;
let ns: string;

const gone = async (type: typeof TenantResource | typeof EntitlementResource, name: string) =>
  !(await admin.find(type, name));

beforeAll(async () => {
  admin = await adminClient();
  h = await startControllerHarness(admin, {
    only: ['tenant', 'entitlement'],
    extra: (deps) => [{ ...addonController({ ...deps, client: admin }), name: 'addon-as-admin' }],
  });
  tenant = uniqueName('denied');
  ns = `${tenant}-system`;
  await admin.create(TenantResource, tenantManifest(tenant, { owners: [{ name: 'dora' }] }));
  const e = await admin.create(EntitlementResource, dedicatedEntitlement(tenant, 1));
  await h.reconcileOnce('entitlement', tenant, e);
  await h.reconcileOnce('tenant', tenant, await admin.get(TenantResource, tenant));
});

afterAll(async () => {
  if (h && tenant) {
    await admin.delete(AddOnResource, 'pool', ns).catch(() => {});
    await admin.delete(EntitlementResource, tenant).catch(() => {});
    await admin.delete(TenantResource, tenant).catch(() => {});
    // Nobody runs the controllers here but the test: reconcile until the finalizers let go.
    await waitFor(
      `tenant ${tenant} and its Entitlement to go`,
      async () => {
        for (const [c, key] of [
          ['addon-as-admin', `${ns}/pool`],
          ['entitlement', tenant],
          ['tenant', tenant],
        ] as const) {
          await h.reconcileOnce(c, key).catch(() => {});
        }
        return (await gone(TenantResource, tenant)) && gone(EntitlementResource, tenant);
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    ).catch((e: unknown) => console.error(e));
  }
  await h?.close();
  admin?.close();
});

describe('an add-on whose provisioning an admission policy denies', () => {
  it('is Provisioned=False AdmissionDenied in the policy words and Stalled, and is not retried', async () => {
    const dora = admin.as({ user: 'dora', groups: ['system:authenticated'] });
    const manifest = computeManifest(ns, 'pool');
    await waitFor('the Entitlement to admit the add-on', () =>
      dryRunCreate(dora, manifest).then(
        () => true,
        (e: unknown) => (e instanceof ApiError ? false : Promise.reject(e)),
      ),
    );
    const created = await dora.create<AddOn>(AddOnResource, manifest);
    const error = await h.reconcileOnce('addon-as-admin', `${ns}/pool`, created).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error, 'the reconcile should fail terminally').toBeInstanceOf(TerminalError);
    expect((error as TerminalError).reason).toBe('AdmissionDenied');

    const a = await admin.get<AddOn>(AddOnResource, 'pool', ns);
    const provisioned = a.status?.conditions?.find((c) => c.type === 'Provisioned');
    expect(provisioned).toMatchObject({
      status: 'False',
      reason: 'AdmissionDenied',
      observedGeneration: a.metadata.generation,
    });
    expect(provisioned?.message).toMatch(
      /^DedicatedCompute: nodes "[^"]+" is forbidden: ValidatingAdmissionPolicy 'tenantry.dev-pool-nodes' with binding 'tenantry.dev-pool-nodes' denied request: the tenantry.dev\/dedicated-pool and .* labels .* of a node are managed by Tenantry/,
    );
    expect(a.status?.conditions?.find((c) => c.type === 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'AdmissionDenied',
    });
    expect(a.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
    // What `kubectl wait --for=condition=Ready` and kstatus-based tools read: Failed, not InProgress.
    expect(kstatus(a)).toBe('Failed');
    // The refused patch changed no node.
    const labelled = await admin.list(Builtin.Node, { labelSelector: `${LABEL_POOL}=${tenant}` });
    expect(labelled.items).toEqual([]);
  });
});
