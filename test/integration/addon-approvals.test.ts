import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { staticAddonAdmission } from '../../operator/admission/addon-policies.ts';
import type { AddOn } from '../../operator/api/v1alpha1/index.ts';
import { AddOnResource, EntitlementResource, TenantResource } from '../../operator/api/v1alpha1/index.ts';
import { canonicalJson } from '../../operator/evidence/statement.ts';
import { apply } from '../../operator/runtime/apply.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import { ApiError } from '../../operator/runtime/kube/errors.ts';
import { Builtin } from '../../operator/runtime/kube/resource.ts';
import { archiveManifest, computeManifest, dryRunCreate, entitlementManifest } from '../support/addons.ts';
import { adminClient, startTestOperator, tenantManifest, uniqueName, waitReady } from '../support/cluster.ts';
import { waitFor } from '../support/wait.ts';

// Two owners of one tenant, as the API server authenticates them, try every way around an
// approval; then the flows that are meant to work.

const REQUESTED_BY = 'tenantry.dev/requested-by';
const APPROVED_BY = 'tenantry.dev/approved-by';
const APPROVED_GENERATION = 'tenantry.dev/approved-generation';

let admin: KubeClient;
let stopOperator: () => Promise<void>;
let tenant: string;
let ns: string;
let alice: KubeClient;
let bob: KubeClient;

beforeAll(async () => {
  admin = await adminClient();
  ({ stop: stopOperator } = await startTestOperator(admin));
  tenant = uniqueName('appr');
  ns = `${tenant}-system`;
  await apply(
    admin,
    TenantResource,
    tenantManifest(tenant, { owners: [{ name: 'alice' }, { name: 'bob' }] }),
  );
  await entitle('AnyOwner');
  await waitReady(admin, tenant);
  alice = admin.as({ user: 'alice', groups: ['system:authenticated'] });
  bob = admin.as({ user: 'bob', groups: ['system:authenticated'] });
  // The namespace label admits add-ons before the Entitlement's own binding is in place:
  // wait for the binding's quota check.
  const overQuota = compute(uniqueName('dc'));
  if (overQuota.spec.dedicatedCompute) overQuota.spec.dedicatedCompute.nodes = 11;
  await waitFor('the Entitlement to be in force at admission', () =>
    dryRunCreate(alice, overQuota).then(
      () => false,
      (e: unknown) => e instanceof ApiError && /exceeds the quota/.test(e.message),
    ),
  );
});

afterAll(async () => {
  await admin.delete(TenantResource, tenant).catch(() => {});
  await admin.delete(EntitlementResource, tenant).catch(() => {});
  await stopOperator();
  admin.close();
});

async function entitle(addOnApproval: 'AnyOwner' | 'FourEyes'): Promise<void> {
  const manifest = entitlementManifest(tenant, {
    allowedAddOns: ['DedicatedCompute', 'AuditArchive'],
    quotas: { dedicatedNodes: 10 },
    obligations: { addOnApproval },
  });
  await apply(admin, EntitlementResource, manifest);
}

// No node matches the selector: the pool is never reserved, so no node is touched.
const compute = (name: string, approval: string | null = 'noisy neighbours') =>
  computeManifest(ns, name, { approval, candidates: { 'example.com/no-such-pool': 'x' } });

const archive = (name: string) => archiveManifest(ns, name, { endpoint: 'https://s3.eu-west-1.example.com' });

const patch = (client: KubeClient, name: string, body: unknown) =>
  client.patch<AddOn>(AddOnResource, name, ns, body, 'merge');

/** Asks admission about a patch without making it, so polling changes nothing. */
const dryRunPatch = (client: KubeClient, name: string, body: unknown) =>
  client.request('PATCH', `/apis/tenantry.dev/v1alpha1/namespaces/${ns}/addons/${name}`, {
    query: { dryRun: 'All' },
    body,
    contentType: 'application/merge-patch+json',
  });

async function refused(p: Promise<unknown>, message: RegExp): Promise<ApiError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, 'the request should have been refused').toBeInstanceOf(ApiError);
  expect((e as ApiError).message).toMatch(message);
  return e as ApiError;
}

const stamps = (a: AddOn) => {
  const an = a.metadata.annotations ?? {};
  return { requestedBy: an[REQUESTED_BY], approvedBy: an[APPROVED_BY], generation: an[APPROVED_GENERATION] };
};

const digestOf = (a: AddOn) => `sha256:${createHash('sha256').update(canonicalJson(a.spec)).digest('hex')}`;

/** The add-on once the operator has judged its current generation's approval. */
function judged(name: string, status: 'True' | 'False'): Promise<AddOn> {
  return waitFor(`${name} Approved=${status} at its current generation`, async () => {
    const a = await admin.get<AddOn>(AddOnResource, name, ns);
    const c = a.status?.conditions?.find((x) => x.type === 'Approved');
    return c?.status === status && c.observedGeneration === a.metadata.generation ? a : false;
  });
}

/**
 * Checks the stamps a write came back with, then that the operator records that approval of
 * exactly that spec: requester, approver, generation and the digest of the spec.
 */
async function expectApproval(written: AddOn, requestedBy: string, approvedBy: string): Promise<AddOn> {
  const generation = written.metadata.generation;
  expect(stamps(written)).toEqual({ requestedBy, approvedBy, generation: String(generation) });
  const a = await judged(written.metadata.name ?? '', 'True');
  expect(a.status?.approval).toMatchObject({ requestedBy, approvedBy, generation, digest: digestOf(a) });
  return a;
}

const approvedCondition = (a: AddOn) => a.status?.conditions?.find((c) => c.type === 'Approved');

const settingsChange = /changed without a new approval/;

describe('approvals bound to what they approve (any owner approves)', () => {
  const pool = uniqueName('dc');
  const vault = uniqueName('aa');

  it('stamps the requester and the approver from the request, whatever the request says', async () => {
    const forged = compute(pool);
    forged.metadata.annotations = {
      [REQUESTED_BY]: 'the-ceo',
      [APPROVED_BY]: 'the-ceo',
      [APPROVED_GENERATION]: '9',
    };
    const created = await alice.create<AddOn>(AddOnResource, forged);
    expect(created.metadata.generation).toBe(1);
    const a = await expectApproval(created, 'alice', 'alice');
    expect(approvedCondition(a)?.message).toBe(`approved by alice at generation 1 (spec ${digestOf(a)})`);
    await alice.create(AddOnResource, archive(vault));
  });

  it('refuses a change of nodes without a new approval, naming the field', async () => {
    const e = await refused(patch(bob, pool, { spec: { dedicatedCompute: { nodes: 5 } } }), settingsChange);
    expect(e.message).toMatch(
      /^.*spec\.dedicatedCompute\.nodes changed without a new approval: give one in the same request \(a new spec\.approval\.reason; bob is recorded as the approver\)/,
    );
    expect(e.code).toBe(403);
  });

  it('refuses pointing the archive at another endpoint without a new approval', async () => {
    const e = await refused(
      patch(bob, vault, { spec: { auditArchive: { bucket: { endpoint: 'https://s3.attacker.example' } } } }),
      settingsChange,
    );
    expect(e.message).toMatch(/spec\.auditArchive\.bucket\.endpoint changed/);
    expect(e.message).not.toMatch(/retentionDays/);
  });

  it('refuses forged or changed stamps', async () => {
    await refused(
      patch(bob, pool, { metadata: { annotations: { [APPROVED_BY]: 'bob' } } }),
      /can only change together with spec\.approval/,
    );
    await refused(
      patch(bob, pool, { metadata: { annotations: { [APPROVED_GENERATION]: '7' } } }),
      /can only change together with spec\.approval/,
    );
    await refused(
      patch(bob, pool, { metadata: { annotations: { [APPROVED_BY]: null } } }),
      /can only change together with spec\.approval/,
    );
    await refused(
      patch(bob, pool, { metadata: { annotations: { [REQUESTED_BY]: 'bob' } } }),
      /tenantry\.dev\/requested-by can only change together with the add-on's settings/,
    );
    // A stamp written into a change that does carry an approval is overwritten, not taken.
    const changed = await patch(bob, pool, {
      metadata: { annotations: { [APPROVED_BY]: 'the-ceo', [REQUESTED_BY]: 'alice' } },
      spec: { approval: { reason: 'one more node for the batch jobs' }, dedicatedCompute: { nodes: 2 } },
    });
    expect(stamps(changed)).toEqual({ requestedBy: 'bob', approvedBy: 'bob', generation: '2' });
  });

  it('refuses removing the approval', async () => {
    // Refused by the entitlement policy or the guard, whichever the API server asks first.
    await refused(
      patch(bob, pool, { spec: { approval: null } }),
      /spec\.approval is missing|spec\.approval can't be removed on its own/,
    );
    await refused(
      patch(bob, pool, { spec: { approval: null, dedicatedCompute: { nodes: 3 } } }),
      /spec\.approval is missing: under Entitlement .* set spec\.approval\.reason/,
    );
    await refused(alice.create(AddOnResource, compute(uniqueName('dc'), null)), /spec\.approval is missing/);
  });

  it('records a change approved in the same request, and another owner approving it again', async () => {
    const before = await judged(pool, 'True');
    const changed = await patch(bob, pool, {
      spec: { approval: { reason: 'batch jobs need a third node' }, dedicatedCompute: { nodes: 3 } },
    });
    const a = await expectApproval(changed, 'bob', 'bob');
    expect(a.status?.approval?.digest).not.toBe(before.status?.approval?.digest);
    // Alice approves the settings bob asked for: only the approval changes.
    const approved = await patch(alice, pool, {
      spec: { approval: { reason: 'checked the capacity plan' } },
    });
    const b = await expectApproval(approved, 'bob', 'alice');
    expect(approvedCondition(b)?.message).toMatch(
      /^asked for by bob, approved by alice at generation \d+ \(spec sha256:/,
    );
  });

  it('lets no one approve who may not update the add-on', async () => {
    const mallory = admin.as({ user: 'mallory', groups: ['system:authenticated'] });
    const e = await refused(patch(mallory, pool, { spec: { approval: { reason: 'me too' } } }), /forbidden/i);
    expect(e.code).toBe(403);
  });
});

describe('four eyes (spec.obligations.addOnApproval: FourEyes)', () => {
  const pool = uniqueName('dc');
  const fourEyes =
    /four eyes \(Entitlement .*, spec\.obligations\.addOnApproval: FourEyes\): bob asked for the current settings/;

  beforeAll(async () => {
    await entitle('FourEyes');
    await waitFor('admission to ask for four eyes', () =>
      dryRunCreate(bob, compute(uniqueName('dc'))).then(
        () => false,
        (e: unknown) => e instanceof ApiError && /four eyes/.test(e.message),
      ),
    );
  });

  it('refuses an add-on approved by the owner who asks for it', async () => {
    const e = await refused(bob.create(AddOnResource, compute(pool)), fourEyes);
    expect(e.message).toMatch(/send the add-on or the change without spec\.approval \(null\)/);
  });

  it('takes the request without an approval, and holds it until another owner approves', async () => {
    const created = await bob.create<AddOn>(AddOnResource, compute(pool, null));
    expect(stamps(created)).toEqual({ requestedBy: 'bob', approvedBy: undefined, generation: undefined });
    const pending = await judged(pool, 'False');
    expect(approvedCondition(pending)).toMatchObject({ reason: 'NotApproved' });
    expect(approvedCondition(pending)?.message).toMatch(/asked for by bob wait for another owner's approval/);
    expect(pending.status?.approval).toBeUndefined();
  });

  it('refuses the requester approving their own request', async () => {
    const e = await refused(patch(bob, pool, { spec: { approval: { reason: 'trust me' } } }), fourEyes);
    expect(e.message).toMatch(/ask another owner of the tenant to set spec\.approval\.reason$/);
    await refused(
      patch(bob, pool, { metadata: { annotations: { [APPROVED_BY]: 'alice' } } }),
      /can only change together with spec\.approval/,
    );
  });

  it('refuses changing a request while it waits for approval', async () => {
    const e = await refused(
      patch(bob, pool, { spec: { dedicatedCompute: { nodes: 4 } } }),
      /spec\.dedicatedCompute\.nodes changed while the current settings wait for approval/,
    );
    expect(e.code).toBe(403);
  });

  it('records another owner’s approval of the requested settings', async () => {
    const approved = await patch(alice, pool, { spec: { approval: { reason: 'capacity plan checked' } } });
    await expectApproval(approved, 'bob', 'alice');
  });

  it('takes a change as a new request that withdraws the approval, and refuses self-approving it', async () => {
    await refused(
      patch(bob, pool, { spec: { approval: { reason: 'more' }, dedicatedCompute: { nodes: 2 } } }),
      fourEyes,
    );
    await refused(patch(bob, pool, { spec: { dedicatedCompute: { nodes: 2 } } }), settingsChange);
    await refused(patch(bob, pool, { spec: { approval: null } }), /can't be removed on its own/);
    const requested = await patch(bob, pool, { spec: { approval: null, dedicatedCompute: { nodes: 2 } } });
    expect(stamps(requested)).toEqual({ requestedBy: 'bob', approvedBy: undefined, generation: undefined });
    // Status no longer names alice for settings she did not see.
    const pending = await judged(pool, 'False');
    expect(pending.status?.approval).toBeUndefined();
    const approved = await patch(alice, pool, { spec: { approval: { reason: 'two nodes are fine' } } });
    const a = await expectApproval(approved, 'bob', 'alice');
    expect(a.spec.dedicatedCompute?.nodes).toBe(2);
  });

  it('holds add-ons their own requester approved before four eyes, until another owner approves', async () => {
    const earlier = (await admin.list<AddOn>(AddOnResource, { namespace: ns })).items.find(
      (a) => a.spec.type === 'AuditArchive',
    );
    const name = earlier?.metadata.name ?? '';
    expect(stamps(earlier as AddOn)).toMatchObject({ requestedBy: 'alice', approvedBy: 'alice' });
    const held = await judged(name, 'False');
    expect(approvedCondition(held)).toMatchObject({ reason: 'SelfApproved' });
    await expectApproval(
      await patch(bob, name, { spec: { approval: { reason: 'second pair of eyes' } } }),
      'alice',
      'bob',
    );
  });
});

describe('the reconcile, should admission be bypassed', () => {
  it('does not count an approval for an earlier generation', async () => {
    await entitle('AnyOwner');
    const name = uniqueName('dc');
    await waitFor('the add-on to be admitted', () =>
      alice.create(AddOnResource, compute(name)).then(
        () => true,
        () => false,
      ),
    );
    await judged(name, 'True');
    // A cluster admin removes the stamping policy's and the guard's bindings: a change of the
    // settings now gets through without a new approval.
    const bindings = [
      { type: Builtin.MutatingAdmissionPolicyBinding, name: 'tenantry.dev-addon-approver' },
      { type: Builtin.ValidatingAdmissionPolicyBinding, name: 'tenantry.dev-addon-approver-guard' },
    ];
    try {
      for (const b of bindings) await admin.delete(b.type, b.name);
      await waitFor('the change to get past admission', () =>
        patch(bob, name, { spec: { dedicatedCompute: { nodes: 4 } } }).then(
          () => true,
          () => false,
        ),
      );
      const a = await judged(name, 'False');
      expect(stamps(a)).toMatchObject({ approvedBy: 'alice', generation: '1' });
      expect(approvedCondition(a)).toMatchObject({ reason: 'ApprovalOutdated' });
      expect(approvedCondition(a)?.message).toBe(
        `alice's approval is for generation 1, the spec is at generation ${a.metadata.generation}: approve the current spec by changing spec.approval`,
      );
      expect(a.status?.approval).toBeUndefined();
    } finally {
      for (const b of bindings) {
        const manifest = staticAddonAdmission().find(
          (o) => o.kind === b.type.kind && o.metadata.name === b.name,
        );
        if (manifest) await apply(admin, b.type, manifest);
      }
    }
    await waitFor('the guard to be back', () =>
      dryRunPatch(bob, name, { spec: { dedicatedCompute: { nodes: 5 } } }).then(
        () => false,
        (e: unknown) => e instanceof ApiError && settingsChange.test(e.message),
      ),
    );
    await waitFor('the stamps to be back', async () => {
      const a = (await dryRunCreate(alice, compute(uniqueName('dc')))) as AddOn;
      return stamps(a).approvedBy === 'alice';
    });
  });
});
