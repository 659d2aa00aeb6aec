import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GrowthEventType, growthEvent } from '../../operator/growth/events.ts';
import { appendEvents, growthLogName, PART_BUDGET_BYTES, readEvents } from '../../operator/growth/log.ts';
import { readPreferences, writePreferences } from '../../operator/growth/preferences.ts';
import { DEFAULT_NAMESPACE } from '../../operator/install/rbac.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import type { ConfigMap } from '../../operator/runtime/kube/core.ts';
import { ApiError } from '../../operator/runtime/kube/errors.ts';
import { Builtin } from '../../operator/runtime/kube/resource.ts';
import { adminClient, operatorClient, uniqueName } from '../support/cluster.ts';

// The durable growth log and the nudge preferences against the real API server: appends are
// idempotent by event id and survive racing writers; only the operator may write either.

let admin: KubeClient;
let op: KubeClient;
const tenant = uniqueName('glog');

beforeAll(async () => {
  admin = await adminClient();
  op = await operatorClient(admin);
});
afterAll(async () => {
  const list = await op.list(Builtin.ConfigMap, {
    namespace: DEFAULT_NAMESPACE,
    labelSelector: `tenantry.dev/tenant=${tenant}`,
  });
  for (const cm of list.items)
    await op.delete(Builtin.ConfigMap, cm.metadata.name ?? '', DEFAULT_NAMESPACE).catch(() => {});
  op.close();
  admin.close();
});

const event = (i: number, day = '2026-12-01') =>
  growthEvent({
    tenant,
    type: GrowthEventType.UsageViewed,
    key: `u${i}`,
    time: `${day}T10:${String(i % 60).padStart(2, '0')}:00Z`,
    data: { by: `user-${i}` },
    origin: DEFAULT_NAMESPACE,
  });

describe('the growth log', () => {
  it('keeps each event once, whatever the retries, across days', async () => {
    expect(
      await appendEvents(op, DEFAULT_NAMESPACE, tenant, [event(1), event(2), event(3, '2026-12-02')]),
    ).toBe(3);
    expect(await appendEvents(op, DEFAULT_NAMESPACE, tenant, [event(1), event(2)])).toBe(0);
    const all = await readEvents(op, DEFAULT_NAMESPACE, tenant);
    expect(all.map((e) => e.data)).toEqual([{ by: 'user-1' }, { by: 'user-2' }, { by: 'user-3' }]);
    expect(await readEvents(op, DEFAULT_NAMESPACE, tenant, { since: '2026-12-02T00:00:00Z' })).toHaveLength(
      1,
    );
  });

  it('loses nothing to racing writers', async () => {
    const batches = Array.from({ length: 5 }, (_, b) =>
      Array.from({ length: 4 }, (_, i) => event(10 + b * 4 + i)),
    );
    await Promise.all(batches.map((b) => appendEvents(op, DEFAULT_NAMESPACE, tenant, b)));
    const ids = new Set((await readEvents(op, DEFAULT_NAMESPACE, tenant)).map((e) => e.id));
    for (const b of batches) for (const e of b) expect(ids.has(e.id)).toBe(true);
  });

  it('goes on in parts when a day outgrows a ConfigMap, dropping nothing and keeping each event once', async () => {
    const day = '2026-12-03';
    // 40 events of ~40 KB: about twice what a part holds.
    const big = (i: number) => ({
      ...event(100 + i, day),
      data: { by: `user-${i}`, padding: 'x'.repeat(40_000) },
    });
    const all = Array.from({ length: 40 }, (_, i) => big(i));
    expect(await appendEvents(op, DEFAULT_NAMESPACE, tenant, all.slice(0, 25))).toBe(25);
    // A retry of some, with the rest: only the rest are new, wherever the first ones went.
    expect(await appendEvents(op, DEFAULT_NAMESPACE, tenant, all.slice(20))).toBe(15);
    expect(
      await appendEvents(
        op,
        DEFAULT_NAMESPACE,
        tenant,
        [all[3], all[39]].filter((e) => e !== undefined),
      ),
    ).toBe(0);
    const parts = (
      await op.list<ConfigMap>(Builtin.ConfigMap, {
        namespace: DEFAULT_NAMESPACE,
        labelSelector: `tenantry.dev/growth-log=${day},tenantry.dev/tenant=${tenant}`,
      })
    ).items;
    expect(parts.map((cm) => cm.metadata.name).sort()).toEqual(
      [1, 2, 3]
        .slice(0, parts.length)
        .map((n) => growthLogName(tenant, day, n))
        .sort(),
    );
    expect(parts.length).toBeGreaterThanOrEqual(2);
    for (const cm of parts)
      expect(Buffer.byteLength(cm.data?.['events.json'] ?? '')).toBeLessThanOrEqual(PART_BUDGET_BYTES);
    const got = (await readEvents(op, DEFAULT_NAMESPACE, tenant, { since: `${day}T00:00:00Z` })).filter((e) =>
      e.time.startsWith(day),
    );
    expect(got.map((e) => e.id).sort()).toEqual(all.map((e) => e.id).sort());
  });

  it('refuses a cluster admin writing it, as all billing and evidence records', async () => {
    const e = await appendEvents(admin, DEFAULT_NAMESPACE, tenant, [event(50)]).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ApiError);
    expect((e as ApiError).code).toBe(403);
  });
});

describe('nudge preferences', () => {
  it('records who changed them and when, newest last', async () => {
    await writePreferences(op, DEFAULT_NAMESPACE, tenant, {
      by: 'alice',
      at: '2026-12-01T10:00:00Z',
      optOutAll: false,
      optOut: ['setQuotas'],
    });
    await writePreferences(op, DEFAULT_NAMESPACE, tenant, {
      by: 'amy',
      at: '2026-12-01T11:00:00Z',
      optOutAll: true,
      optOut: [],
    });
    const p = await readPreferences(op, DEFAULT_NAMESPACE, tenant);
    expect(p.optOutAll).toBe(true);
    expect(p.history.map((h) => h.by)).toEqual(['alice', 'amy']);
    await expect(
      writePreferences(admin, DEFAULT_NAMESPACE, tenant, {
        by: 'mallory',
        at: '2026-12-01T12:00:00Z',
        optOutAll: false,
        optOut: [],
      }),
    ).rejects.toBeInstanceOf(ApiError);
  });
});
