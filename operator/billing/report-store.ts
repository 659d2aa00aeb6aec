import {
  LABEL_EVIDENCE,
  LABEL_INVOICE,
  LABEL_MANAGED_BY,
  LABEL_TENANT,
  MANAGED_BY,
  reportConfigMapName,
} from '../api/names.ts';
import type { KubeClient } from '../runtime/kube/client.ts';
import { isAlreadyExists, isConflict, isNotFound } from '../runtime/kube/errors.ts';
import type { AnyObject } from '../runtime/kube/object.ts';
import { Builtin } from '../runtime/kube/resource.ts';
import type { MeteredReport } from './signed-report.ts';

type ReportConfigMap = AnyObject & { data?: Record<string, string>; immutable?: boolean };

export interface StoredReport {
  reportJson: string;
  bundleJson: string;
}

/** A tenant's signed report of a period, as the operator stored it; undefined when there is none. */
export async function loadReport(
  client: KubeClient,
  namespace: string,
  tenant: string,
  period: string,
): Promise<StoredReport | undefined> {
  const cm = await client.find<ReportConfigMap>(
    Builtin.ConfigMap,
    reportConfigMapName(tenant, period),
    namespace,
  );
  const reportJson = cm?.data?.['report.json'];
  const bundleJson = cm?.data?.['bundle.json'];
  return reportJson && bundleJson ? { reportJson, bundleJson } : undefined;
}

/** Whether the stored report already says what `report` says (same watermark and finality). */
export function isCurrent(stored: StoredReport | undefined, report: MeteredReport): boolean {
  if (!stored) return false;
  const old = JSON.parse(stored.reportJson) as MeteredReport;
  return old.final || (old.meteredUntil === report.meteredUntil && old.digest === report.digest);
}

/**
 * Stores a signed report: one ConfigMap per tenant and period, replaced as metering moves
 * on and made immutable once the report is final. A concurrent writer (conflict) or a final
 * report already there wins; the next window writes again.
 */
export async function storeReport(
  client: KubeClient,
  namespace: string,
  report: MeteredReport,
  signed: { reportJson: string; bundle: unknown },
  opts: { evidence?: boolean } = {},
): Promise<void> {
  const name = reportConfigMapName(report.tenant, report.period);
  const existing = await client.find<ReportConfigMap>(Builtin.ConfigMap, name, namespace);
  // Tenant namespaces take final reports only, created once (the operator cannot update there).
  if (existing?.immutable || (opts.evidence && (existing || !report.final))) return;
  const body: ReportConfigMap = {
    metadata: {
      name,
      namespace,
      labels: {
        [LABEL_MANAGED_BY]: MANAGED_BY,
        [LABEL_TENANT]: report.tenant,
        [LABEL_INVOICE]: report.period,
        // In a tenant's namespace the audit archive picks up final reports like receipts.
        ...(opts.evidence ? { [LABEL_EVIDENCE]: 'invoice-report' } : {}),
      },
      ...(existing ? { resourceVersion: existing.metadata.resourceVersion } : {}),
    },
    ...(report.final ? { immutable: true } : {}),
    data: { 'report.json': signed.reportJson, 'bundle.json': JSON.stringify(signed.bundle) },
  };
  try {
    if (existing) await client.update(Builtin.ConfigMap, body);
    else await client.create(Builtin.ConfigMap, body);
  } catch (e) {
    if (!(isConflict(e) || isAlreadyExists(e) || isNotFound(e))) throw e;
  }
}
