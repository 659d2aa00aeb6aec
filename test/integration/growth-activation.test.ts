import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddOn, HealthStatus } from '../../operator/api/v1alpha1/index.ts';
import { AddOnResource, EntitlementResource, TenantResource } from '../../operator/api/v1alpha1/index.ts';
import { type GrowthEvent, GrowthEventType, growthEvent } from '../../operator/growth/events.ts';
import { growthLogName, readEvents } from '../../operator/growth/log.ts';
import { DEFAULT_NAMESPACE } from '../../operator/install/rbac.ts';
import { apply } from '../../operator/runtime/apply.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import { ApiError } from '../../operator/runtime/kube/errors.ts';
import type { AnyObject } from '../../operator/runtime/kube/object.ts';
import { Builtin } from '../../operator/runtime/kube/resource.ts';
import { tenantApiPath } from '../../operator/tenantapi/names.ts';
import { computeManifest, dryRunCreate, entitlementManifest } from '../support/addons.ts';
import {
  adminClient,
  startTestOperator,
  TEST_SHARD_LABEL,
  type TenantObject,
  tenantManifest,
  uniqueName,
  waitReady,
} from '../support/cluster.ts';
import { startTestProvider, type TestProvider } from '../support/oidc-provider.ts';
import { prepareTenantApi, type TestTenantApi } from '../support/tenant-api.ts';
import { type CertUser, certificateUsers } from '../support/users.ts';
import { waitFor } from '../support/wait.ts';

// The activation checklist with the whole operator, a real OpenID provider and owners who are
// real certificate users: each item completes only through its real action (an evidence export
// and a usage view through the tenant API, behind the API server's aggregation layer), and
// nothing a user (or an admin) writes into status or a log, nor another tenant's owner, counts.

const REDIRECT = 'https://console.example/callback';
const SECRET = 'growth-secret';

let admin: KubeClient;
let idp: TestProvider;
let api: TestTenantApi;
let users: Record<'alice' | 'bob' | 'mallory', CertUser> & { close(): void };
let stopOperator: () => Promise<void> = async () => {};
let probePort = 0;
// This file switches growth features off and on: its tenants are served by its operator only.
const SHARD = uniqueName('grow');
const shardTenant = (name: string, spec: Parameters<typeof tenantManifest>[1]) =>
  tenantManifest(name, spec, { [TEST_SHARD_LABEL]: SHARD });
const tenant = uniqueName('grow');
const other = uniqueName('grow-other');

async function startOperator(features?: string): Promise<void> {
  await stopOperator();
  const started = await startTestOperator(admin, {
    shard: SHARD,
    identityCa: idp.ca,
    tenantApi: api.operator,
    ...(features ? { features } : {}),
  });
  stopOperator = started.stop;
  probePort = started.op.probe?.port ?? 0;
}

beforeAll(async () => {
  admin = await adminClient();
  users = await certificateUsers(admin, { alice: [], bob: [], mallory: [] });
  idp = await startTestProvider({
    clients: [{ client_id: 'growth', client_secret: SECRET, redirect_uris: [REDIRECT] }],
  });
  api = await prepareTenantApi(admin);
  await startOperator();
  await api.register();
});

afterAll(async () => {
  // This file's operator is the only one serving its tenants: they go while it runs, and the
  // APIService goes before it (one whose server is gone holds up every namespace deletion).
  for (const t of [tenant, other]) {
    await admin.delete(TenantResource, t).catch(() => {});
    await admin.delete(EntitlementResource, t).catch(() => {});
  }
  await waitFor(
    'the tenants to be gone',
    async () => !(await admin.find(TenantResource, tenant)) && !(await admin.find(TenantResource, other)),
    { timeoutMs: 120_000 },
  ).catch((e: unknown) => console.error(e));
  await api?.unregister();
  await stopOperator();
  await idp?.stop();
  users?.close();
  admin.close();
});

const get = (name = tenant) => admin.get<TenantObject>(TenantResource, name);
const items = (t: TenantObject) =>
  Object.fromEntries((t.status?.activation?.items ?? []).map((i) => [i.name, i]));

/** An event as the tenant API would record it, for a log nobody but the operator may write. */
function action(type: string, forTenant: string, data: Record<string, unknown>): GrowthEvent<unknown> {
  const time = new Date(Math.floor(Date.now() / 1000) * 1000).toISOString();
  return growthEvent({
    tenant: forTenant,
    type,
    key: `${time}/${JSON.stringify(data)}`,
    time,
    data,
    origin: DEFAULT_NAMESPACE,
  });
}

/** A change of metadata: what makes the operator look at a Tenant whose status was changed. */
const nudgeReconcile = (name: string) =>
  admin.patch(
    TenantResource,
    name,
    undefined,
    { metadata: { annotations: { 'test/poke': String(Date.now()) } } },
    'merge',
  );

const countOf = (events: GrowthEvent<unknown>[], type: string) =>
  events.filter((e) => e.type === type).length;

describe('the activation checklist', () => {
  it('completes item by item through the real actions only', async () => {
    await apply(
      admin,
      TenantResource,
      shardTenant(tenant, {
        owners: [{ name: users.alice.name }, { name: users.bob.name }],
        identity: {
          issuer: idp.issuer,
          clientId: 'growth',
          redirectUri: REDIRECT,
          clientSecretRef: { name: 'idp' },
        },
      }),
    );
    await apply(admin, TenantResource, shardTenant(other, { owners: [{ name: users.mallory.name }] }));
    await waitFor('the system namespace', () => admin.find(Builtin.Namespace, `${tenant}-system`));
    await admin.create(Builtin.Secret, {
      metadata: { name: 'idp', namespace: `${tenant}-system` },
      stringData: { 'client-secret': SECRET },
    } as AnyObject);
    await waitReady(admin, tenant);

    // 1. Identity connected: the operator's own checks, nobody's name on it.
    const connected = await waitFor('identityConnected', async () => {
      const t = await get();
      return items(t).identityConnected?.done ? t : undefined;
    });
    expect(items(connected).identityConnected?.by).toBe('');
    expect(connected.status?.activation?.percent).toBe(25);

    // 2. Another tenant's owner is refused (403) and leaves nothing in this tenant's log; her
    // export of her own tenant's evidence counts there, and only there.
    for (const resource of ['evidence', 'usage'] as const) {
      const e = await users.mallory.client.request('GET', tenantApiPath(tenant, resource)).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(e, `mallory reading ${resource} of ${tenant}`).toBeInstanceOf(ApiError);
      expect((e as ApiError).code).toBe(403);
    }
    await users.mallory.client.request('GET', tenantApiPath(other, 'evidence'));
    expect(
      (await readEvents(admin, DEFAULT_NAMESPACE, tenant)).filter(
        (e) => e.type === GrowthEventType.EvidenceExported || e.type === GrowthEventType.UsageViewed,
      ),
    ).toEqual([]);
    // Nor can anyone but the operator write a log: not even a cluster admin.
    const forged = {
      metadata: {
        name: growthLogName(tenant, '2020-01-01'),
        namespace: DEFAULT_NAMESPACE,
        labels: { 'tenantry.dev/growth-log': '2020-01-01', 'tenantry.dev/tenant': tenant },
      },
      data: { 'events.json': JSON.stringify([action(GrowthEventType.UsageViewed, tenant, { by: 'alice' })]) },
    } as AnyObject;
    const refused = await admin.create(Builtin.ConfigMap, forged).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(ApiError);
    expect((refused as ApiError).code).toBe(403);

    // 3. A forged status: every item done by hand. The next reconcile recomputes the list.
    await admin.patch(
      TenantResource,
      tenant,
      undefined,
      {
        status: {
          activation: {
            percent: 100,
            completedAt: '2020-01-01T00:00:00Z',
            items: ['identityConnected', 'firstApproval', 'firstEvidenceExport', 'firstUsageView'].map(
              (name) => ({
                name,
                done: true,
                at: '2020-01-01T00:00:00Z',
                by: 'mallory',
              }),
            ),
          },
        },
      },
      'merge',
      { subresource: 'status' },
    );
    await nudgeReconcile(tenant);
    const repaired = await waitFor('the forged checklist to be overwritten', async () => {
      const t = await get();
      return t.status?.activation?.percent === 25 ? t : undefined;
    });
    expect(items(repaired).firstEvidenceExport).toEqual({ name: 'firstEvidenceExport', done: false });
    expect(items(repaired).identityConnected?.at).toBe(items(connected).identityConnected?.at);
    expect(repaired.status?.activation?.completedAt).toBeUndefined();
    expect(items(repaired).firstUsageView?.done).toBe(false);
    const theirs = await waitFor("the other tenant's evidence export", async () => {
      const t = await get(other);
      return items(t).firstEvidenceExport?.done ? t : undefined;
    });
    expect(items(theirs).firstEvidenceExport?.by).toBe(users.mallory.name);

    // 4. The first privileged approval, as admission stamped it on alice's add-on.
    await apply(
      admin,
      EntitlementResource,
      entitlementManifest(tenant, { allowedAddOns: ['DedicatedCompute'], quotas: { dedicatedNodes: 10 } }),
    );
    const alice = users.alice.client;
    const addon = computeManifest(`${tenant}-system`, 'pool', {
      approval: 'noisy neighbours',
      candidates: { 'example.com/no-such-pool': 'x' },
    });
    await waitFor('the Entitlement to admit add-ons', () =>
      dryRunCreate(alice, addon).then(
        () => true,
        () => false,
      ),
    );
    await alice.create<AddOn>(AddOnResource, addon);
    const approved = await waitFor('firstApproval', async () => {
      const t = await get();
      return items(t).firstApproval?.done ? t : undefined;
    });
    expect(items(approved).firstApproval?.by).toBe(users.alice.name);

    // 5. Evidence exported by alice, usage viewed by bob, through the tenant API.
    await users.alice.client.request('GET', tenantApiPath(tenant, 'evidence'));
    await waitFor('the Entitlement to have a ledger', async () =>
      users.bob.client.request('GET', tenantApiPath(tenant, 'usage')).then(
        () => true,
        () => false,
      ),
    );
    const done = await waitFor('the checklist complete', async () => {
      const t = await get();
      return t.status?.activation?.completedAt ? t : undefined;
    });
    expect(done.status?.activation?.percent).toBe(100);
    expect(items(done).firstEvidenceExport?.by).toBe(users.alice.name);
    expect(items(done).firstUsageView?.by).toBe(users.bob.name);
    expect(done.status?.activation?.completedAt).toBe(items(done).firstUsageView?.at);

    // The log holds each item once, the milestones, and the Events say so.
    const log = await readEvents(admin, DEFAULT_NAMESPACE, tenant);
    expect(countOf(log, GrowthEventType.ActivationItemDone)).toBe(4);
    expect(countOf(log, GrowthEventType.ActivationCompleted)).toBe(1);
    expect(countOf(log, GrowthEventType.TenantCreated)).toBe(1);
    expect(countOf(log, GrowthEventType.FirstAddOn)).toBe(1);
    expect(countOf(log, GrowthEventType.ReceiptSigned)).toBe(done.status?.receipts?.length);
    const reasons = await waitFor('the milestone Events', async () => {
      const list = await admin.list<AnyObject & { reason?: string }>(Builtin.Event, {
        namespace: 'default',
        fieldSelector: `involvedObject.kind=Tenant,involvedObject.name=${tenant}`,
      });
      const seen = new Set(list.items.map((e) => e.reason));
      return ['TenantCreated', 'ActivationItemDone', 'ActivationCompleted', 'FirstAddOn'].every((r) =>
        seen.has(r),
      )
        ? seen
        : undefined;
    });
    expect(reasons.has('ActivationCompleted')).toBe(true);
    const metrics = await (await fetch(`http://127.0.0.1:${probePort}/metrics`)).text();
    expect(metrics).toMatch(/tenantry_activation_items_completed_total\{item="firstUsageView"\} [1-9]/);
    expect(metrics).toMatch(/tenantry_activation_completed_seconds_count [1-9]/);
  });

  it('shows a health score whose contributions add up, with the components that have no data dropped', async () => {
    const t = await waitFor('a health score', async () => {
      const got = await get();
      return got.status?.health?.components.find((c) => c.name === 'activation')?.score === 100
        ? got
        : undefined;
    });
    const h = t.status?.health as HealthStatus;
    expect(h.formulaVersion).toBe('v1');
    expect(h.components.reduce((s, c) => s + (c.contributionHundredths ?? 0), 0)).toBe(h.scoreHundredths);
    expect(h.score).toBe(Math.floor((h.scoreHundredths + 50) / 100));
    const byName = Object.fromEntries(h.components.map((c) => [c.name, c]));
    expect(byName.domain?.missing).toBe('no domain (spec.domain)');
    expect(byName.nudges?.score ?? byName.nudges?.missing).toBeDefined();
    expect(h.renormalised).toBe(true);
    const present = h.components.filter((c) => c.effectiveWeight !== undefined);
    expect(present.reduce((s, c) => s + (c.effectiveWeight ?? 0), 0)).toBe(100);
    expect(byName.identity?.score).toBe(100);
    expect(byName.activity?.raw).toMatch(
      /^running pods in 0\/1 namespaces; metered usage in 7 days: none; 2 tenant API actions in 7 days$/,
    );
  });

  it('is switched off and on again without losing or doubling anything', async () => {
    const before = await get();
    const logBefore = await readEvents(admin, DEFAULT_NAMESPACE, tenant);
    await startOperator('activationChecklist=false,growthInstrumentation=false');
    const off = await waitFor('the growth fields to go', async () => {
      const t = await get();
      return !t.status?.activation && !t.status?.health ? t : undefined;
    });
    expect(off.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('True');
    const metricsOff = await (await fetch(`http://127.0.0.1:${probePort}/metrics`)).text();
    expect(metricsOff).not.toContain('tenantry_activation_items_completed_total');
    expect(metricsOff).not.toContain('tenantry_cohort_tenants');

    await startOperator();
    const on = await waitFor('the checklist back', async () => {
      const t = await get();
      return t.status?.activation?.completedAt && t.status.health ? t : undefined;
    });
    expect(on.status?.activation).toEqual(before.status?.activation);
    const logAfter = await readEvents(admin, DEFAULT_NAMESPACE, tenant);
    expect(logAfter.map((e) => e.id).sort()).toEqual(logBefore.map((e) => e.id).sort());
  });
});
