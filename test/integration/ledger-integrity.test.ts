import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AddOn, Entitlement } from '../../operator/api/v1alpha1/index.ts';
import { AddOnResource, EntitlementResource, TenantResource } from '../../operator/api/v1alpha1/index.ts';
import { DEFAULT_NAMESPACE } from '../../operator/install/rbac.ts';
import { type LedgerPartition, ledgerKey } from '../../operator/metering/ledger.ts';
import { apply } from '../../operator/runtime/apply.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import type { ConfigMap } from '../../operator/runtime/kube/core.ts';
import { ApiError } from '../../operator/runtime/kube/errors.ts';
import type { AnyObject } from '../../operator/runtime/kube/object.ts';
import { Builtin } from '../../operator/runtime/kube/resource.ts';
import { computeManifest, entitlementManifest } from '../support/addons.ts';
import { tenantry } from '../support/cli.ts';
import { adminClient, startTestOperator, tenantManifest, uniqueName, waitReady } from '../support/cluster.ts';
import { restoreRecordsGuard, switchRecordsGuardOff } from '../support/records-guard.ts';
import { waitFor } from '../support/wait.ts';

// A billing auditor's attack on the ledger, as a cluster admin: every edit is refused at
// admission; with the guard switched off, every edit is detected, the operator signs nothing
// from the changed ledger, and `tenantry invoice` exits 1 naming the record.

let admin: KubeClient;
let stopOperator: () => Promise<void>;
const tenant = uniqueName('ledg');
const sys = `${tenant}-system`;

beforeAll(async () => {
  admin = await adminClient();
  ({ stop: stopOperator } = await startTestOperator(admin, { meteringWindowMs: 2_000 }));
  await apply(admin, TenantResource, tenantManifest(tenant, { owners: [{ name: `${tenant}-owner` }] }));
  await waitReady(admin, tenant);
  await apply(
    admin,
    EntitlementResource,
    entitlementManifest(tenant, {
      allowedAddOns: ['DedicatedCompute'],
      quotas: { dedicatedNodes: 1 },
      prices: [
        {
          sku: 'dedicated-node-hours',
          description: 'Dedicated node',
          unit: 'node-hour',
          unitPriceMinor: 360_000,
          currency: 'EUR',
        },
      ],
    } as Partial<Entitlement['spec']>),
  );
  const owner = admin.as({ user: `${tenant}-owner`, groups: ['system:authenticated'] });
  const pool = computeManifest(sys, 'pool', { candidates: { 'topology.kubernetes.io/region': 'us-east-1' } });
  await waitFor('the pool to be admitted', () =>
    owner.create<AddOn>(AddOnResource, pool).then(
      () => true,
      () => false,
    ),
  );
  // Usage worth checking: node-time metered into a few closed windows.
  await waitFor(
    'records in the ledger',
    async () => (await partitions()).some((cm) => ledgerOf(cm).records.length >= 2),
    { timeoutMs: 60_000 },
  );
}, 120_000);

afterAll(async () => {
  await restoreGuard();
  await admin.delete(AddOnResource, 'pool', sys).catch(() => {});
  await admin.delete(EntitlementResource, tenant).catch(() => {});
  await admin.delete(TenantResource, tenant).catch(() => {});
  await stopOperator();
  admin.close();
});

async function partitions(): Promise<ConfigMap[]> {
  const list = await admin.list<ConfigMap>(Builtin.ConfigMap, {
    namespace: DEFAULT_NAMESPACE,
    labelSelector: `tenantry.dev/ledger,tenantry.dev/tenant=${tenant}`,
  });
  return list.items.sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
}
const ledgerOf = (cm: ConfigMap) => JSON.parse(cm.data?.['ledger.json'] ?? '{}') as LedgerPartition;

/**
 * The latest partition, as a cluster admin would edit it: its records changed by `edit`.
 * Returns what puts it back as it was sealed (the audit archive holds the same bytes).
 */
async function editLatest(edit: (p: LedgerPartition) => void): Promise<() => Promise<void>> {
  const cm = (await partitions()).filter((c) => ledgerOf(c).records.length >= 2).at(-1);
  if (!cm) throw new Error('no partition with records');
  const part = ledgerOf(cm);
  edit(part);
  const edited = await admin.update<ConfigMap>(Builtin.ConfigMap, {
    ...cm,
    data: { ...cm.data, 'ledger.json': JSON.stringify(part) },
  });
  return async () => {
    await admin.update(Builtin.ConfigMap, { ...edited, data: cm.data });
  };
}

/** The latest day deleted, or deleted and created again by hand (no seal can be forged). */
async function replaceLatest(recreate: boolean): Promise<() => Promise<void>> {
  const cm = (await partitions()).filter((c) => ledgerOf(c).records.length >= 2).at(-1);
  if (!cm) throw new Error('no partition with records');
  const { name = '', namespace, labels } = cm.metadata;
  await admin.delete(Builtin.ConfigMap, name, namespace);
  if (recreate) {
    await admin.create(Builtin.ConfigMap, {
      metadata: { name, namespace, labels },
      data: { 'ledger.json': cm.data?.['ledger.json'] ?? '' },
    } as AnyObject);
  }
  return async () => {
    await admin.delete(Builtin.ConfigMap, name, namespace).catch(() => {});
    await admin.create(Builtin.ConfigMap, {
      metadata: { name, namespace, labels },
      data: cm.data,
    } as AnyObject);
  };
}

const edits: Array<[string, (p: LedgerPartition) => void]> = [
  [
    'change a quantity',
    (p) => {
      const r = p.records[0];
      if (r) r.quantity = String(BigInt(r.quantity) * 3n);
    },
  ],
  ['delete a record', (p) => void p.records.splice(0, 1)],
  ['reorder the records', (p) => void p.records.reverse()],
];

async function refusedAtAdmission(p: Promise<unknown>): Promise<void> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ApiError);
  expect((e as ApiError).code).toBe(403);
  expect((e as ApiError).message).toMatch(
    /is a billing or evidence record of Tenantry: only the operator may/,
  );
}

async function switchGuardOff(): Promise<void> {
  const [probe] = await partitions();
  if (!probe) throw new Error('no partition');
  await switchRecordsGuardOff(admin, probe);
}

const restoreGuard = () => restoreRecordsGuard(admin);

describe('the metering ledger', () => {
  it('refuses a cluster admin every edit, deletion and re-creation of a ledger record', async () => {
    for (const [, edit] of edits) await refusedAtAdmission(editLatest(edit));
    const [first] = await partitions();
    if (!first) throw new Error('no partition');
    await refusedAtAdmission(admin.delete(Builtin.ConfigMap, first.metadata.name ?? '', DEFAULT_NAMESPACE));
    await refusedAtAdmission(
      admin.create(Builtin.ConfigMap, {
        metadata: {
          name: ledgerKey(tenant, '2020-01-01'),
          namespace: DEFAULT_NAMESPACE,
          labels: { 'tenantry.dev/ledger': '2020-01-01' },
        },
        data: { 'ledger.json': '{}' },
      } as AnyObject),
    );
  });

  const tampering: Array<[string, () => Promise<() => Promise<void>>]> = [
    ...edits.map(([what, edit]): [string, () => Promise<() => Promise<void>>] => [
      what,
      () => editLatest(edit),
    ]),
    ['delete the latest day', () => replaceLatest(false)],
    ['re-create the latest day by hand', () => replaceLatest(true)],
  ];

  it.each(tampering)(
    'with the guard off, detects "%s": Metered=False, no new signature, invoice exits 1 naming it',
    async (_what, tamper) => {
      await restoreGuard();
      // A clean ledger first: the operator has re-verified and signed since the last case.
      await waitFor(
        'Metered=True',
        async () => {
          const e = await admin.get<Entitlement>(EntitlementResource, tenant);
          return e.status?.conditions?.find((c) => c.type === 'Metered')?.status === 'True';
        },
        { timeoutMs: 60_000 },
      );
      await switchGuardOff();
      const reportBefore = await admin.find<ConfigMap>(
        Builtin.ConfigMap,
        `tenantry-invoice-${tenant}-${new Date().toISOString().slice(0, 7)}`,
        DEFAULT_NAMESPACE,
      );
      const restore = await tamper();
      try {
        const metered = await waitFor(
          'Metered=False LedgerTampered',
          async () => {
            const e = await admin.get<Entitlement>(EntitlementResource, tenant);
            const c = e.status?.conditions?.find((x) => x.type === 'Metered');
            return c?.reason === 'LedgerTampered' ? c : false;
          },
          { timeoutMs: 30_000 },
        );
        expect(metered.status).toBe('False');
        expect(metered.message).toMatch(/does not verify: .*(changed|deleted|reordered|has no seal)/);
        // Windows go by; the operator signs nothing from the changed ledger.
        const e0 = await admin.get<Entitlement>(EntitlementResource, tenant);
        await waitFor(
          'two more metering windows',
          async () => {
            const e = await admin.get<Entitlement>(EntitlementResource, tenant);
            return (
              e.metadata.resourceVersion !== e0.metadata.resourceVersion ||
              Date.now() - Date.parse(metered.lastTransitionTime) > 5_000
            );
          },
          { timeoutMs: 20_000 },
        );
        const reportAfter = await admin.find<ConfigMap>(
          Builtin.ConfigMap,
          `tenantry-invoice-${tenant}-${new Date().toISOString().slice(0, 7)}`,
          DEFAULT_NAMESPACE,
        );
        expect(reportAfter?.data?.['report.json']).toBe(reportBefore?.data?.['report.json']);
        const out = await tenantry([
          'invoice',
          '--period',
          new Date().toISOString().slice(0, 7),
          '--tenant',
          tenant,
        ]);
        expect(out.code).toBe(1);
        expect(out.stderr).toMatch(
          /the ledger of .* does not verify:\n {2}tenantry-ledger-\S+: (record [0-9a-f]+ .* was (changed|deleted)|the records of .* were reordered|.* has no seal|.*records were deleted)/,
        );
      } finally {
        await restore();
      }
    },
    120_000,
  );
});
