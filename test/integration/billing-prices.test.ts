import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EntitlementCondition, EntitlementReason } from '../../operator/api/conditions.ts';
import { LABEL_POOL } from '../../operator/api/names.ts';
import type { AddOn, Entitlement, Price } from '../../operator/api/v1alpha1/index.ts';
import { AddOnResource, EntitlementResource, TenantResource } from '../../operator/api/v1alpha1/index.ts';
import { invoiceDigest, REPORT_VERSION } from '../../operator/billing/invoice-report.ts';
import type { InvoiceLine } from '../../operator/billing/pricing.ts';
import { loadReport, storeReport } from '../../operator/billing/report-store.ts';
import { type MeteredReport, signReport } from '../../operator/billing/signed-report.ts';
import { KeyStore } from '../../operator/evidence/keystore.ts';
import { keyStoreSigner } from '../../operator/evidence/sign.ts';
import { DEFAULT_NAMESPACE } from '../../operator/install/rbac.ts';
import type { MeteringRecord } from '../../operator/metering/record.ts';
import { loadLedger } from '../../operator/metering/store.ts';
import { iso, periodOf } from '../../operator/metering/windows.ts';
import { apply } from '../../operator/runtime/apply.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import { Builtin } from '../../operator/runtime/kube/resource.ts';
import { computeManifest } from '../support/addons.ts';
import { tenantry } from '../support/cli.ts';
import { adminClient, operatorClient, tenantManifest, uniqueName } from '../support/cluster.ts';
import { dedicatedEntitlement } from '../support/pool.ts';
import { type OperatorProcess, operatorKubeconfigFile, spawnOperator } from '../support/process.ts';
import { waitFor } from '../support/wait.ts';

/**
 * Prices with effective dates, end to end: a real `tenantry run` meters a one-node pool in
 * 2-second windows while the unit price changes mid-period. The signed report has a line
 * per price, each at its own price, totals exact; admission refuses changing, removing,
 * back-dating and duplicating prices; a report signed in the version 1 format still
 * verifies; and with admission tricked (status.watermark rewritten) the operator refuses to
 * sign usage at a changed price.
 */
const WINDOW_MS = 2000;
const ARGS = ['--no-leader-elect', '--metering-window', '2s', '--log-level', 'warn'];
const SKU = 'dedicated-node-hours';
const NODE_HOUR = 3_600_000n;
const FIRST_PRICE = 360_000; // 200 minor units per node and 2 s window
const SECOND_PRICE = 1_000_001; // odd, so 2 s windows do not divide evenly and rounding shows

let admin: KubeClient;
let kubeconfig: string;
let tenant: string;
let operator: OperatorProcess | undefined;

const first: Price = {
  sku: SKU,
  description: 'Dedicated node',
  unit: 'node-hour',
  unitPriceMinor: FIRST_PRICE,
  currency: 'EUR',
};

const startOperator = () => {
  operator = spawnOperator(kubeconfig, ARGS);
};
const stopOperator = async () => {
  const p = operator;
  if (!p) return;
  p.child.kill('SIGTERM');
  await p.exited;
  operator = undefined;
};
const poolNodes = async () =>
  (await admin.list(Builtin.Node, { labelSelector: `${LABEL_POOL}=${tenant}` })).items.length;
const entitlement = () => admin.get<Entitlement>(EntitlementResource, tenant);
/** A merge patch of the price list: it carries no resourceVersion, so status writes don't conflict. */
const setPrices = (prices: Price[]) =>
  admin.patch<Entitlement>(EntitlementResource, tenant, undefined, { spec: { prices } }, 'merge');
const refusal = (prices: Price[]) =>
  setPrices(prices).then(
    () => 'accepted',
    (e: unknown) => (e as Error).message,
  );
const metered = (e: Entitlement) =>
  e.status?.conditions?.find((c) => c.type === EntitlementCondition.Metered);

/** quantity × price / node-hour, half up, in BigInt: computed here, not by pricing.ts. */
const amount = (nodeMs: bigint, price: number) =>
  (2n * nodeMs * BigInt(price) + NODE_HOUR) / (2n * NODE_HOUR);

interface PrintedReport extends MeteredReport {
  signature: { keyId: string } | null;
}
async function invoiceJson(period: string): Promise<PrintedReport> {
  const out = await tenantry(['invoice', '--period', period, '--tenant', tenant, '--output', 'json']);
  expect(out.code, out.stderr).toBe(0);
  const [report] = (JSON.parse(out.stdout) as { reports: PrintedReport[] }).reports;
  if (!report) throw new Error(`no report in ${out.stdout}`);
  return report;
}

beforeAll(async () => {
  admin = await adminClient();
  kubeconfig = await operatorKubeconfigFile(admin);
  tenant = uniqueName('prices');
});

afterAll(async () => {
  await stopOperator();
  startOperator();
  await admin.delete(TenantResource, tenant).catch(() => {});
  await admin.delete(EntitlementResource, tenant).catch(() => {});
  await waitFor(
    'the tenant and its pool to be gone',
    async () => !(await admin.find(TenantResource, tenant)) && (await poolNodes()) === 0,
    { timeoutMs: 60_000 },
  ).catch((e: unknown) => console.error(e));
  await stopOperator();
  admin.close();
});

describe('prices with effective dates', () => {
  it('prices each window at the price in effect at its start, and freezes the prices of metered usage', async () => {
    await apply(admin, TenantResource, tenantManifest(tenant, { owners: [{ name: 'mia' }] }));
    const granted = dedicatedEntitlement(tenant, 1);
    await apply<Entitlement>(admin, EntitlementResource, {
      ...granted,
      spec: { ...granted.spec, prices: [first] },
    });
    startOperator();
    const mia = admin.as({ user: 'mia', groups: ['system:authenticated'] });
    const pool = computeManifest(`${tenant}-system`, 'pool', {
      approval: 'steady latency',
      candidates: { 'topology.kubernetes.io/region': 'us-east-1' },
    });
    // The tenant's system namespace and its owner's access come with the operator's first reconciles.
    await waitFor(
      'the add-on to be admitted',
      () =>
        mia.create<AddOn>(AddOnResource, pool).then(
          () => true,
          () => false,
        ),
      {
        timeoutMs: 60_000,
      },
    );
    await waitFor('the pool node', async () => (await poolNodes()) === 1, { timeoutMs: 60_000 });
    const before = await waitFor(
      'usage metered at the first price',
      async () => {
        const e = await entitlement();
        return (e.status?.invoicePreview?.totalMinor ?? 0) > 0 ? e : false;
      },
      { timeoutMs: 60_000 },
    );
    // Stored as written (no default inside the list, so re-applying it changes nothing); an
    // absent effectiveFrom means from the beginning.
    expect(before.spec.prices).toEqual([first]);

    // Admission: the first price has priced metered usage, so it is frozen.
    const pastTime = new Date(Date.parse(before.status?.watermark ?? '') - 60_000).toISOString().slice(0, 19);
    expect(await refusal([{ ...first, unitPriceMinor: 1 }])).toMatch(
      /spec\.prices: Invalid value: the price of dedicated-node-hours in effect before status\.watermark priced usage already metered: it cannot be changed or removed/,
    );
    expect(await refusal([])).toMatch(/the price of dedicated-node-hours in effect before status\.watermark/);
    expect(await refusal([first, { ...first, unitPriceMinor: 1, effectiveFrom: `${pastTime}Z` }])).toMatch(
      /a new price of dedicated-node-hours takes effect before status\.watermark and would reprice usage already metered/,
    );
    const later = new Date(Date.now() + 3_600_000).toISOString().slice(0, 19);
    expect(
      await refusal([
        first,
        { ...first, unitPriceMinor: 1, effectiveFrom: `${later}Z` },
        { ...first, unitPriceMinor: 2, effectiveFrom: `${later}Z` },
      ]),
    ).toMatch(/spec\.prices: Invalid value: each SKU may have one price per effectiveFrom/);
    expect(await refusal([first, { ...first, effectiveFrom: `${later}.000Z` }])).toMatch(
      /spec\.prices\[1\]\.effectiveFrom/,
    );
    expect((await entitlement()).spec.prices).toEqual(before.spec.prices);

    // The price change: effective at a window boundary a few seconds ahead of metering.
    const changeAt = Math.ceil((Date.now() + 6000) / WINDOW_MS) * WINDOW_MS;
    const effectiveFrom = iso(changeAt).replace('.000Z', 'Z');
    const second: Price = { ...first, unitPriceMinor: SECOND_PRICE, effectiveFrom };
    await setPrices([first, second]);
    const after = await waitFor(
      'metering past the change',
      async () => {
        const e = await entitlement();
        return Date.parse(e.status?.watermark ?? '') >= changeAt + 4 * WINDOW_MS ? e : false;
      },
      { timeoutMs: 60_000 },
    );
    expect(metered(after)?.status).toBe('True');
    const preview = after.status?.invoicePreview?.lines ?? [];
    expect(preview.map((l) => [l.sku, l.effectiveFrom, l.unitPriceMinor])).toEqual([
      [SKU, '1970-01-01T00:00:00Z', FIRST_PRICE],
      [SKU, effectiveFrom, SECOND_PRICE],
    ]);

    // The signed report, verified by the command against the ledger: a line per price.
    const period = periodOf(changeAt);
    const report = await waitFor('a report signed past the change', async () => {
      const r = await invoiceJson(period);
      return Date.parse(r.meteredUntil) > changeAt + WINDOW_MS ? r : false;
    });
    expect(report.version).toBe(REPORT_VERSION);
    expect(report.signature?.keyId).toMatch(/^[0-9a-f]{64}$/);
    const { ledger } = await loadLedger(admin, DEFAULT_NAMESPACE, tenant, `${period}-01T00:00:00Z`);
    const byId = new Map(ledger.records.map((r) => [r.id, r]));
    const covered = ledger.records.filter(
      (r) => r.tenant === tenant && Date.parse(r.window.end) <= Date.parse(report.meteredUntil),
    );
    const sum = (rs: MeteringRecord[]) => rs.reduce((s, r) => s + BigInt(r.quantity), 0n);
    const early = covered.filter((r) => Date.parse(r.window.start) < changeAt);
    const late = covered.filter((r) => Date.parse(r.window.start) >= changeAt);
    expect(sum(early)).toBeGreaterThan(0n);
    expect(sum(late)).toBeGreaterThan(0n);
    const [a, b, ...rest] = report.lines as [InvoiceLine, InvoiceLine];
    expect(rest).toEqual([]);
    expect([a.sku, a.effectiveFrom, a.unitPriceMinor, a.quantityBase, a.amountMinor]).toEqual([
      SKU,
      '1970-01-01T00:00:00Z',
      FIRST_PRICE,
      String(sum(early)),
      Number(amount(sum(early), FIRST_PRICE)),
    ]);
    expect([b.sku, b.effectiveFrom, b.unitPriceMinor, b.quantityBase, b.amountMinor]).toEqual([
      SKU,
      effectiveFrom,
      SECOND_PRICE,
      String(sum(late)),
      Number(amount(sum(late), SECOND_PRICE)),
    ]);
    expect(a.recordIds.every((id) => Date.parse(byId.get(id)?.window.start ?? '') < changeAt)).toBe(true);
    expect(b.recordIds.every((id) => Date.parse(byId.get(id)?.window.start ?? '') >= changeAt)).toBe(true);
    expect(report.totals).toEqual({ EUR: a.amountMinor + b.amountMinor });
    console.info(
      `${a.recordIds.length} windows at ${FIRST_PRICE}: ${a.quantityBase} node-ms, ${a.amountMinor}; ${b.recordIds.length} at ${SECOND_PRICE}: ${b.quantityBase} node-ms, ${b.amountMinor}; total ${report.totals.EUR}`,
    );
    const csv = await tenantry(['invoice', '--period', period, '--tenant', tenant]);
    expect(csv.code, csv.stderr).toBe(0);
    expect(csv.stdout.split('\r\n')[0]).toMatch(/,effectiveFrom$/);
    expect(csv.stdout).toContain(`,${effectiveFrom}\r\n`);

    // A report in the version 1 format (one line per SKU, no price times), signed with the
    // operator's key as the code before effective dates signed it, still verifies.
    await stopOperator();
    const { effectiveFrom: _, ...v1Line } = a;
    const v1Body = {
      kind: 'InvoiceReport' as const,
      version: 1,
      tenant,
      period,
      lines: [v1Line],
      totals: { EUR: a.amountMinor },
    };
    const v1: MeteredReport = {
      ...v1Body,
      meteredUntil: iso(changeAt),
      final: false,
      digest: invoiceDigest(v1Body),
    };
    // Written as the operator of before effective dates would have: as the operator.
    const op = await operatorClient(admin);
    const signer = keyStoreSigner(new KeyStore(op, { namespace: DEFAULT_NAMESPACE }));
    await storeReport(op, DEFAULT_NAMESPACE, v1, await signReport(signer, v1));
    op.close();
    const old = await invoiceJson(period);
    expect(old.version).toBe(1);
    expect(old.lines.map((l) => [l.sku, l.effectiveFrom, l.amountMinor])).toEqual([
      [SKU, undefined, a.amountMinor],
    ]);
    expect(old.signature?.keyId).toBe(report.signature?.keyId);

    // The second line: with status.watermark rewritten, admission lets a past price change
    // through; the operator compares with what it signed and refuses to sign.
    startOperator();
    await waitFor(
      'the operator to sign version 2 again',
      async () => (await invoiceJson(period)).version === 2,
    );
    const signedBefore = await loadReport(admin, DEFAULT_NAMESPACE, tenant, period);
    const trick = async (price: number) => {
      await admin.patch(
        EntitlementResource,
        tenant,
        undefined,
        { status: { watermark: '2000-01-01T00:00:00Z' } },
        'merge',
        { subresource: 'status' },
      );
      return (await refusal([first, { ...second, unitPriceMinor: price }])) === 'accepted';
    };
    await waitFor('a past price changed past admission', () => trick(SECOND_PRICE + 1), { intervalMs: 10 });
    const refused = await waitFor('Metered=False for the repriced usage', async () => {
      const e = await entitlement();
      const c = metered(e);
      return c?.status === 'False' ? c : false;
    });
    expect(refused.reason).toBe(EntitlementReason.PriceChanged);
    expect(refused.message).toContain(
      `usage of ${SKU} already signed at ${SECOND_PRICE} EUR per node-hour (effective from ${effectiveFrom}) would now be priced at ${SECOND_PRICE + 1} EUR per node-hour`,
    );
    const signedAfter = await loadReport(admin, DEFAULT_NAMESPACE, tenant, period);
    expect(JSON.parse(signedAfter?.reportJson ?? '{}').lines).toEqual(
      JSON.parse(signedBefore?.reportJson ?? '{}').lines,
    );
    // Putting the price back (the same way round admission) lets metering sign again.
    await waitFor('the price restored', () => trick(SECOND_PRICE), { intervalMs: 10 });
    await waitFor('Metered=True again', async () => metered(await entitlement())?.status === 'True');
  });
});
