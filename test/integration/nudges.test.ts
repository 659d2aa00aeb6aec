import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemNamespaceOf } from '../../operator/api/names.ts';
import { TenantResource } from '../../operator/api/v1alpha1/index.ts';
import { GrowthEventType } from '../../operator/growth/events.ts';
import { readEvents } from '../../operator/growth/log.ts';
import { type NudgeSettings, parseNudgeConfig } from '../../operator/growth/nudges/config.ts';
import { deliveriesIn, NUDGE_EVENT_TYPE } from '../../operator/growth/nudges/records.ts';
import { writePreferences } from '../../operator/growth/preferences.ts';
import { CLUSTERROLE_TENANT_AUDITOR, DEFAULT_NAMESPACE } from '../../operator/install/rbac.ts';
import { apply } from '../../operator/runtime/apply.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import type { ConfigMap } from '../../operator/runtime/kube/core.ts';
import type { KubeObject } from '../../operator/runtime/kube/object.ts';
import { Builtin } from '../../operator/runtime/kube/resource.ts';
import { tenantApiPath } from '../../operator/tenantapi/names.ts';
import { tenantry } from '../support/cli.ts';
import {
  adminClient,
  operatorClient,
  startTestOperator,
  TEST_SHARD_LABEL,
  type TenantObject,
  tenantManifest,
  uniqueName,
} from '../support/cluster.ts';
import { prepareTenantApi, type TestTenantApi } from '../support/tenant-api.ts';
import { type CertUser, certificateUsers } from '../support/users.ts';
import { waitFor } from '../support/wait.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

/**
 * Admin nudges end to end: a real operator with a nudges configuration (every nudge at once,
 * capped at one an hour), a real HTTPS receiver on loopback that checks signatures and fails
 * the first attempt of every event, and real users (client certificates): the tenants' owners,
 * an outsider, another tenant's owner and an auditor; evidence is exported through the tenant
 * API. The activation checklist is off, so finishSetup follows Ready alone; milestones are on,
 * for "nudge acted on".
 */
const SECRET = randomBytes(24).toString('hex');
const FEATURES = 'activationChecklist=false';
const ALL = ['finishSetup', 'setQuotas', 'exportEvidence', 'inviteAuditor'];

type EventObject = KubeObject & {
  reason?: string;
  message?: string;
  involvedObject?: { kind?: string; name?: string };
};

let admin: KubeClient;
let operator: KubeClient;
let api: TestTenantApi;
let receiver: WebhookReceiver;
let users: Record<'alice' | 'bob' | 'carol' | 'audrey', CertUser> & { close(): void };
let stop: (() => Promise<void>) | undefined;
let metricsPort = 0;
let dir: string;
// This file's tenants are served by its operator only, which runs nudge timings no other test does.
const SHARD = uniqueName('nudges');
const shardTenant = (name: string, spec: Parameters<typeof tenantManifest>[1]) =>
  tenantManifest(name, spec, { [TEST_SHARD_LABEL]: SHARD });
const A = uniqueName('nudge-a');
const B = uniqueName('nudge-b');
const C = uniqueName('nudge-c');
const D = uniqueName('nudge-d');
const group = uniqueName('acme-admins');

function settings(extra = ''): NudgeSettings {
  // finishSetup waits a little: every new tenant is not Ready for its first moments.
  const nudges = ALL.map((n) => `  ${n}: { after: ${n === 'finishSetup' ? '10s' : '0s'}, every: 1h }`).join(
    '\n',
  );
  const yaml = `nudges:\n${nudges}
receivers:
  - { name: crm, url: "${receiver.url}", secretFile: crm.secret, caFile: ca.pem }
endpointAllow: [127.0.0.1/32]
retry: { attempts: 4, initialBackoff: 500ms, maxBackoff: 2s }
timeout: 5s
${extra}`;
  writeFileSync(path.join(dir, 'nudges.yaml'), yaml);
  return parseNudgeConfig(yaml, (f) => readFileSync(path.join(dir, f), 'utf8'));
}

async function startOperator(features: string, nudges: NudgeSettings): Promise<void> {
  const started = await startTestOperator(admin, { shard: SHARD, features, nudges, tenantApi: api.operator });
  stop = started.stop;
  metricsPort = started.op.probe?.port ?? 0;
}

async function stopOperator(): Promise<void> {
  await stop?.();
  stop = undefined;
}

/** A: regulated, owned by alice and a group she is in. */
const applyA = (extra: Partial<TenantObject['spec']> = {}) =>
  apply(
    admin,
    TenantResource,
    shardTenant(A, {
      policyProfile: 'regulated',
      retentionDays: 400,
      owners: [{ name: users.alice.name }, { kind: 'Group', name: group }],
      ...extra,
    }),
  );
const tenant = (name: string) => admin.get<TenantObject>(TenantResource, name);
const activeOf = async (name: string) => (await tenant(name)).status?.nudges?.active ?? [];
const deliveries = async (name: string) => deliveriesIn(await readEvents(admin, DEFAULT_NAMESPACE, name));
const received = (name: string) => [...receiver.accepted().values()].filter((e) => e.subject === name);
const nudgeEvents = async (client: KubeClient, namespace: string) =>
  (await client.list<EventObject>(Builtin.Event, { namespace })).items.filter((e) => e.reason === 'Nudge');
const refused = (p: Promise<unknown>) =>
  p.then(
    () => 'allowed',
    (e: { code?: number }) => e.code,
  );
const metrics = async () => (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();

/** Waits until every channel of each (tenant, nudge) has a record with this outcome (and reason). */
const logged = (list: Array<[string, string]>, outcome: string, reason?: string) =>
  waitFor(
    `${outcome}${reason ? ` (${reason})` : ''} for ${list.map((x) => x.join('/')).join(', ')} on both channels`,
    async () => {
      for (const [t, nudge] of list) {
        const recs = (await deliveries(t)).filter(
          (r) =>
            r.data.nudge === nudge && r.data.outcome === outcome && (!reason || r.data.reason === reason),
        );
        if (new Set(recs.map((r) => r.data.channel)).size < 2) return false;
      }
      return true;
    },
    { timeoutMs: 60_000 },
  );

beforeAll(async () => {
  admin = await adminClient();
  operator = await operatorClient(admin);
  dir = mkdtempSync(path.join(os.tmpdir(), 'tenantry-nudges-'));
  users = await certificateUsers(admin, { alice: [group], bob: [], carol: [], audrey: [] });
  receiver = await startWebhookReceiver({
    secret: SECRET,
    // The first attempt of every event fails: each delivery takes a retry.
    answer: (_e, earlier) => (earlier.length ? 204 : 503),
  });
  writeFileSync(path.join(dir, 'crm.secret'), `${SECRET}\n`);
  writeFileSync(path.join(dir, 'ca.pem'), receiver.ca);
  // Bob opted out of exportEvidence through the tenant API before his tenant existed.
  await writePreferences(operator, DEFAULT_NAMESPACE, B, {
    by: users.bob.name,
    at: new Date().toISOString(),
    optOutAll: false,
    optOut: ['exportEvidence'],
  });
  api = await prepareTenantApi(admin);
  await startOperator(FEATURES, settings());
  await api.register();
});

afterAll(async () => {
  // This file's operator is the only one serving its tenants: they go while it runs, and the
  // APIService goes before it (one whose server is gone holds up every namespace deletion).
  for (const t of [A, B, C, D]) await admin.delete(TenantResource, t).catch(() => {});
  if (!stop) await startOperator(FEATURES, settings());
  await waitFor(
    'the tenants to be gone',
    async () => (await Promise.all([A, B, C, D].map((t) => admin.find(TenantResource, t)))).every((t) => !t),
    { timeoutMs: 120_000 },
  ).catch((e: unknown) => console.error(e));
  await api?.unregister();
  await stopOperator();
  await receiver?.close();
  users?.close();
  operator?.close();
  admin?.close();
});

describe('admin nudges', () => {
  it('fire for the tenants they target and reach only their owners, on Events and signed webhooks with retries', async () => {
    await applyA();
    // B is not Ready: its identity provider does not answer.
    await apply(
      admin,
      TenantResource,
      shardTenant(B, {
        owners: [{ name: users.bob.name }],
        identity: {
          issuer: 'https://127.0.0.1:1',
          clientId: 'tenantry',
          redirectUri: 'https://console.example/cb',
        },
      }),
    );
    await apply(
      admin,
      TenantResource,
      shardTenant(C, { owners: [{ name: users.carol.name }], nudges: { optOut: true } }),
    );

    await waitFor('the nudges in force on A and B', async () => {
      const [a, b] = await Promise.all([activeOf(A), activeOf(B)]);
      return (
        a.map((n) => n.name).join() === 'setQuotas,exportEvidence,inviteAuditor' &&
        b.map((n) => n.name).join() === 'finishSetup,setQuotas,exportEvidence'
      );
    });
    const b = await activeOf(B);
    expect(b.find((n) => n.name === 'finishSetup')?.message).toMatch(
      /not Ready yet \(.*\); `kubectl get events -n /,
    );
    expect((await activeOf(A)).find((n) => n.name === 'inviteAuditor')?.message).toContain(
      `--clusterrole=${CLUSTERROLE_TENANT_AUDITOR}`,
    );

    const sent: Array<[string, string]> = [
      [A, 'setQuotas'],
      [A, 'exportEvidence'],
      [A, 'inviteAuditor'],
      [B, 'finishSetup'],
      [B, 'setQuotas'],
    ];
    await logged(sent, 'sent');
    // Every webhook delivery failed once (HTTP 503) and went through on the retry.
    for (const [t, nudge] of sent) {
      const hook = (await deliveries(t)).filter(
        (r) => r.data.nudge === nudge && r.data.channel === 'webhook:crm',
      );
      expect(hook.map((r) => [r.data.attempt, r.data.outcome, r.data.httpStatus])).toEqual([
        [1, 'failed', 503],
        [2, 'sent', 204],
      ]);
    }

    // What the receiver got: one event per nudge, signed, CloudEvents 1.0, named for the owners only.
    expect(receiver.requests.every((r) => r.badSignature === undefined)).toBe(true);
    expect(receiver.requests.every((r) => r.idempotencyKey === r.event.id)).toBe(true);
    expect(receiver.requests[0]?.contentType).toBe('application/cloudevents+json; charset=utf-8');
    const forA = received(A);
    expect(forA.map((e) => e.data.nudge).sort()).toEqual(['exportEvidence', 'inviteAuditor', 'setQuotas']);
    for (const e of forA) {
      expect(e).toMatchObject({
        specversion: '1.0',
        type: NUDGE_EVENT_TYPE,
        subject: A,
        source: `tenantry://${DEFAULT_NAMESPACE}/tenants/${A}`,
      });
      expect(e.data.recipients).toEqual([
        { kind: 'User', name: users.alice.name },
        { kind: 'Group', name: group },
      ]);
    }
    expect(received(B).map((e) => e.data.recipients)).toEqual([
      [{ kind: 'User', name: users.bob.name }],
      [{ kind: 'User', name: users.bob.name }],
    ]);
    expect(received(C)).toEqual([]);

    // Events: in the system namespace, which the owners read and nobody else does.
    const sysA = systemNamespaceOf(A);
    const seen = await waitFor('the nudge Events alice sees', async () => {
      const list = await nudgeEvents(users.alice.client, sysA);
      return list.length === 3 ? list : false;
    });
    expect(seen.map((e) => e.message?.split(':')[0]).sort()).toEqual([
      'exportEvidence',
      'inviteAuditor',
      'setQuotas',
    ]);
    expect(await refused(users.bob.client.list(Builtin.Event, { namespace: sysA }))).toBe(403);
    expect(await refused(users.carol.client.list(Builtin.Event, { namespace: sysA }))).toBe(403);
    expect((await nudgeEvents(users.bob.client, systemNamespaceOf(B))).length).toBe(2);
    // ...and on the Tenant, for the platform.
    const onTenant = (await nudgeEvents(admin, 'default')).filter((e) => e.involvedObject?.name === A);
    expect(onTenant.length).toBe(3);

    // Status says when each was delivered; the metrics count every record.
    const a = await waitFor('lastDeliveredAt on A', async () => {
      const list = await activeOf(A);
      return list.every((n) => n.lastDeliveredAt) ? list : false;
    });
    expect(a.every((n) => n.suppressed === undefined)).toBe(true);
    console.info(JSON.stringify({ nudges: { active: a } }, null, 2), JSON.stringify(forA[0], null, 2));
    const text = await metrics();
    expect(text).toMatch(
      /tenantry_nudges_total\{nudge="setQuotas",channel="webhook:crm",outcome="failed"\} [2-9]/,
    );
    expect(text).toMatch(/tenantry_nudges_total\{nudge="setQuotas",channel="event",outcome="sent"\} [2-9]/);
  });

  it("respect the tenant admins' opt-out and the platform's, logging what they hold back", async () => {
    await logged([[B, 'exportEvidence']], 'suppressed', 'optOut');
    const held = (await deliveries(B)).filter((r) => r.data.nudge === 'exportEvidence');
    expect(held.every((r) => r.data.optedOutBy === users.bob.name)).toBe(true);
    expect(received(B).some((e) => e.data.nudge === 'exportEvidence')).toBe(false);
    expect((await activeOf(B)).find((n) => n.name === 'exportEvidence')).toMatchObject({
      suppressed: 'optOut',
    });

    await logged(
      [
        [C, 'setQuotas'],
        [C, 'exportEvidence'],
      ],
      'suppressed',
      'optOut',
    );
    expect(
      (await deliveries(C)).every(
        (r) => r.data.outcome === 'suppressed' && r.data.optedOutBy === 'spec.nudges.optOut',
      ),
    ).toBe(true);
    expect(await nudgeEvents(admin, systemNamespaceOf(C))).toEqual([]);
    expect(received(C)).toEqual([]);
  });

  it('resolve by themselves once their condition is met, by the real action', async () => {
    const sysA = systemNamespaceOf(A);
    await applyA({ quota: { hard: { 'requests.cpu': '8' } } });
    // Alice exports the evidence through the tenant API, which records it: that resolves exportEvidence.
    await users.alice.client.request('GET', tenantApiPath(A, 'evidence'));
    await apply(admin, Builtin.RoleBinding, {
      apiVersion: 'rbac.authorization.k8s.io/v1',
      kind: 'RoleBinding',
      metadata: { name: 'tenantry-auditor', namespace: sysA },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: CLUSTERROLE_TENANT_AUDITOR,
      },
      subjects: [{ apiGroup: 'rbac.authorization.k8s.io', kind: 'User', name: users.audrey.name }],
    } as KubeObject);
    await apply(admin, TenantResource, shardTenant(B, { owners: [{ name: users.bob.name }] }));
    await waitFor('A and B to have no nudge left but B setQuotas and exportEvidence', async () => {
      const [a, b] = await Promise.all([activeOf(A), activeOf(B)]);
      return a.length === 0 && b.map((n) => n.name).join() === 'setQuotas,exportEvidence';
    });
    // Each delivered nudge resolved by an action is a milestone, once, in the log and as an Event.
    const actedOn = await waitFor('the acted-on milestones of A', async () => {
      const got = (await readEvents(admin, DEFAULT_NAMESPACE, A)).filter(
        (e) => e.type === GrowthEventType.NudgeActedOn,
      );
      return got.length >= 3 ? got : undefined;
    });
    expect(actedOn.map((e) => (e.data as { nudge: string }).nudge).sort()).toEqual([
      'exportEvidence',
      'inviteAuditor',
      'setQuotas',
    ]);
    const onTenant = await waitFor('NudgeActedOn Events on A', async () => {
      const list = await admin.list<EventObject>(Builtin.Event, {
        namespace: 'default',
        fieldSelector: `involvedObject.kind=Tenant,involvedObject.name=${A},reason=NudgeActedOn`,
      });
      return list.items.length >= 3 ? list.items : undefined;
    });
    expect(onTenant.map((e) => e.message).join('\n')).toMatch(/nudge setQuotas \(delivered .*\) acted on/);

    // The auditor reads the receipts and evidence, and neither the nudges nor anything else.
    const receipts = (await users.audrey.client.list<ConfigMap>(Builtin.ConfigMap, { namespace: sysA }))
      .items;
    expect(receipts.some((cm) => cm.metadata.name?.startsWith('receipt-'))).toBe(true);
    expect(await refused(users.audrey.client.list(Builtin.Event, { namespace: sysA }))).toBe(403);
    expect(await refused(users.audrey.client.list(Builtin.Secret, { namespace: sysA }))).toBe(403);
    expect(
      await refused(
        users.audrey.client.create(Builtin.ConfigMap, { metadata: { name: 'x', namespace: sysA } }),
      ),
    ).toBe(403);
  });

  it('are capped: one that fires again within the period is held back', async () => {
    const before = received(A).length;
    await applyA();
    await logged([[A, 'setQuotas']], 'suppressed', 'cap');
    expect(
      await waitFor('setQuotas on A, capped', async () => (await activeOf(A))[0]?.suppressed === 'cap'),
    ).toBe(true);
    expect(received(A).length).toBe(before);
  });

  it('go away with adminNudges off and come back on without a second delivery', async () => {
    const requests = receiver.requests.length;
    await stopOperator();
    await startOperator(`${FEATURES},adminNudges=false`, settings());
    await waitFor('status.nudges to be gone from A and B', async () => {
      const [a, b] = await Promise.all([tenant(A), tenant(B)]);
      return a.status?.nudges === undefined && b.status?.nudges === undefined;
    });
    expect(await metrics()).not.toContain('tenantry_nudges_total');

    await stopOperator();
    await startOperator(FEATURES, settings());
    // Back on, the nudges still in force start again: within the period of their last delivery, capped.
    await logged(
      [
        [A, 'setQuotas'],
        [B, 'setQuotas'],
      ],
      'suppressed',
      'cap',
    );
    expect((await activeOf(B)).map((n) => n.name)).toEqual(['setQuotas', 'exportEvidence']);
    expect(receiver.requests.length).toBe(requests);

    const table = await tenantry(['nudges', 'log', '--tenant', A]);
    expect(table.code, table.stderr).toBe(0);
    console.info(table.stdout);
    const json = await tenantry(['nudges', 'log', '--tenant', A, '-o', 'json']);
    console.info(json.stdout.slice(0, 1200));
    const rows = (
      JSON.parse(json.stdout) as { deliveries: Array<{ eventId: string; channel: string; outcome: string }> }
    ).deliveries;
    const sentIds = new Set(
      rows.filter((r) => r.channel === 'webhook:crm' && r.outcome === 'sent').map((r) => r.eventId),
    );
    expect([...sentIds].sort()).toEqual(
      received(A)
        .map((e) => e.id)
        .sort(),
    );
  });

  it('wait out a quiet period and are delivered when it ends', async () => {
    await stopOperator();
    const end = new Date(Math.ceil((Date.now() + 12_000) / 1000) * 1000).toISOString().replace('.000Z', 'Z');
    await startOperator(FEATURES, settings(`quiet:\n  - { start: 2026-01-01T00:00:00Z, end: ${end} }\n`));
    await apply(
      admin,
      TenantResource,
      shardTenant(D, { owners: [{ name: users.carol.name }], quota: { hard: { pods: '10' } } }),
    );
    await logged([[D, 'exportEvidence']], 'suppressed', 'quiet');
    expect(received(D)).toEqual([]);
    await logged([[D, 'exportEvidence']], 'sent');
    const recs = (await deliveries(D)).filter((r) => r.data.channel === 'event');
    expect(recs.map((r) => [r.data.attempt, r.data.outcome, r.data.quietUntil])).toEqual([
      [1, 'suppressed', end],
      [2, 'sent', undefined],
    ]);
    expect(Date.parse(recs[1]?.time ?? '')).toBeGreaterThanOrEqual(Date.parse(end));
    expect(receiver.requests.filter((r) => r.event.subject === D).every((r) => r.at >= Date.parse(end))).toBe(
      true,
    );
  });
});
