import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenantResource } from '../../operator/api/v1alpha1/index.ts';
import { apply } from '../../operator/runtime/apply.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import { ApiError } from '../../operator/runtime/kube/errors.ts';
import type { AnyObject } from '../../operator/runtime/kube/object.ts';
import { Builtin } from '../../operator/runtime/kube/resource.ts';
import { adminClient, startTestOperator, tenantManifest, uniqueName, waitReady } from '../support/cluster.ts';
import { waitFor } from '../support/wait.ts';

let admin: KubeClient;
let stopOperator: () => Promise<void>;
let a: string;
let b: string;
let alice: KubeClient;

beforeAll(async () => {
  admin = await adminClient();
  ({ stop: stopOperator } = await startTestOperator(admin));
  a = uniqueName('iso-a');
  b = uniqueName('iso-b');
  await apply(admin, TenantResource, tenantManifest(a, { owners: [{ name: 'alice' }] }));
  await apply(admin, TenantResource, tenantManifest(b, { owners: [{ name: 'bob' }] }));
  await waitReady(admin, a);
  await waitReady(admin, b);
  // Alice as the API server authenticates her: impersonation gives her exact user info.
  alice = admin.as({ user: 'alice', groups: ['system:authenticated'] });
});

afterAll(async () => {
  await admin.delete(TenantResource, a);
  await admin.delete(TenantResource, b);
  // Leave nothing half-deleted for the next file's operator.
  await waitFor(
    'both tenants to be gone',
    async () => !(await admin.find(TenantResource, a)) && !(await admin.find(TenantResource, b)),
    {
      timeoutMs: 120_000,
    },
  );
  await stopOperator();
  admin.close();
});

const pod = (namespace: string): AnyObject => ({
  metadata: { name: uniqueName('app'), namespace },
  spec: { containers: [{ name: 'app', image: 'registry.example/app:1' }] },
});

async function forbidden(p: Promise<unknown>): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, 'the request should have been refused').toBeInstanceOf(ApiError);
  expect((e as ApiError).code).toBe(403);
}

describe('from a tenant owner’s side', () => {
  it('can run workloads in its own namespaces', async () => {
    const created = await alice.create(Builtin.Pod, pod(`${a}-default`));
    expect(created.metadata.uid).toBeDefined();
  });

  it('cannot see or touch another tenant’s namespaces', async () => {
    await forbidden(alice.create(Builtin.Pod, pod(`${b}-default`)));
    await forbidden(alice.list(Builtin.Pod, { namespace: `${b}-default` }));
    await forbidden(alice.get(Builtin.Namespace, `${b}-default`));
    await forbidden(alice.list(Builtin.Secret, { namespace: `${b}-system` }));
  });

  it('cannot loosen its own quota, limits, network policies or namespace labels', async () => {
    const ns = `${a}-default`;
    await forbidden(alice.delete(Builtin.ResourceQuota, 'tenantry-quota', ns));
    await forbidden(
      alice.patch(Builtin.LimitRange, 'tenantry-defaults', ns, { spec: { limits: [] } }, 'merge'),
    );
    await forbidden(alice.delete(Builtin.NetworkPolicy, 'tenantry-default-deny-ingress', ns));
    await forbidden(
      alice.patch(
        Builtin.Namespace,
        ns,
        undefined,
        { metadata: { labels: { 'tenantry.dev/tenant': b } } },
        'merge',
      ),
    );
    await forbidden(alice.create(Builtin.Namespace, { metadata: { name: uniqueName('rogue') } }));
  });

  it('cannot change Tenants, not even its own', async () => {
    await forbidden(
      alice.patch(TenantResource, a, undefined, { spec: { policyProfile: 'baseline' } }, 'merge'),
    );
    await forbidden(alice.delete(TenantResource, b));
  });

  it('cannot run privileged pods where the profile forbids them', async () => {
    const privileged = pod(`${a}-default`);
    (privileged.spec as { containers: AnyObject[] }).containers[0] = {
      name: 'app',
      image: 'registry.example/app:1',
      securityContext: { privileged: true },
    } as unknown as AnyObject;
    const e = await alice.create(Builtin.Pod, privileged).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).message).toMatch(/violates PodSecurity "baseline/);
  });
});
