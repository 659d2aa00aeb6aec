import type { S3Client } from '@aws-sdk/client-s3';
import { EntitlementCondition, EntitlementReason } from '../../api/conditions.ts';
import { ANNOTATION_RESERVED_SINCE, LABEL_POOL, systemNamespaceOf } from '../../api/names.ts';
import type { AddOn, Entitlement, EntitlementStatus } from '../../api/v1alpha1/index.ts';
import { connectBucket, type S3Factory } from '../../archive/connect.ts';
import type { EndpointPolicy } from '../../archive/endpoint-policy.ts';
import { type ArchivedVersion, archiveUsage, listVersions } from '../../archive/usage.ts';
import { invoicePreview, statusRecords } from '../../billing/preview.ts';
import { repricedSinceSigned } from '../../billing/price-freeze.ts';
import { InvoiceError, type InvoiceLine, invoiceLines } from '../../billing/pricing.ts';
import { isCurrent, loadReport, storeReport } from '../../billing/report-store.ts';
import { meteredReport, signReport } from '../../billing/signed-report.ts';
import { readPublicKeys } from '../../evidence/keystore.ts';
import type { StatementSigner } from '../../evidence/sign.ts';
import { readJournal, reservationsOf } from '../../metering/journal.ts';
import type { Ledger } from '../../metering/ledger.ts';
import type { MeteringInputs } from '../../metering/record.ts';
import { LedgerTamperedError } from '../../metering/seal.ts';
import { advanceStoredLedger, loadLedger } from '../../metering/store.ts';
import { iso, periodBounds, periodOf, toMs } from '../../metering/windows.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { ConditionInput } from '../../runtime/conditions.ts';
import type { KubeClient } from '../../runtime/kube/client.ts';
import { Builtin } from '../../runtime/kube/resource.ts';
import { mirrorClosedDays } from './ledger-mirror.ts';

export interface MeteringDeps {
  client: KubeClient;
  clock: Clock;
  /** The operator's namespace, where the authoritative ledger is kept. */
  namespace: string;
  /** Window size; an hour unless trials and tests shorten it. */
  windowMs: number;
  s3?: S3Factory;
  /** Which archive endpoints the operator calls on the tenant's behalf. */
  endpoints?: EndpointPolicy | undefined;
  /** Signs invoice reports and seals the ledger; absent when signing is off. */
  signer?: StatementSigner | undefined;
  /** Called when a tenant's stored ledger fails verification (a metric). */
  onTampered?: ((tenant: string) => void) | undefined;
}

export interface MeteringResult {
  status: Pick<EntitlementStatus, 'watermark' | 'records' | 'invoicePreview' | 'ledgerSealed'>;
  condition: ConditionInput;
  requeueAfterMs: number;
}

/** How long after a window closes it is metered: writes that raced its end are visible by then. */
export const graceMs = (windowMs: number) => Math.min(30_000, Math.floor(windowMs / 2));

/**
 * Whether there is work: a window has closed since the watermark in status, or the spec
 * changed (new prices change the preview).
 */
export function meteringDue(e: Entitlement, now: number, windowMs: number): boolean {
  const wm = e.status?.watermark;
  return (
    wm === undefined ||
    e.status?.observedGeneration !== e.metadata.generation ||
    now - graceMs(windowMs) >= toMs(wm) + windowMs
  );
}

const isProvisioned = (a: AddOn) =>
  a.status?.conditions?.some((c) => c.type === 'Provisioned' && c.status === 'True') ?? false;

class SourceUnavailable extends Error {}

async function archivedVersions(
  deps: MeteringDeps,
  tenant: string,
  addons: ReadonlyArray<AddOn>,
): Promise<ArchivedVersion[]> {
  const out: ArchivedVersion[] = [];
  for (const a of addons) {
    const spec = a.spec.auditArchive;
    if (a.spec.type !== 'AuditArchive' || !spec || !isProvisioned(a)) continue;
    const conn = await connectBucket(
      deps.client,
      spec.bucket,
      systemNamespaceOf(tenant),
      deps.s3,
      deps.endpoints,
    );
    if (!('s3' in conn)) throw new SourceUnavailable(`archive ${a.metadata.name}: ${conn.message}`);
    const s3: S3Client = conn.s3;
    try {
      out.push(...(await listVersions(s3, spec.bucket.name, `tenantry/${tenant}/`)));
    } catch (err) {
      throw new SourceUnavailable(
        `archive ${a.metadata.name}: listing bucket ${spec.bucket.name} failed: ${(err as Error).message}`,
      );
    } finally {
      s3.destroy();
    }
  }
  return out;
}

/**
 * Everything metering reads, from the sources themselves: the nodes reserved now (listed
 * first), the reservations that ended (journal, read second), the archive's buckets.
 */
async function gather(
  deps: MeteringDeps,
  tenant: string,
  addons: ReadonlyArray<AddOn>,
): Promise<MeteringInputs> {
  const nodes = await deps.client.list(Builtin.Node, { labelSelector: `${LABEL_POOL}=${tenant}` });
  const running = nodes.items.flatMap((n) => {
    const since = n.metadata.annotations?.[ANNOTATION_RESERVED_SINCE];
    return since ? [{ node: n.metadata.name ?? '', since }] : [];
  });
  const ended = await readJournal(deps.client, deps.namespace, tenant);
  const archive = archiveUsage(await archivedVersions(deps, tenant, addons));
  return {
    reservations: reservationsOf(running, ended),
    archiveSamples: archive.samples,
    archiveEvents: archive.events,
  };
}

/** Why a period's report is not signed. */
interface Unsigned {
  reason: string;
  message: string;
}

/**
 * Signs the report of every period from the one the status last showed to the one of the
 * last metered window: the period so far, and a final report for each period metered to
 * its end (also copied, immutable, into the tenant's system namespace for the archive).
 */
async function signReports(
  deps: MeteringDeps,
  signer: StatementSigner,
  e: Entitlement,
  ledger: Ledger,
): Promise<Unsigned | undefined> {
  const tenant = e.spec.tenantRef.name;
  const wm = toMs(ledger.watermark);
  if (wm <= toMs(ledger.since)) return undefined;
  const last = periodOf(wm - 1);
  const previous = e.status?.watermark ? toMs(e.status.watermark) : wm;
  let period = periodOf(Math.max(toMs(ledger.since), Math.min(previous, wm) - 1));
  for (;;) {
    const end = periodBounds(period).end;
    let lines: InvoiceLine[];
    try {
      lines = invoiceLines(ledger.records, e.spec.prices ?? [], { tenant, period });
    } catch (err) {
      // A period that cannot be priced (a price removed since) is not signed; the next
      // window tries again once the price list is complete.
      if (err instanceof InvoiceError) {
        return {
          reason: EntitlementReason.PriceMissing,
          message: `the ${period} report is not signed: ${err.message}`,
        };
      }
      throw err;
    }
    const report = meteredReport(lines, {
      tenant,
      period,
      meteredUntil: iso(Math.min(wm, end)),
      final: wm >= end,
    });
    const stored = await loadReport(deps.client, deps.namespace, tenant, period);
    if (!isCurrent(stored, report)) {
      const repriced = repricedSinceSigned(stored, lines);
      if (repriced) {
        return {
          reason: EntitlementReason.PriceChanged,
          message: `the ${period} report is not signed: ${repriced}`,
        };
      }
      const signed = await signReport(signer, report);
      await storeReport(deps.client, deps.namespace, report, signed);
      if (report.final)
        await storeReport(deps.client, systemNamespaceOf(tenant), report, signed, { evidence: true });
    }
    if (period === last) return undefined;
    period = periodOf(end);
  }
}

/** Status fields of the period: compacted records and the invoice preview. */
function statusOf(
  e: Entitlement,
  ledger: Ledger,
  period: string,
): { status: MeteringResult['status']; problem?: string } {
  const tenant = e.spec.tenantRef.name;
  const prices = e.spec.prices ?? [];
  const status: MeteringResult['status'] = { watermark: ledger.watermark };
  try {
    status.records = statusRecords(ledger.records, prices, { tenant, period });
    const lines = invoiceLines(ledger.records, prices, { tenant, period });
    const currency = lines[0]?.currency ?? prices[0]?.currency;
    if (currency !== undefined) {
      status.invoicePreview = invoicePreview(lines, { period, currency, generatedAt: ledger.watermark });
    }
    return { status };
  } catch (err) {
    if (err instanceof InvoiceError) return { status, problem: err.message };
    throw err;
  }
}

/**
 * Meters the Entitlement's tenant: every window closed since the stored watermark (less a
 * grace period) goes into the ledger, closed days are mirrored where the tenant can read
 * them, and the status gets the watermark, compact records and the invoice preview. A
 * source that cannot be read holds the watermark back rather than metering a window short.
 */
export async function meter(
  deps: MeteringDeps,
  e: Entitlement,
  addons: ReadonlyArray<AddOn>,
): Promise<MeteringResult> {
  const tenant = e.spec.tenantRef.name;
  const now = deps.clock.now();
  const grace = graceMs(deps.windowMs);
  const untilNextWindow = deps.windowMs - ((now - grace) % deps.windowMs) + 1;
  let inputs: MeteringInputs;
  try {
    inputs = await gather(deps, tenant, addons);
  } catch (err) {
    if (!(err instanceof SourceUnavailable)) throw err;
    return {
      status: e.status?.watermark ? { watermark: e.status.watermark } : {},
      condition: {
        type: EntitlementCondition.Metered,
        status: 'False',
        reason: EntitlementReason.SourceUnavailable,
        message: err.message,
      },
      requeueAfterMs: Math.min(60_000, untilNextWindow),
    };
  }
  const since = e.metadata.creationTimestamp ?? iso(now);
  let ledger: Ledger;
  try {
    ledger = await advanceStoredLedger(deps.client, deps.namespace, tenant, since, inputs, now - grace, {
      windowMs: deps.windowMs,
      signer: deps.signer,
      publicKeys: deps.signer ? await readPublicKeys(deps.client, deps.namespace) : undefined,
      reportedWatermark: e.status?.watermark,
      sealed: e.status?.ledgerSealed === true,
    });
  } catch (err) {
    if (!(err instanceof LedgerTamperedError)) throw err;
    // Nothing is metered on, and nothing signed, from a ledger the operator did not write.
    deps.onTampered?.(tenant);
    return {
      status: {
        ...(e.status?.watermark ? { watermark: e.status.watermark } : {}),
        ...(e.status?.ledgerSealed ? { ledgerSealed: true } : {}),
      },
      condition: {
        type: EntitlementCondition.Metered,
        status: 'False',
        reason: EntitlementReason.LedgerTampered,
        message: `${err.message}; no report is signed until the ledger is restored from the audit archive or the records are re-metered`,
      },
      requeueAfterMs: Math.min(60_000, untilNextWindow),
    };
  }
  await mirrorClosedDays(
    deps.client,
    ledger,
    systemNamespaceOf(tenant),
    async () => (await loadLedger(deps.client, deps.namespace, tenant, since, deps.windowMs)).partitions,
  );
  const current = statusOf(e, ledger, periodOf(now));
  const status = {
    ...current.status,
    ...(deps.signer || e.status?.ledgerSealed ? { ledgerSealed: true } : {}),
  };
  // Reports need every SKU priced: without, the Metered condition says which price is missing.
  const problem: Unsigned | undefined = current.problem
    ? { reason: EntitlementReason.PriceMissing, message: current.problem }
    : deps.signer
      ? await signReports(deps, deps.signer, e, ledger)
      : undefined;
  return {
    status,
    condition: problem
      ? {
          type: EntitlementCondition.Metered,
          status: 'False',
          reason: problem.reason,
          message: problem.message,
        }
      : {
          type: EntitlementCondition.Metered,
          status: 'True',
          reason: EntitlementReason.UpToDate,
          message: `usage is metered up to ${ledger.watermark}`,
        },
    requeueAfterMs: untilNextWindow,
  };
}
