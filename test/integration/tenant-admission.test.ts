import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenantResource } from '../../operator/api/v1alpha1/index.ts';
import { apply } from '../../operator/runtime/apply.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import { ApiError } from '../../operator/runtime/kube/errors.ts';
import { adminClient, type TenantObject, tenantManifest, uniqueName } from '../support/cluster.ts';

let admin: KubeClient;
beforeAll(async () => {
  admin = await adminClient();
});
afterAll(() => admin.close());

async function refusal(obj: unknown): Promise<ApiError> {
  try {
    await admin.create(TenantResource, obj as TenantObject);
  } catch (e) {
    if (e instanceof ApiError) return e;
    throw e;
  }
  throw new Error('the API server accepted an invalid Tenant');
}

describe('invalid Tenants are refused at admission with a message naming the field', () => {
  const base = () => tenantManifest(uniqueName('bad'));

  it.each([
    [
      'an unknown policy profile',
      { policyProfile: 'gold' },
      /spec\.policyProfile: Unsupported value: "gold"/,
    ],
    [
      'a regulated tenant with short retention',
      { policyProfile: 'regulated', retentionDays: 30 },
      /spec\.retentionDays.*at least 365/,
    ],
    [
      'a restricted tenant with short retention',
      { policyProfile: 'restricted', retentionDays: 30 },
      /spec\.retentionDays.*at least 90/,
    ],
    [
      'retention beyond ten years',
      { retentionDays: 5000 },
      /spec\.retentionDays: Invalid value: 5000.*less than or equal to 3650/,
    ],
    ['no owners', { owners: [] }, /spec\.owners: Invalid value.*at least 1 item/],
    [
      'a ServiceAccount owner without namespace',
      { owners: [{ kind: 'ServiceAccount', name: 'ci' }] },
      /spec\.owners\[0\]\.namespace.*required when kind is ServiceAccount/,
    ],
    [
      'a namespace named system',
      { namespaces: [{ name: 'system' }] },
      /spec\.namespaces\[0\]\.name.*reserved/,
    ],
    [
      'a namespace name that is not a DNS label',
      { namespaces: [{ name: 'Prod_1' }] },
      /spec\.namespaces\[0\]\.name: Invalid value: "Prod_1"/,
    ],
    ['a region that is not a DNS label', { region: 'EU West' }, /spec\.region: Invalid value: "EU West"/],
    ['a missing display name', { displayName: '' }, /spec\.displayName: Invalid value: "".*at least 1 chars/],
    [
      'an IPv4 address as domain',
      { domain: { name: '192.168.1.1' } },
      /spec\.domain\.name.*not an IP address/,
    ],
    ['loopback as domain', { domain: { name: '127.0.0.1' } }, /spec\.domain\.name.*not an IP address/],
    [
      'a numeric top-level domain',
      { domain: { name: 'acme.123' } },
      /spec\.domain\.name.*top-level domain must not be all digits/,
    ],
    [
      'a domain label longer than 63 characters',
      { domain: { name: `${'a'.repeat(64)}.example.com` } },
      /spec\.domain\.name.*at most 63 characters/,
    ],
    [
      'a quota resource name ResourceQuota does not know',
      { quota: { hard: { 'requests.cpu': '4', 'cpus please': '8' } } },
      /spec\.quota\.hard.*must be a ResourceQuota resource name/,
    ],
  ])('refuses %s', async (_what, spec, message) => {
    const t = base();
    const e = await refusal({ ...t, spec: { ...t.spec, ...spec } });
    expect(e.code).toBe(422);
    expect(e.message).toMatch(message);
  });

  it('refuses a tenant name too long for its namespaces', async () => {
    const e = await refusal(tenantManifest(`a${'b'.repeat(40)}`));
    expect(e.message).toMatch(/metadata\.name must be a DNS label of at most 40 characters/);
  });

  it('refuses tenant names that would collide with system namespaces', async () => {
    for (const name of ['kube', 'kube-node', 'tenantry']) {
      const e = await refusal(tenantManifest(name));
      expect(e.message).toMatch(/collide with system namespaces/);
    }
  });

  it('refuses changing the region of an existing tenant', async () => {
    const name = uniqueName('region');
    await apply(admin, TenantResource, tenantManifest(name));
    const moved = tenantManifest(name, { region: 'us-east-1' });
    await expect(apply(admin, TenantResource, moved)).rejects.toThrow(/spec\.region.*region is immutable/);
    await admin.delete(TenantResource, name);
  });

  it('accepts the quota names ResourceQuota knows', async () => {
    const name = uniqueName('quota');
    const hard = {
      'requests.cpu': '4',
      'limits.memory': '8Gi',
      pods: 50,
      'count/deployments.apps': 10,
      'requests.nvidia.com/gpu': 1,
      'fast.storageclass.storage.k8s.io/requests.storage': '100Gi',
      'hugepages-2Mi': '1Gi',
    };
    const t = await admin.create<TenantObject>(TenantResource, tenantManifest(name, { quota: { hard } }));
    expect(Object.keys(t.spec.quota?.hard ?? {}).sort()).toEqual(Object.keys(hard).sort());
    await admin.delete(TenantResource, name);
  });

  it('fills in the documented defaults', async () => {
    const name = uniqueName('defaults');
    const t = await admin.create<TenantObject>(TenantResource, tenantManifest(name));
    expect(t.spec).toMatchObject({
      retentionDays: 30,
      deletionPolicy: 'Delete',
      namespaces: [{ name: 'default' }],
    });
    // No schema default for the profile: left out it is baseline, unless a DistributionBundle
    // that selects the Tenant gives its own (admission tells "left out" from "baseline").
    expect(t.spec.policyProfile).toBeUndefined();
    await admin.delete(TenantResource, name);
  });
});
