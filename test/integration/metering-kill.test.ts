import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCosign } from '../../devcluster/tools.ts';
import { LABEL_POOL, reportConfigMapName } from '../../operator/api/names.ts';
import type { AddOn, Entitlement } from '../../operator/api/v1alpha1/index.ts';
import { AddOnResource, EntitlementResource, TenantResource } from '../../operator/api/v1alpha1/index.ts';
import { invoiceLines } from '../../operator/billing/pricing.ts';
import { reconcileInvoice } from '../../operator/billing/reconcile-invoice.ts';
import { INVOICE_PREDICATE, reportFileName } from '../../operator/billing/signed-report.ts';
import { readPublicKeys } from '../../operator/evidence/keystore.ts';
import { DEFAULT_NAMESPACE } from '../../operator/install/rbac.ts';
import { readJournal, reservationsOf } from '../../operator/metering/journal.ts';
import { advance, emptyLedger } from '../../operator/metering/ledger.ts';
import { loadLedger } from '../../operator/metering/store.ts';
import { periodOf } from '../../operator/metering/windows.ts';
import { apply } from '../../operator/runtime/apply.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import type { KubeObject } from '../../operator/runtime/kube/object.ts';
import { Builtin } from '../../operator/runtime/kube/resource.ts';
import { tenantry } from '../support/cli.ts';
import { adminClient, tenantManifest, uniqueName } from '../support/cluster.ts';
import { type KilledOperator, killedOperator, operatorKubeconfigFile } from '../support/process.ts';
import { restoreRecordsGuard, switchRecordsGuardOff } from '../support/records-guard.ts';
import { cosignVerifyBlob } from '../support/tools.ts';
import { waitFor } from '../support/wait.ts';

/**
 * Real `tenantry run` processes metering a DedicatedCompute pool with 2-second windows,
 * killed with SIGKILL at random moments while the pool grows, shrinks and goes away. The
 * ledger they leave behind must be exactly what one undisturbed pass over the same
 * sources computes: no window lost, none counted twice, the same invoice.
 */
const WINDOW_MS = 2000;
const ARGS = ['--no-leader-elect', '--metering-window', '2s', '--log-level', 'warn'];

type EntitlementObject = Entitlement;
type AddOnObject = AddOn;

let admin: KubeClient;
let operator: KilledOperator;
let tenant: string;
const start = () => operator.start();
const kill = () => operator.kill();
const disturb = (maxMs: number) => operator.disturb(maxMs);

const poolNodes = async () =>
  (await admin.list(Builtin.Node, { labelSelector: `${LABEL_POOL}=${tenant}` })).items.map(
    (n) => n.metadata.name ?? '',
  );

beforeAll(async () => {
  admin = await adminClient();
  operator = killedOperator(await operatorKubeconfigFile(admin), ARGS);
  tenant = uniqueName('meterk');
});

afterAll(async () => {
  await kill();
  const op = start();
  await admin.delete(TenantResource, tenant).catch(() => {});
  await admin.delete(EntitlementResource, tenant).catch(() => {});
  await waitFor(
    'the tenant and its pool to be gone',
    async () => !(await admin.find(TenantResource, tenant)) && (await poolNodes()).length === 0,
    { timeoutMs: 60_000 },
  ).catch((e: unknown) => console.error(e));
  op.child.kill('SIGTERM');
  await op.exited;
  admin.close();
});

describe('metering under SIGKILL', () => {
  it('leaves the ledger and invoice an undisturbed run gives', async () => {
    await apply(admin, TenantResource, tenantManifest(tenant, { owners: [{ name: 'mia' }] }));
    const entitlement = await apply<EntitlementObject>(admin, EntitlementResource, {
      apiVersion: 'tenantry.dev/v1alpha1',
      kind: 'Entitlement',
      metadata: { name: tenant },
      spec: {
        tenantRef: { name: tenant },
        plan: 'enterprise',
        allowedAddOns: ['DedicatedCompute'],
        quotas: { dedicatedNodes: 2 },
        prices: [
          {
            sku: 'dedicated-node-hours',
            description: 'Dedicated node',
            unit: 'node-hour',
            unitPriceMinor: 360_000,
            currency: 'EUR',
          },
        ],
      },
    } as EntitlementObject);
    start();
    const mia = admin.as({ user: 'mia', groups: ['system:authenticated'] });
    const addon = (nodes: number) =>
      ({
        apiVersion: 'tenantry.dev/v1alpha1',
        kind: 'AddOn',
        metadata: { name: 'pool', namespace: `${tenant}-system` },
        spec: {
          type: 'DedicatedCompute',
          approval: { reason: 'steady latency' },
          dedicatedCompute: {
            nodes,
            candidateSelector: { matchLabels: { 'topology.kubernetes.io/region': 'us-east-1' } },
          },
        },
      }) as AddOnObject;
    await waitFor(
      'the add-on to be admitted',
      () =>
        mia.create<AddOnObject>(AddOnResource, addon(1)).then(
          () => true,
          () => false,
        ),
      { timeoutMs: 60_000 },
    );

    // The pool of one node, kills while it runs.
    await waitFor('one pool node', async () => (await poolNodes()).length === 1, { timeoutMs: 60_000 });
    for (let i = 0; i < 4; i++) await disturb(3000);
    // Grown to two nodes, more kills.
    const grown = await mia.get<AddOnObject>(AddOnResource, 'pool', `${tenant}-system`);
    // A change of the pool needs a new approval in the same request.
    grown.spec = { ...addon(2).spec, approval: { reason: 'a second node for the peak' } };
    await mia.update(AddOnResource, grown);
    await waitFor('two pool nodes', async () => (await poolNodes()).length === 2, { timeoutMs: 60_000 });
    for (let i = 0; i < 4; i++) await disturb(3000);
    // Gone, with a kill racing the release.
    await mia.delete(AddOnResource, 'pool', `${tenant}-system`);
    await disturb(800);
    await waitFor('the pool to be released', async () => (await poolNodes()).length === 0, {
      timeoutMs: 60_000,
    });
    const releasedAt = Date.now();
    await disturb(2000);

    // One last undisturbed stretch until the windows after the release are metered.
    const e = await waitFor(
      'the watermark to pass the release',
      async () => {
        const x = await admin.get<EntitlementObject>(EntitlementResource, tenant);
        const wm = Date.parse(x.status?.watermark ?? '');
        return wm > releasedAt + 2 * WINDOW_MS ? x : false;
      },
      { timeoutMs: 60_000 },
    );
    expect(operator.kills).toBeGreaterThanOrEqual(8);

    const { ledger } = await loadLedger(
      admin,
      DEFAULT_NAMESPACE,
      tenant,
      entitlement.metadata.creationTimestamp ?? '',
    );
    const watermark = e.status?.watermark ?? '';
    expect(Date.parse(ledger.watermark)).toBeGreaterThanOrEqual(Date.parse(watermark));
    // The undisturbed run: one pass over the same sources (all reservations have ended).
    const ended = await readJournal(admin, DEFAULT_NAMESPACE, tenant);
    expect(new Set(ended.map((r) => r.node)).size).toBe(2);
    const inputs = { reservations: reservationsOf([], ended) };
    const calm = advance(emptyLedger(tenant, ledger.since, WINDOW_MS), inputs, ledger.watermark);
    expect(ledger.records.map((r) => [r.id, r.quantity])).toEqual(
      calm.records.map((r) => [r.id, r.quantity]),
    );
    expect(ledger.records.length).toBeGreaterThan(5);

    // Exactly the reserved time, to the millisecond: every interval lies inside the metered span.
    const reservedMs = ended.reduce((s, r) => s + Date.parse(r.to) - Date.parse(r.from), 0);
    const meteredMs = ledger.records.reduce((s, r) => s + Number(r.quantity), 0);
    expect(meteredMs).toBe(reservedMs);

    // The same invoice, from the command a billing system would run, reconciled line by line.
    const period = periodOf(ledger.records[0]?.window.start ?? Date.now());
    const expected = invoiceLines(calm.records, entitlement.spec.prices ?? [], { tenant, period });
    const out = await tenantry(['invoice', '--period', period, '--tenant', tenant, '--output', 'json']);
    expect(out.code, out.stderr).toBe(0);
    const { reports } = JSON.parse(out.stdout) as {
      reports: Array<{ lines: typeof expected; meteredUntil: string; signature: { keyId: string } | null }>;
    };
    const [report] = reports;
    // Signed by the operator, checked by the command against the ledger before it printed it.
    expect(report?.signature?.keyId).toMatch(/^[0-9a-f]{64}$/);
    expect(report?.lines).toEqual(expected);
    expect(reconcileInvoice(report?.lines ?? [], ledger.records)).toEqual([]);

    // Withdrawing the Entitlement meters once more and signs the report again; the last
    // invoice of the withdrawn tenant still prints, signed, from what remains.
    await admin.delete(EntitlementResource, tenant);
    await waitFor('the Entitlement to be gone', async () => !(await admin.find(EntitlementResource, tenant)));
    const after = await tenantry(['invoice', '--period', period, '--tenant', tenant, '--output', 'json']);
    expect(after.code, after.stderr).toBe(0);
    const [last] = (JSON.parse(after.stdout) as { reports: typeof reports }).reports;
    expect(last?.signature?.keyId).toBe(report?.signature?.keyId);
    expect(last?.lines).toEqual(expected);

    // Onboarding milestones: the first privileged approval (by the authenticated owner) and
    // the first usage and cost report.
    const onboarding = await waitFor('the milestones on the Tenant', async () => {
      const t = await admin.get<KubeObject & { status?: { onboarding?: Record<string, unknown> } }>(
        TenantResource,
        tenant,
      );
      const o = t.status?.onboarding;
      return o?.firstApprovedBy && o.firstUsageReportAt ? o : false;
    });
    expect(onboarding.firstApprovedBy).toBe('mia');
    expect(onboarding.firstApprovalSeconds).toBeGreaterThanOrEqual(0);

    // The signed report stands on its own: cosign verifies the exported bundle against the
    // operator's published key, and a report changed after signing is refused by the command.
    await kill();
    const dir = mkdtempSync(path.join(os.tmpdir(), 'tenantry-invoice-'));
    const exported = await tenantry(['invoice', '--period', period, '--tenant', tenant, '--bundle-dir', dir]);
    expect(exported.code, exported.stderr).toBe(0);
    const keys = await readPublicKeys(admin, DEFAULT_NAMESPACE);
    const pem = keys[report?.signature?.keyId ?? ''];
    expect(pem).toBeDefined();
    writeFileSync(path.join(dir, 'key.pem'), pem ?? '');
    const exportedReport = path.join(dir, reportFileName(tenant, period));
    const cosign = await cosignVerifyBlob(await ensureCosign(), {
      bundle: exportedReport.replace(/\.json$/, '.sigstore.json'),
      key: path.join(dir, 'key.pem'),
      type: INVOICE_PREDICATE,
      blob: exportedReport,
      home: dir,
    });
    expect(cosign.code, cosign.output).toBe(0);

    const cm = await admin.get<KubeObject & { data: Record<string, string> }>(
      Builtin.ConfigMap,
      reportConfigMapName(tenant, period),
      DEFAULT_NAMESPACE,
    );
    const forged = JSON.parse(cm.data['report.json'] ?? '{}') as { lines: Array<{ amountMinor: number }> };
    for (const l of forged.lines) l.amountMinor = Math.floor(l.amountMinor / 2);
    cm.data['report.json'] = `${JSON.stringify(forged, null, 2)}\n`;
    // Admission refuses the forgery; with the guard taken away, the signature still exposes it.
    await expect(admin.update(Builtin.ConfigMap, cm)).rejects.toThrow(
      /billing or evidence record of Tenantry/,
    );
    await switchRecordsGuardOff(admin, cm);
    try {
      await admin.update(Builtin.ConfigMap, cm);
      const refused = await tenantry(['invoice', '--period', period, '--tenant', tenant]);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/signed report of .* does not verify/);
    } finally {
      await restoreRecordsGuard(admin);
    }

    console.info(
      `${operator.kills} kills; ${ledger.records.length} records over ${ended.length} reservations, ${reservedMs} node-ms`,
    );
  });
});
