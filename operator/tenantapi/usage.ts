import type { Entitlement } from '../api/v1alpha1/index.ts';
import { EntitlementResource } from '../api/v1alpha1/index.ts';
import { type InvoiceLine, invoiceLines } from '../billing/pricing.ts';
import { reconcileInvoice } from '../billing/reconcile-invoice.ts';
import { readPublicKeys } from '../evidence/keystore.ts';
import type { Ledger } from '../metering/ledger.ts';
import { verifyLedger } from '../metering/seal.ts';
import { loadLedger } from '../metering/store.ts';
import type { KubeClient } from '../runtime/kube/client.ts';
import { type TenantDocument, tenantDocument } from './document.ts';

/**
 * Why usage cannot be shown: the tenant has nothing to show it from (`missing`), or its ledger
 * or lines do not verify (`integrity`). The message names the tenant and the record.
 */
export class UsageProblem extends Error {
  readonly kind: 'missing' | 'integrity';
  constructor(kind: 'missing' | 'integrity', message: string) {
    super(message);
    this.name = 'UsageProblem';
    this.kind = kind;
  }
}

/**
 * The tenant's ledger, checked as the operator checks it before signing: the seals under the
 * published keys, the chain from day to day, and that nothing the operator reported metered is
 * missing. A ledger that does not verify is not shown from: a UsageProblem names the first record.
 */
export async function verifiedLedger(
  client: KubeClient,
  namespace: string,
  tenant: string,
  period: string,
  e: Entitlement | undefined,
): Promise<Ledger> {
  const { ledger, partitions } = await loadLedger(client, namespace, tenant, `${period}-01T00:00:00Z`);
  const problems = verifyLedger(partitions, {
    publicKeys: await readPublicKeys(client, namespace),
    requireSeals: e?.status?.ledgerSealed === true || partitions.some((p) => p.seal),
    reportedWatermark: e?.status?.watermark,
    tenant,
  });
  if (problems.length) {
    const lines = problems.map((p) => `${p.partition}: ${p.message}`);
    throw new UsageProblem('integrity', `the ledger of ${tenant} does not verify:\n  ${lines.join('\n  ')}`);
  }
  return ledger;
}

/** The period's invoice lines from the verified ledger, each checked to equal the sum of its records. */
export async function reconciledLines(
  client: KubeClient,
  e: Entitlement,
  period: string,
  namespace: string,
  loaded?: Ledger,
): Promise<{ lines: InvoiceLine[]; watermark: string }> {
  const tenant = e.spec.tenantRef.name;
  const ledger = loaded ?? (await verifiedLedger(client, namespace, tenant, period, e));
  const lines = invoiceLines(ledger.records, e.spec.prices ?? [], { tenant, period });
  const problems = reconcileInvoice(lines, ledger.records);
  if (problems.length)
    throw new UsageProblem(
      'integrity',
      `invoice for ${tenant} does not reconcile:\n  ${problems.join('\n  ')}`,
    );
  return { lines, watermark: ledger.watermark };
}

export interface UsageContent {
  tenant: string;
  period: string;
  meteredUntil: string;
  lines: InvoiceLine[];
}

export type UsageDocument = TenantDocument<'Usage', UsageContent>;

/** A tenant's usage and cost so far in a period, as `tenantry usage` shows it. */
export async function usageOf(
  client: KubeClient,
  namespace: string,
  tenant: string,
  period: string,
): Promise<UsageDocument> {
  const e = (await client.list<Entitlement>(EntitlementResource)).items.find(
    (x) => x.spec.tenantRef.name === tenant,
  );
  if (!e) throw new UsageProblem('missing', `tenant "${tenant}" has no Entitlement`);
  const { lines, watermark } = await reconciledLines(client, e, period, namespace);
  return tenantDocument('Usage', tenant, { tenant, period, meteredUntil: watermark, lines });
}

export const currentPeriod = (now: number): string => new Date(now).toISOString().slice(0, 7);

/** `YYYY-MM`, or a message naming what is wrong. */
export function periodProblem(period: string): string | undefined {
  return /^\d{4}-(0[1-9]|1[0-2])$/.test(period) ? undefined : `period must be YYYY-MM, got "${period}"`;
}
