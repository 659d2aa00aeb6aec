import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Entitlement, Price } from '../../operator/api/v1alpha1/index.ts';
import { EntitlementResource } from '../../operator/api/v1alpha1/index.ts';
import { invoiceLines } from '../../operator/billing/pricing.ts';
import { reconcileInvoice } from '../../operator/billing/reconcile-invoice.ts';
import { DEFAULT_NAMESPACE, OPERATOR_NAME } from '../../operator/install/rbac.ts';
import type { MeteringInputs } from '../../operator/metering/record.ts';
import { advanceStoredLedger, loadLedger } from '../../operator/metering/store.ts';
import { apply } from '../../operator/runtime/apply.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import type { AnyObject } from '../../operator/runtime/kube/object.ts';
import { Builtin } from '../../operator/runtime/kube/resource.ts';
import { tenantry } from '../support/cli.ts';
import { adminClient, operatorClient, uniqueName } from '../support/cluster.ts';

let admin: KubeClient;
/** The ledger's writer: the operator's ServiceAccount, the only identity admission lets write it. */
let writer: KubeClient;
const namespaces: string[] = [];
const WRITER_ROLE = 'test:ledger-writer';

beforeAll(async () => {
  admin = await adminClient();
  writer = await operatorClient(admin);
  await apply(admin, Builtin.ClusterRole, {
    metadata: { name: WRITER_ROLE },
    rules: [{ apiGroups: [''], resources: ['configmaps'], verbs: ['get', 'list', 'create', 'update'] }],
  } as AnyObject);
});
afterAll(async () => {
  for (const ns of namespaces) await admin.delete(Builtin.Namespace, ns).catch(() => {});
  await admin.delete(Builtin.ClusterRole, WRITER_ROLE).catch(() => {});
  writer.close();
  admin.close();
});

/** A namespace of its own for a ledger, where the operator's ServiceAccount may write it. */
async function namespace(): Promise<string> {
  const name = uniqueName('meter');
  await admin.create(Builtin.Namespace, { metadata: { name } });
  namespaces.push(name);
  await admin.create(Builtin.RoleBinding, {
    metadata: { name: 'ledger-writer', namespace: name },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: WRITER_ROLE },
    subjects: [{ kind: 'ServiceAccount', name: OPERATOR_NAME, namespace: DEFAULT_NAMESPACE }],
  } as AnyObject);
  return name;
}

const HOUR = 3_600_000;
const since = Date.UTC(2026, 10, 1);
const inputs: MeteringInputs = {
  reservations: [
    { node: 'node-a', from: since + 90 * 60_000, to: since + 50 * HOUR },
    { node: 'node-b', from: since + 3 * HOUR + 17 * 60_000 },
  ],
  archiveSamples: [
    { at: since + 2 * HOUR, bytes: 5 * 2 ** 30 },
    { at: since + 30 * HOUR + 123_000, bytes: 7 * 2 ** 30 },
  ],
  archiveEvents: Array.from({ length: 40 }, (_, i) => ({
    key: `obj-${i % 31}`,
    at: since + i * 97 * 60_000,
  })),
};
const prices: Price[] = [
  {
    sku: 'dedicated-node-hours',
    description: 'Dedicated node',
    unit: 'node-hour',
    unitPriceMinor: 95,
    currency: 'EUR',
  },
  {
    sku: 'archive-gib-hours',
    description: 'Archive storage',
    unit: 'GiB-hour',
    unitPriceMinor: 1,
    currency: 'EUR',
  },
  {
    sku: 'archive-objects',
    description: 'Archived objects',
    unit: 'object',
    unitPriceMinor: 2,
    currency: 'EUR',
  },
] as Price[];
const steps = [5, 26, 27, 49, 73, 100].map((h) => since + h * HOUR + 11 * 60_000);

/** A client whose writes start failing after `budget` of them: the operator "killed" mid-write. */
function dying(client: KubeClient, budget: number): KubeClient {
  let left = budget;
  const guard =
    <A extends unknown[], R>(fn: (...a: A) => Promise<R>) =>
    (...a: A): Promise<R> => {
      if (left-- <= 0) return Promise.reject(new Error('killed'));
      return fn(...a);
    };
  return Object.assign(Object.create(client) as KubeClient, {
    create: guard(client.create.bind(client)),
    update: guard(client.update.bind(client)),
  });
}

describe('the stored metering ledger', () => {
  it('gives the same invoice after random kills and retries as an undisturbed run', async () => {
    const calm = await namespace();
    const crashy = await namespace();
    for (const now of steps) await advanceStoredLedger(writer, calm, 'acme', since, inputs, now);
    for (const now of steps) {
      // Up to three kills at random points of each step, then a run that gets through.
      for (let k = 0; k < 3; k++) {
        await advanceStoredLedger(
          dying(writer, Math.floor(Math.random() * 3)),
          crashy,
          'acme',
          since,
          inputs,
          now,
        ).catch(() => {});
      }
      await advanceStoredLedger(writer, crashy, 'acme', since, inputs, now);
    }
    const a = (await loadLedger(writer, calm, 'acme', since)).ledger;
    const b = (await loadLedger(writer, crashy, 'acme', since)).ledger;
    expect(b.watermark).toBe(a.watermark);
    expect(b.records.map((r) => r.id).sort()).toEqual(a.records.map((r) => r.id).sort());
    const invoiceA = invoiceLines(a.records, prices, { tenant: 'acme', period: '2026-11' });
    const invoiceB = invoiceLines(b.records, prices, { tenant: 'acme', period: '2026-11' });
    expect(invoiceB).toEqual(invoiceA);
    expect(invoiceA.map((l) => l.sku).sort()).toEqual([
      'archive-gib-hours',
      'archive-objects',
      'dedicated-node-hours',
    ]);
    expect(reconcileInvoice(invoiceB, b.records)).toEqual([]);
  });

  it('lets two writers race without double counting', async () => {
    const ns = await namespace();
    const now = steps[4] ?? 0;
    await Promise.all([
      advanceStoredLedger(writer, ns, 'acme', since, inputs, now),
      advanceStoredLedger(writer, ns, 'acme', since, inputs, now),
    ]);
    const { ledger } = await loadLedger(writer, ns, 'acme', since);
    const ids = ledger.records.map((r) => r.id);
    expect(ids).toEqual([...new Set(ids)]);
    const solo = await namespace();
    await advanceStoredLedger(writer, solo, 'acme', since, inputs, now);
    expect(ids.sort()).toEqual(
      (await loadLedger(writer, solo, 'acme', since)).ledger.records.map((r) => r.id).sort(),
    );
  });

  it('turns the ledger into invoice lines with tenantry invoice and usage', async () => {
    const tenant = uniqueName('bill');
    await admin.create(EntitlementResource, {
      apiVersion: 'tenantry.dev/v1alpha1',
      kind: 'Entitlement',
      metadata: { name: tenant },
      spec: { tenantRef: { name: tenant }, plan: 'enterprise', prices },
    } as Entitlement);
    const ledger = await advanceStoredLedger(writer, DEFAULT_NAMESPACE, tenant, since, inputs, steps[5] ?? 0);
    const csv = await tenantry(['invoice', '--period', '2026-11', '--tenant', tenant, '-o', 'csv']);
    expect(csv.code, csv.stderr).toBe(0);
    const [header, ...rows] = csv.stdout.trim().split(/\r?\n/);
    expect(header).toContain('sku');
    expect(rows).toHaveLength(3);
    const json = await tenantry(['invoice', '--period', '2026-11', '--tenant', tenant, '-o', 'json']);
    const { reports } = JSON.parse(json.stdout) as {
      reports: Array<{
        lines: Array<{ sku: string; recordIds: string[] }>;
        digest: string;
        signature: unknown;
      }>;
    };
    const report = reports[0];
    expect(report?.digest).toMatch(/^[0-9a-f]{64}$/);
    // No operator ran here to sign it: the command says so and prints the ledger's numbers.
    expect(report?.signature).toBeNull();
    expect(json.stderr).toMatch(/not signed/);
    const ids = (report?.lines ?? []).flatMap((l) => l.recordIds).sort();
    expect(ids).toEqual(ledger.records.map((r) => r.id).sort());
    const use = await tenantry(['usage', '--tenant', tenant, '--period', '2026-11']);
    expect(use.code, use.stderr).toBe(0);
    expect(use.stdout).toMatch(/dedicated-node-hours/);
    await admin.delete(EntitlementResource, tenant);
  });
});
