import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenantResource } from '../../operator/api/v1alpha1/index.ts';
import { DEFAULT_NAMESPACE } from '../../operator/install/rbac.ts';
import { apply } from '../../operator/runtime/apply.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import type { AnyObject } from '../../operator/runtime/kube/object.ts';
import { Builtin } from '../../operator/runtime/kube/resource.ts';
import { adminClient, tenantManifest, uniqueName, waitReady } from '../support/cluster.ts';
import { type OperatorProcess, operatorKubeconfigFile, spawnOperator } from '../support/process.ts';
import { waitFor } from '../support/wait.ts';

const RECONCILES = 'controller_runtime_reconcile_total';
// Short lease timings keep the failover in this test to seconds; production uses 15s/10s/2s.
const FAST = ['--lease-duration', '4s', '--renew-deadline', '3s', '--retry-period', '500ms'];

let admin: KubeClient;
const procs: OperatorProcess[] = [];
const tenants: string[] = [];

beforeAll(async () => {
  admin = await adminClient();
});

afterAll(async () => {
  for (const p of procs) p.child.kill('SIGKILL');
  for (const t of tenants) await admin.delete(TenantResource, t).catch(() => {});
  admin.close();
});

const holder = async () =>
  (
    await admin.get<AnyObject & { spec: { holderIdentity?: string } }>(
      Builtin.Lease,
      'tenantry-leader',
      DEFAULT_NAMESPACE,
    )
  ).spec.holderIdentity;

describe('two operator replicas', () => {
  it('only the leader reconciles, and the standby takes over when the leader is killed', async () => {
    const kubeconfig = await operatorKubeconfigFile(admin);
    // Start from a free lease, whatever earlier tests left behind.
    await admin.delete(Builtin.Lease, 'tenantry-leader', DEFAULT_NAMESPACE).catch(() => {});
    const first = spawnOperator(kubeconfig, FAST);
    procs.push(first);
    const firstId = await first.identity();
    await waitFor('the first replica to lead', async () => (await holder()) === firstId);
    const second = spawnOperator(kubeconfig, FAST);
    procs.push(second);
    const secondId = await second.identity();
    await second.probePort();

    const t1 = uniqueName('le-one');
    tenants.push(t1);
    await apply(admin, TenantResource, tenantManifest(t1));
    await waitReady(admin, t1);
    expect(await first.metric(RECONCILES)).toBeGreaterThan(0);
    expect(await second.metric(RECONCILES)).toBe(0);
    expect(await holder()).toBe(firstId);
    // The standby is still healthy and ready to take over.
    expect((await fetch(`http://127.0.0.1:${await second.probePort()}/readyz`)).status).toBe(200);

    first.child.kill('SIGKILL');
    await first.exited;
    const t2 = uniqueName('le-two');
    tenants.push(t2);
    await apply(admin, TenantResource, tenantManifest(t2));
    await waitReady(admin, t2, 60_000);
    expect(await holder()).toBe(secondId);
    expect(await second.metric(RECONCILES)).toBeGreaterThan(0);

    // A clean stop releases the lease at once rather than making a successor wait it out.
    second.child.kill('SIGTERM');
    expect(await second.exited).toBe(0);
    expect(await holder()).toBe('');
  });
});
