import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenantResource } from '../../operator/api/v1alpha1/index.ts';
import { DEFAULT_NAMESPACE } from '../../operator/install/rbac.ts';
import { apply } from '../../operator/runtime/apply.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import { isConflict } from '../../operator/runtime/kube/errors.ts';
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

type Lease = AnyObject & { spec: { holderIdentity?: string; renewTime?: string; acquireTime?: string } };
const lease = () => admin.get<Lease>(Builtin.Lease, 'tenantry-leader', DEFAULT_NAMESPACE);
const holder = async () => (await lease()).spec.holderIdentity;

/** Another candidate takes the lease over (as after a partition): the leader can no longer renew it. */
async function seize(): Promise<void> {
  for (;;) {
    const current = await lease();
    const now = new Date().toISOString().replace('Z', '000Z');
    try {
      await admin.update<Lease>(Builtin.Lease, {
        ...current,
        spec: { ...current.spec, holderIdentity: 'someone-else', renewTime: now, acquireTime: now },
      });
      return;
    } catch (e) {
      // The leader renewed in between.
      if (!isConflict(e)) throw e;
    }
  }
}

/** Starts a replica on a free lease and waits until it leads. */
async function soleLeader(args: string[]): Promise<{ op: OperatorProcess; id: string }> {
  const kubeconfig = await operatorKubeconfigFile(admin);
  await admin.delete(Builtin.Lease, 'tenantry-leader', DEFAULT_NAMESPACE).catch(() => {});
  const op = spawnOperator(kubeconfig, [...FAST, ...args]);
  procs.push(op);
  const id = await op.identity();
  await waitFor('the replica to lead', async () => (await holder()) === id);
  return { op, id };
}

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

  it('a leader that loses its lease stops its controllers and campaigns again in the same process', async () => {
    const { op, id } = await soleLeader([]);
    await seize();
    await waitFor('the replica to step down', () =>
      op.logs.some((l) => String(l.msg).includes('lost the leader lease')),
    );
    // "someone-else" never renews: once its lease expires the same process leads again.
    await waitFor('the replica to lead again', async () => (await holder()) === id, { timeoutMs: 30_000 });
    const before = await op.metric(RECONCILES);
    const t = uniqueName('le-again');
    tenants.push(t);
    await apply(admin, TenantResource, tenantManifest(t));
    await waitReady(admin, t);
    expect(await op.metric(RECONCILES)).toBeGreaterThan(before);
    expect(op.child.exitCode).toBeNull();
    op.child.kill('SIGTERM');
    expect(await op.exited).toBe(0);
  });

  it('with --exit-on-lost-leadership, exits with code 3 and one log line, no stack trace', async () => {
    const { op } = await soleLeader(['--exit-on-lost-leadership']);
    const seen = op.logs.length;
    await seize();
    expect(await op.exited).toBe(3);
    const after = op.logs.slice(seen);
    expect(after.filter((l) => l.level === 'error')).toEqual([
      expect.objectContaining({
        msg: `lost the leader lease ${DEFAULT_NAMESPACE}/tenantry-leader: it could not be renewed within the renew deadline; exiting (--exit-on-lost-leadership)`,
      }),
    ]);
    // Every line is a JSON log line: nothing like an uncaught error's stack reached stderr.
    expect(after.filter((l) => l.level === undefined)).toEqual([]);
  });
});
