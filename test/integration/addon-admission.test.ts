import https from 'node:https';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { AddOn, Entitlement } from '../../operator/api/v1alpha1/index.ts';
import { AddOnResource, EntitlementResource, TenantResource } from '../../operator/api/v1alpha1/index.ts';
import { apply } from '../../operator/runtime/apply.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import { ApiError } from '../../operator/runtime/kube/errors.ts';
import type { KubeObject } from '../../operator/runtime/kube/object.ts';
import { Builtin } from '../../operator/runtime/kube/resource.ts';
import { archiveManifest, computeManifest, dryRunCreate, entitlementManifest } from '../support/addons.ts';
import { adminClient, startTestOperator, tenantManifest, uniqueName, waitReady } from '../support/cluster.ts';
import { waitFor } from '../support/wait.ts';

type AddOnObject = AddOn;
type EntitlementObject = Entitlement;

let admin: KubeClient;
let stopOperator: () => Promise<void>;
let probePort = 0;
let tenant: string;
let ns: string;
let alice: KubeClient;
let bob: KubeClient;

beforeAll(async () => {
  admin = await adminClient();
  // The operator also receives the API server's audit events, to record denials.
  const started = await startTestOperator(admin, { denialAudit: true });
  stopOperator = started.stop;
  probePort = started.op.probe?.port ?? 0;
  tenant = uniqueName('ent');
  ns = `${tenant}-system`;
  await apply(
    admin,
    TenantResource,
    tenantManifest(tenant, { owners: [{ name: 'alice' }, { name: 'bob' }] }),
  );
  await waitReady(admin, tenant);
  alice = admin.as({ user: 'alice', groups: ['system:authenticated'] });
  bob = admin.as({ user: 'bob', groups: ['system:authenticated'] });
});

afterAll(async () => {
  await admin.delete(TenantResource, tenant).catch(() => {});
  await admin.delete(EntitlementResource, tenant).catch(() => {});
  await stopOperator();
  admin.close();
});

/** POSTs an empty audit EventList to the operator's denial receiver; returns the status. */
function postAudit(token: string): Promise<number | undefined> {
  return new Promise((resolve, reject) => {
    const req = https.request(
      {
        host: '127.0.0.1',
        port: inject('denialAudit').port,
        path: '/audit',
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        rejectUnauthorized: false,
      },
      (res) => {
        res.resume();
        resolve(res.statusCode);
      },
    );
    req.on('error', reject);
    req.end('{"kind":"EventList","items":[]}');
  });
}

const compute = (name: string, nodes: number): AddOnObject => computeManifest(ns, name, { nodes });

const archive = (name: string, retentionDays: number): AddOnObject =>
  archiveManifest(ns, name, { retentionDays });

async function refused(p: Promise<unknown>): Promise<ApiError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, 'the request should have been refused').toBeInstanceOf(ApiError);
  return e as ApiError;
}

async function entitle(spec: Partial<Entitlement['spec']>): Promise<void> {
  await apply(admin, EntitlementResource, entitlementManifest(tenant, spec));
}

describe('add-on admission', () => {
  it('refuses an add-on when the tenant has no Entitlement', async () => {
    // Refused from the start; right after install the API server may still be loading the
    // policies (it then refuses with another message, failurePolicy Fail), so wait for ours.
    await refused(dryRunCreate(alice, compute(uniqueName('dc'), 1)));
    const e = await waitFor('the no-Entitlement refusal', async () => {
      const err = await refused(dryRunCreate(alice, compute(uniqueName('dc'), 1)));
      return /has no Entitlement/.test(err.message) ? err : false;
    });
    expect(e.message).toMatch(/ask the platform team/);
  });

  it('refuses an add-on the Entitlement does not grant, and allows it once granted', async () => {
    await entitle({ allowedAddOns: ['AuditArchive'], quotas: { dedicatedNodes: 2 } });
    // The operator labels the namespace and binds the Entitlement; admission follows.
    const denial = await waitFor('admission to use the Entitlement', async () => {
      const e = await refused(dryRunCreate(alice, compute(uniqueName('dc'), 1)));
      return /not granted by Entitlement/.test(e.message) ? e : false;
    });
    expect(denial.message).toMatch(
      /add-on DedicatedCompute is not granted by Entitlement .* \(granted: AuditArchive\)/,
    );

    await entitle({ allowedAddOns: ['AuditArchive', 'DedicatedCompute'], quotas: { dedicatedNodes: 2 } });
    await waitFor('DedicatedCompute to be admitted', () =>
      dryRunCreate(alice, compute(uniqueName('dc'), 2)).then(
        () => true,
        () => false,
      ),
    );
    const created = await alice.create<AddOnObject>(AddOnResource, compute(uniqueName('dc'), 2));
    expect(created.metadata.annotations?.['tenantry.dev/approved-by']).toBe('alice');
  });

  it('refuses a quota overrun and a broken retention obligation', async () => {
    await entitle({ allowedAddOns: ['AuditArchive', 'DedicatedCompute'], quotas: { dedicatedNodes: 2 } });
    await waitFor('the grant to be in force', async () =>
      dryRunCreate(alice, compute(uniqueName('dc'), 1)).then(
        () => true,
        () => false,
      ),
    );
    const quota = await refused(alice.create(AddOnResource, compute(uniqueName('dc'), 3)));
    expect(quota.message).toMatch(/spec\.dedicatedCompute\.nodes: 3 exceeds the quota of 2 dedicated nodes/);
    const retention = await refused(alice.create(AddOnResource, archive(uniqueName('aa'), 30)));
    expect(retention.message).toMatch(/requires at least 365 days, got 30/);
    await alice.create(AddOnResource, archive(uniqueName('aa'), 400));
  });

  it('records the authenticated approver and refuses a forged one', async () => {
    await entitle({ allowedAddOns: ['AuditArchive', 'DedicatedCompute'], quotas: { dedicatedNodes: 10 } });
    const name = uniqueName('dc');
    const forged = compute(name, 1);
    forged.metadata.annotations = { 'tenantry.dev/approved-by': 'the-ceo' };
    await waitFor('the add-on to be admitted', () =>
      dryRunCreate(bob, compute(uniqueName('dc'), 1)).then(
        () => true,
        () => false,
      ),
    );
    const created = await bob.create<AddOnObject>(AddOnResource, forged);
    // Whatever was written, the approver is who made the request.
    expect(created.metadata.annotations?.['tenantry.dev/approved-by']).toBe('bob');
    // Changing the recorded approver without approving anew is refused.
    const e = await refused(
      alice.patch(
        AddOnResource,
        name,
        ns,
        { metadata: { annotations: { 'tenantry.dev/approved-by': 'alice' } } },
        'merge',
      ),
    );
    expect(e.message).toMatch(/can only change together with spec.approval/);
    // Approving anew records the new approver.
    const reapproved = await alice.patch<AddOnObject>(
      AddOnResource,
      name,
      ns,
      { spec: { approval: { reason: 'renewed' } } },
      'merge',
    );
    expect(reapproved.metadata.annotations?.['tenantry.dev/approved-by']).toBe('alice');
    // Someone who is not an owner cannot approve at all.
    const mallory = admin.as({ user: 'mallory', groups: ['system:authenticated'] });
    expect((await refused(mallory.create(AddOnResource, compute(uniqueName('dc'), 1)))).code).toBe(403);
  });

  it('reports usage against quota on the Entitlement', async () => {
    const e = await waitFor('usage on the Entitlement', async () => {
      const got = await admin.get<EntitlementObject>(EntitlementResource, tenant);
      return got.status?.usage?.dedicatedNodes === 3 ? got : false;
    });
    // Two nodes, one archive, then one more node each from the approver test: within quota 10.
    expect(e.status?.usage).toMatchObject({ dedicatedNodes: 3, auditArchives: 1 });
    expect(e.status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({ status: 'True' });
    expect(
      await admin.find(Builtin.ValidatingAdmissionPolicyBinding, `tenantry.dev-addon-entitlement-${tenant}`),
    ).toBeDefined();
  });

  it.skipIf(!inject('denialAudit').port)('records every denial as an Event and a metric', async () => {
    const metric = async () => {
      const text = await (await fetch(`http://127.0.0.1:${probePort}/metrics`)).text();
      const line = text
        .split('\n')
        .find((l) =>
          l.startsWith('tenantry_admission_denials_total{policy="tenantry.dev-addon-entitlement"}'),
        );
      return Number(line?.split(' ').pop() ?? 0);
    };
    const before = await metric();
    // bob has not been refused by this policy yet: his first refusal becomes an Event.
    const name = uniqueName('dc');
    const e = await refused(bob.create(AddOnResource, compute(name, 11)));
    expect(e.message).toMatch(/exceeds the quota/);
    type Event = KubeObject & {
      reason?: string;
      message?: string;
      type?: string;
      involvedObject?: { kind?: string };
    };
    const event = await waitFor('the AdmissionDenied Event', async () => {
      const events = (await admin.list<Event>(Builtin.Event, { namespace: ns })).items;
      return events.find((e) => e.reason === 'AdmissionDenied' && e.message?.includes(name)) ?? false;
    });
    expect(event.type).toBe('Warning');
    expect(event.involvedObject?.kind).toBe('AddOn');
    expect(event.message).toMatch(
      new RegExp(
        `^bob was refused create addons ${name}: .*exceeds the quota of 10 dedicated nodes.*\\(policy tenantry\\.dev-addon-entitlement\\)$`,
      ),
    );
    // A second refusal right after counts, but is folded into the next Event, not a new one.
    await refused(bob.create(AddOnResource, compute(uniqueName('dc'), 12)));
    await waitFor('both refusals counted', async () => (await metric()) >= before + 2);
    const bobs = (await admin.list<Event>(Builtin.Event, { namespace: ns })).items.filter(
      (x) => x.reason === 'AdmissionDenied' && x.message?.startsWith('bob was refused create addons'),
    );
    expect(bobs).toHaveLength(1);
    // Only the API server, with its token, may feed denials in.
    const forged = await postAudit('not-the-token');
    expect(forged).toBe(401);
  });

  it('refuses add-ons again once the Entitlement is withdrawn', async () => {
    await admin.delete(EntitlementResource, tenant);
    // Refused as soon as the API server's policy cache sees the Entitlement terminating
    // (milliseconds; a request racing the delete itself may still pass, and the reconcile
    // then reports Entitled=False) ...
    await waitFor('the terminating Entitlement to refuse', () =>
      dryRunCreate(alice, archive(uniqueName('aa'), 400)).then(
        () => false,
        () => true,
      ),
    );
    // ... and, once the binding and the namespace label are cleaned up, with the plain reason.
    const e = await waitFor(
      'admission to refuse without the Entitlement',
      async () => {
        const err = await refused(dryRunCreate(alice, archive(uniqueName('aa'), 400)));
        return /has no Entitlement/.test(err.message) ? err : false;
        // The binding goes with the Entitlement through the garbage collector, which can take
        // tens of seconds; every request in between is refused all the same.
      },
      { timeoutMs: 150_000 },
    );
    expect(e.message).toMatch(/ask the platform team/);
  }, 200_000);
});
