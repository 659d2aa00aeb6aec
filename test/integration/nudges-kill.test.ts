import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemNamespaceOf } from '../../operator/api/names.ts';
import { TenantResource } from '../../operator/api/v1alpha1/index.ts';
import { readEvents } from '../../operator/growth/log.ts';
import { deliveriesIn } from '../../operator/growth/nudges/records.ts';
import { DEFAULT_NAMESPACE } from '../../operator/install/rbac.ts';
import { apply } from '../../operator/runtime/apply.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import type { KubeObject } from '../../operator/runtime/kube/object.ts';
import { Builtin } from '../../operator/runtime/kube/resource.ts';
import {
  adminClient,
  TEST_SHARD_LABEL,
  type TenantObject,
  tenantManifest,
  uniqueName,
} from '../support/cluster.ts';
import { type KilledOperator, killedOperator, operatorKubeconfigFile } from '../support/process.ts';
import { waitFor } from '../support/wait.ts';
import { startWebhookReceiver, type WebhookReceiver } from '../support/webhook-receiver.ts';

/**
 * Real `tenantry run` processes delivering nudges to a slow, flaky HTTPS receiver, killed with
 * SIGKILL at random moments while tenants arrive. Afterwards every nudge that fell due was
 * delivered at least once on every channel, the receiver has each event id once after
 * dropping repeats (and no id it should not have), and the delivery log says sent for exactly
 * the ids the receiver accepted.
 */
const SECRET = randomBytes(24).toString('hex');
const KILLS = 12;

let admin: KubeClient;
let receiver: WebhookReceiver;
let operator: KilledOperator;
// This file's tenants are served by its own operator processes only (their --shard).
const SHARD = uniqueName('nudgek');
const shardTenant = (name: string, spec: Parameters<typeof tenantManifest>[1]) =>
  tenantManifest(name, spec, { [TEST_SHARD_LABEL]: SHARD });
const tenants = Array.from({ length: 10 }, (_, i) => ({
  name: uniqueName(`nudgek${i}`),
  regulated: i % 2 === 0,
}));

const create = (t: (typeof tenants)[number]) =>
  apply(
    admin,
    TenantResource,
    shardTenant(t.name, t.regulated ? { policyProfile: 'regulated', retentionDays: 400 } : {}),
  );

/** The nudges each tenant is due under the configuration below. */
const due = (t: (typeof tenants)[number]) => [
  'setQuotas',
  'exportEvidence',
  ...(t.regulated ? ['inviteAuditor'] : []),
];

beforeAll(async () => {
  admin = await adminClient();
  receiver = await startWebhookReceiver({
    secret: SECRET,
    // Slow and flaky: kills land while requests are in flight, and some attempts fail.
    delayMs: () => Math.floor(Math.random() * 400),
    answer: () => (Math.random() < 0.2 ? 503 : 204),
  });
  const dir = mkdtempSync(path.join(os.tmpdir(), 'tenantry-nudges-kill-'));
  writeFileSync(path.join(dir, 'crm.secret'), SECRET);
  writeFileSync(path.join(dir, 'ca.pem'), receiver.ca);
  writeFileSync(
    path.join(dir, 'nudges.yaml'),
    `nudges:
  finishSetup: { enabled: false }
  setQuotas: { after: 0s, every: 1h }
  exportEvidence: { after: 0s, every: 1h }
  inviteAuditor: { after: 0s, every: 1h }
receivers:
  - { name: crm, url: "${receiver.url}", secretFile: crm.secret, caFile: ca.pem }
endpointAllow: [127.0.0.1/32]
retry: { attempts: 20, initialBackoff: 200ms, maxBackoff: 1s }
timeout: 3s
`,
  );
  operator = killedOperator(await operatorKubeconfigFile(admin), [
    '--no-leader-elect',
    '--shard',
    `${TEST_SHARD_LABEL}=${SHARD}`,
    '--log-level',
    'warn',
    '--features',
    'activationChecklist=false,growthInstrumentation=false',
    '--nudges-config',
    path.join(dir, 'nudges.yaml'),
  ]);
});

afterAll(async () => {
  await operator.kill();
  const op = operator.start();
  for (const t of tenants) await admin.delete(TenantResource, t.name).catch(() => {});
  await waitFor(
    'the tenants to be gone',
    async () => {
      for (const t of tenants) if (await admin.find(TenantResource, t.name)) return false;
      return true;
    },
    { timeoutMs: 60_000 },
  ).catch((e: unknown) => console.error(e));
  op.child.kill('SIGTERM');
  await op.exited;
  await receiver?.close();
  admin?.close();
});

describe('nudge delivery under SIGKILL', () => {
  it('delivers every due nudge at least once, each event id once after dedupe, and logs what the receiver got', async () => {
    operator.start();
    // Tenants arrive in three waves while the operator is being killed.
    const waves = [tenants.slice(0, 4), tenants.slice(4, 7), tenants.slice(7)];
    for (const wave of waves) {
      for (const t of wave) await create(t);
      for (let i = 0; i < KILLS / waves.length; i++) await operator.disturb(2500);
    }
    expect(operator.kills).toBeGreaterThanOrEqual(KILLS);

    // One last undisturbed run until every due nudge is logged as sent on both channels.
    const expected = tenants.flatMap((t) => due(t).map((nudge) => `${t.name}/${nudge}`)).sort();
    const logs = await waitFor(
      'every due nudge sent on both channels',
      async () => {
        const all = await Promise.all(
          tenants.map(async (t) => deliveriesIn(await readEvents(admin, DEFAULT_NAMESPACE, t.name))),
        );
        const records = all.flat();
        const sentOn = (channel: string) =>
          new Set(
            records
              .filter((r) => r.data.channel === channel && r.data.outcome === 'sent')
              .map((r) => `${r.subject}/${r.data.nudge}`),
          );
        const event = sentOn('event');
        const hook = sentOn('webhook:crm');
        return expected.every((k) => event.has(k) && hook.has(k)) ? records : false;
      },
      { timeoutMs: 120_000 },
    );

    // Exactly one occurrence per due nudge (capped at one an hour), each delivered: no id missing, none extra.
    const accepted = receiver.accepted();
    const receivedKeys = [...accepted.values()].map((e) => `${e.subject}/${e.data.nudge}`).sort();
    expect(receivedKeys).toEqual(expected);
    expect(receiver.requests.every((r) => r.badSignature === undefined)).toBe(true);

    // The log says sent for exactly the ids the receiver accepted, once per id and channel.
    const sentHook = logs.filter((r) => r.data.channel === 'webhook:crm' && r.data.outcome === 'sent');
    expect(new Set(sentHook.map((r) => r.data.eventId))).toEqual(new Set(accepted.keys()));
    expect(sentHook.length).toBe(accepted.size);
    const sentEvent = logs.filter((r) => r.data.channel === 'event' && r.data.outcome === 'sent');
    expect(new Set(sentEvent.map((r) => r.data.eventId))).toEqual(new Set(accepted.keys()));
    expect(sentEvent.length).toBe(accepted.size);
    // Nothing was held back or given up: the only other records are failed attempts.
    expect(logs.every((r) => r.data.outcome !== 'suppressed')).toBe(true);

    // One Kubernetes Event per nudge in each system namespace, however often it was tried.
    let events = 0;
    for (const t of tenants) {
      const list = await admin.list<KubeObject & { reason?: string }>(Builtin.Event, {
        namespace: systemNamespaceOf(t.name),
      });
      const nudges = list.items.filter((e) => e.reason === 'Nudge');
      expect(nudges.length).toBe(due(t).length);
      events += nudges.length;
    }

    // The status the tenant controller reads back from the log.
    for (const t of tenants) {
      const obj = await admin.get<TenantObject>(TenantResource, t.name);
      const active = obj.status?.nudges?.active ?? [];
      expect(active.map((n) => n.name)).toEqual(due(t));
    }
    const lastDelivered = await waitFor('lastDeliveredAt on every nudge', async () => {
      for (const t of tenants) {
        const obj = await admin.get<TenantObject>(TenantResource, t.name);
        if (!(obj.status?.nudges?.active ?? []).every((n) => n.lastDeliveredAt)) return false;
      }
      return true;
    });
    expect(lastDelivered).toBe(true);

    const acceptedRequests = receiver.requests.filter((r) => r.status < 300).length;
    const failedLogged = logs.filter((r) => r.data.outcome === 'failed').length;
    console.info(
      `${operator.kills} kills; ${tenants.length} tenants, ${expected.length} due nudges; receiver: ${receiver.requests.length} requests, ` +
        `${acceptedRequests} accepted, ${accepted.size} distinct ids (${acceptedRequests - accepted.size} repeats dropped by id), ` +
        `${receiver.requests.length - acceptedRequests} answered 503; log: ${sentHook.length} webhook sent, ${sentEvent.length} event sent, ` +
        `${failedLogged} failed attempts; ${events} nudge Events in system namespaces`,
    );
  });
});
