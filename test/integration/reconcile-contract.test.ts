import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TENANT_FINALIZER } from '../../operator/api/names.ts';
import type { Tenant, TenantStatus } from '../../operator/api/v1alpha1/index.ts';
import { TenantResource } from '../../operator/api/v1alpha1/index.ts';
import { sampleDueAt } from '../../operator/controllers/tenant/activity-sample.ts';
import { realClock } from '../../operator/runtime/clock.ts';
import { kstatus } from '../../operator/runtime/conditions.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import { isNotFound } from '../../operator/runtime/kube/errors.ts';
import { Builtin } from '../../operator/runtime/kube/resource.ts';
import { TerminalError } from '../../operator/runtime/reconcile/errors.ts';
import { type Finalized, objectReconciler } from '../../operator/runtime/reconcile/object.ts';
import { adminClient, tenantManifest, uniqueName } from '../support/cluster.ts';
import { type ControllerHarness, expectApplied, startControllerHarness } from '../support/controller.ts';
import { waitFor } from '../support/wait.ts';

// The reconcile contract against the real API server: one pass at a time, by hand, so each
// test says exactly what one reconcile did.

const CONTRACT_FINALIZER = 'test.tenantry.dev/contract';
const LABEL_CONTRACT = 'test.tenantry.dev/contract';

let admin: KubeClient;
let h: ControllerHarness;
/** What the test-only controller's finalize answers next. */
let finalizeAnswers: Finalized[] = [];

beforeAll(async () => {
  admin = await adminClient();
  h = await startControllerHarness(admin, {
    only: ['tenant'],
    // A controller of Tenants carrying a test label, whose live path always finds the spec
    // unusable: what the runtime does with a TerminalError and with its finalizer.
    extra: (deps) => [
      {
        name: 'contract',
        for: TenantResource,
        forSelector: LABEL_CONTRACT,
        reconciler: objectReconciler<Tenant, TenantStatus>(
          {
            type: TenantResource,
            cache: deps.manager.informer(TenantResource, LABEL_CONTRACT),
            client: deps.client,
            clock: realClock,
          },
          {
            finalizer: CONTRACT_FINALIZER,
            async reconcile(_t, draft) {
              draft.apply({ status: { namespaces: ['recorded-before-the-failure'] } });
              await draft.step('spec', () => {
                throw new TerminalError('spec.region names no region this cluster serves', {
                  reason: 'RegionUnknown',
                });
              });
            },
            finalize: async () => finalizeAnswers.shift() ?? 'done',
          },
        ),
      },
    ],
  });
});

afterAll(async () => {
  await h?.close();
  admin?.close();
});

const getTenant = (name: string) => admin.get<Tenant>(TenantResource, name);

async function gone(name: string): Promise<boolean> {
  try {
    await getTenant(name);
    return false;
  } catch (e) {
    if (isNotFound(e)) return true;
    throw e;
  }
}

describe('the tenant controller, one reconcile at a time', () => {
  const name = uniqueName('rc');

  it('makes the namespaces, adds its finalizer and writes Ready at the generation in one pass', async () => {
    const created = await admin.create<Tenant>(TenantResource, tenantManifest(name));
    const before = Date.now();
    const result = await h.reconcileOnce('tenant', name, created);
    // Nothing to retry: at most the next time boundary (the health score's hourly sample of
    // the tenant's pods, at the tenant's own phase of the hour), never an immediate second pass.
    const boundary = sampleDueAt(created.metadata.uid ?? '', before) - Date.now();
    expect(result?.requeueAfterMs ?? Number.POSITIVE_INFINITY).toBeGreaterThanOrEqual(
      Math.min(60_000, boundary - 5_000),
    );
    await expectApplied(h.client, Builtin.Namespace, `${name}-system`, {
      metadata: { labels: { 'tenantry.dev/tenant': name, 'tenantry.dev/namespace-role': 'system' } },
    });
    const t = await getTenant(name);
    expect(t.metadata.finalizers).toContain(TENANT_FINALIZER);
    expect(t.status?.observedGeneration).toBe(t.metadata.generation);
    expect(t.status?.conditions?.map((c) => `${c.type}=${c.status}`)).toEqual([
      'Provisioned=True',
      'Ready=True',
    ]);
    expect(kstatus(t)).toBe('Current');
  });

  it('writes nothing on a pass that finds nothing changed', async () => {
    const before = await getTenant(name);
    await h.reconcileOnce('tenant', name, before);
    const after = await getTenant(name);
    expect(after.metadata.resourceVersion).toBe(before.metadata.resourceVersion);
  });

  it('holds a deleted Tenant with its finalizer until its namespaces are gone, then lets it go', async () => {
    await admin.delete(TenantResource, name);
    const deleting = await getTenant(name);
    expect(deleting.metadata.deletionTimestamp).toBeDefined();
    const first = await h.reconcileOnce('tenant', name, deleting);
    expect(first?.requeueAfterMs).toBeGreaterThan(0);
    const held = await getTenant(name);
    expect(held.metadata.finalizers).toContain(TENANT_FINALIZER);
    // Held by its finalizer, it says so instead of staying Ready.
    expect(held.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'Deleting',
      message: expect.stringMatching(new RegExp(`waiting for namespaces .*${name}-system.* to be deleted`)),
    });
    await waitFor(
      `tenant ${name} to go once its namespaces are deleted`,
      async () => {
        if (await gone(name)) return true;
        await h.reconcileOnce('tenant', name, await getTenant(name));
        return gone(name);
      },
      { timeoutMs: 90_000, intervalMs: 500 },
    );
  });
});

describe('the runtime contract with a test-only controller', () => {
  const name = uniqueName('rc-terminal');

  it('records a TerminalError as Stalled with its reason, keeps what the parts before it found, and does not retry', async () => {
    const m = tenantManifest(name);
    m.metadata.labels = { [LABEL_CONTRACT]: 'yes' };
    const created = await admin.create<Tenant>(TenantResource, m);
    await expect(h.reconcileOnce('contract', name, created)).rejects.toBeInstanceOf(TerminalError);
    const t = await getTenant(name);
    expect(t.metadata.finalizers).toContain(CONTRACT_FINALIZER);
    expect(t.status?.namespaces).toEqual(['recorded-before-the-failure']);
    expect(t.status?.conditions?.find((c) => c.type === 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'RegionUnknown',
      message: 'spec.region names no region this cluster serves',
    });
    expect(kstatus(t)).toBe('Failed');
  });

  it('keeps the finalizer while cleanup asks for more time, and removes it once cleanup is done', async () => {
    finalizeAnswers = [{ requeueAfterMs: 1_000 }, 'done'];
    await admin.delete(TenantResource, name);
    const deleting = await getTenant(name);
    expect(await h.reconcileOnce('contract', name, deleting)).toEqual({ requeueAfterMs: 1_000 });
    expect((await getTenant(name)).metadata.finalizers).toContain(CONTRACT_FINALIZER);
    expect(await h.reconcileOnce('contract', name, deleting)).toBeUndefined();
    const after = await getTenant(name).catch((e) => (isNotFound(e) ? undefined : Promise.reject(e)));
    expect(after?.metadata.finalizers ?? []).not.toContain(CONTRACT_FINALIZER);
  });
});
