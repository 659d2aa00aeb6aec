import { Command } from 'commander';
import { EntitlementCondition } from '../../operator/api/conditions.ts';
import { LABEL_INVOICE, LABEL_TENANT } from '../../operator/api/names.ts';
import type { Entitlement } from '../../operator/api/v1alpha1/index.ts';
import { EntitlementResource } from '../../operator/api/v1alpha1/index.ts';
import { REPORT_VERSIONS } from '../../operator/billing/invoice-report.ts';
import { reconcileInvoice } from '../../operator/billing/reconcile-invoice.ts';
import { loadReport } from '../../operator/billing/report-store.ts';
import { type MeteredReport, meteredReport, verifyReport } from '../../operator/billing/signed-report.ts';
import { readPublicKeys } from '../../operator/evidence/keystore.ts';
import { DEFAULT_NAMESPACE } from '../../operator/install/rbac.ts';
import { iso, periodBounds, toMs } from '../../operator/metering/windows.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import { Builtin } from '../../operator/runtime/kube/resource.ts';
import { fromTenantApi } from '../../operator/tenantapi/client.ts';
import {
  currentPeriod,
  periodProblem,
  reconciledLines,
  type UsageContent,
  UsageProblem,
  usageOf,
  verifiedLedger,
} from '../../operator/tenantapi/usage.ts';
import { writeInvoiceBundles } from '../billing/bundle-dir.ts';
import { unsignedNote } from '../billing/unsigned.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { clientFor } from '../kubeconfig.ts';
import { invoiceCsv, reportsJson, usageJson, usageText } from '../render/invoice.ts';

type EntitlementObject = Entitlement;

interface BillingOptions {
  period?: string;
  tenant?: string;
  output: string;
  kubeconfig?: string;
  context?: string;
  namespace: string;
}

/** The ledger's and lines' problems are the command's findings (exit 1), in the same words. */
async function findings<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (e) {
    if (e instanceof UsageProblem) throw new CliError(e.message, EXIT.findings);
    throw e;
  }
}

interface TenantInvoice {
  report: MeteredReport;
  /** The report's exact signed bytes and bundle; absent when the operator signs nothing. */
  signed?: { reportJson: string; bundle: unknown; keyId: string };
}

/**
 * The tenant's report of the period: the one the operator signed, after checking its
 * signature and that every line still equals the sum of its ledger records (and that no
 * record up to its watermark is left off); an unsigned one from the ledger when there is none.
 */
async function tenantInvoice(
  client: KubeClient,
  tenant: string,
  e: EntitlementObject | undefined,
  period: string,
  namespace: string,
  publicKeys: () => Promise<Record<string, string>>,
): Promise<TenantInvoice> {
  const ledger = await verifiedLedger(client, namespace, tenant, period, e);
  const stored = await loadReport(client, namespace, tenant, period);
  if (!stored) {
    if (!e)
      throw new CliError(
        `tenant "${tenant}" has neither an Entitlement nor a signed report for ${period}`,
        EXIT.findings,
      );
    const { lines } = await reconciledLines(client, e, period, namespace, ledger);
    const end = periodBounds(period).end;
    const wm = toMs(ledger.watermark);
    const metered = e.status?.conditions?.find((c) => c.type === EntitlementCondition.Metered);
    process.stderr.write(
      unsignedNote({
        tenant,
        period,
        entitledSince: e.metadata.creationTimestamp,
        records: ledger.records,
        watermark: ledger.watermark,
        signingKeys: Object.keys(await publicKeys()).length,
        metered: metered && metered.status !== 'True' ? metered : undefined,
      }),
    );
    return {
      report: meteredReport(lines, {
        tenant,
        period,
        meteredUntil: iso(Math.min(wm, end)),
        final: wm >= end,
      }),
    };
  }
  let verified: ReturnType<typeof verifyReport>;
  try {
    verified = verifyReport(stored.reportJson, JSON.parse(stored.bundleJson), await publicKeys());
  } catch (err) {
    throw new CliError(
      `the signed report of ${tenant} for ${period} does not verify: ${(err as Error).message}`,
      EXIT.findings,
    );
  }
  const { report } = verified;
  // Older versions stay readable (the signature is over their bytes); a newer one needs a newer CLI.
  if (!REPORT_VERSIONS.includes(report.version))
    throw new CliError(
      `the signed report of ${tenant} for ${period} has format version ${report.version}; this tenantry reads ${REPORT_VERSIONS.join(', ')}: upgrade it`,
      EXIT.findings,
    );
  if (report.tenant !== tenant || report.period !== period)
    throw new CliError(
      `the report stored for ${tenant} ${period} is of ${report.tenant} ${report.period}`,
      EXIT.findings,
    );
  const until = toMs(report.meteredUntil);
  const covered = ledger.records.filter((r) => r.tenant === tenant && toMs(r.window.end) <= until);
  const problems = reconcileInvoice(report.lines, covered);
  const onLines = new Set(report.lines.flatMap((l) => l.recordIds));
  const bounds = periodBounds(period);
  for (const r of covered) {
    const start = toMs(r.window.start);
    if (start >= bounds.start && start < bounds.end && !onLines.has(r.id))
      problems.push(`record ${r.id} (${r.meter}, ${r.window.start}) is on no line`);
  }
  if (problems.length)
    throw new CliError(
      `the signed report of ${tenant} for ${period} does not reconcile with the ledger:\n  ${problems.join('\n  ')}`,
      EXIT.findings,
    );
  if (toMs(ledger.watermark) > until && !report.final)
    process.stderr.write(
      `note: the signed report of ${tenant} is as of ${report.meteredUntil}; the ledger is at ${ledger.watermark} (the next window signs again)\n`,
    );
  return {
    report,
    signed: {
      reportJson: stored.reportJson,
      bundle: JSON.parse(stored.bundleJson) as unknown,
      keyId: verified.keyId,
    },
  };
}

function periodOf(opts: BillingOptions): string {
  const period = opts.period ?? currentPeriod(Date.now());
  const problem = periodProblem(period);
  if (problem) throw new CliError(`--${problem}`);
  return period;
}

async function invoice(opts: BillingOptions & { bundleDir?: string }): Promise<void> {
  const period = periodOf(opts);
  if (!['csv', 'json'].includes(opts.output))
    throw new CliError(`--output must be csv or json, got "${opts.output}"`);
  const client = await clientFor(opts);
  try {
    // Tenants with an Entitlement, and withdrawn ones whose signed report of the period remains.
    const entitlements = new Map(
      (await client.list<EntitlementObject>(EntitlementResource)).items.map((e) => [
        e.spec.tenantRef.name,
        e,
      ]),
    );
    const reported = (
      await client.list(Builtin.ConfigMap, {
        namespace: opts.namespace,
        labelSelector: `${LABEL_INVOICE}=${period}`,
      })
    ).items.map((c) => c.metadata.labels?.[LABEL_TENANT] ?? '');
    const tenants = [...new Set([...entitlements.keys(), ...reported])]
      .filter((t) => t && (!opts.tenant || t === opts.tenant))
      .sort();
    if (opts.tenant && !tenants.length)
      throw new CliError(
        `tenant "${opts.tenant}" has no Entitlement and no signed report for ${period}`,
        EXIT.findings,
      );
    let keys: Record<string, string> | undefined;
    const publicKeys = async () => {
      keys ??= await readPublicKeys(client, opts.namespace);
      return keys;
    };
    const invoices: TenantInvoice[] = [];
    for (const t of tenants) {
      invoices.push(
        await findings(() =>
          tenantInvoice(client, t, entitlements.get(t), period, opts.namespace, publicKeys),
        ),
      );
    }
    if (opts.bundleDir) {
      const signed = invoices.flatMap(({ report, signed: s }) =>
        s ? [{ ...s, tenant: report.tenant, period }] : [],
      );
      const commands = writeInvoiceBundles(opts.bundleDir, signed, await publicKeys());
      process.stderr.write(
        commands.length
          ? `wrote ${commands.length} signed report${commands.length === 1 ? '' : 's'} with bundle and key to ${opts.bundleDir}; verify with:\n${commands.map((c) => `${c}\n`).join('')}`
          : `wrote no report to ${opts.bundleDir}: none of ${period} is signed\n`,
      );
    }
    process.stdout.write(
      opts.output === 'csv'
        ? invoiceCsv(invoices.flatMap((i) => i.report.lines))
        : reportsJson(period, invoices),
    );
  } finally {
    client.close();
  }
}

/**
 * The tenant's usage and cost so far: from the tenant API when it is served, so the view is
 * recorded as the caller's (and a tenant owner, who cannot read the ledger, sees it), otherwise
 * from the ledger directly; stderr says which.
 */
async function usage(opts: BillingOptions): Promise<void> {
  const tenant = opts.tenant;
  if (!tenant) throw new CliError('--tenant is required');
  const period = periodOf(opts);
  const client = await clientFor(opts);
  try {
    const got = await fromTenantApi<'Usage', UsageContent>(client, tenant, 'usage', 'Usage', { period });
    const u = 'doc' in got ? got.doc : await findings(() => usageOf(client, opts.namespace, tenant, period));
    process.stdout.write(opts.output === 'json' ? usageJson(u) : usageText(u));
    process.stderr.write(
      'doc' in got
        ? `usage of ${tenant} (${u.digest}) through the tenant API, recorded in its growth log\n`
        : `usage of ${tenant} (${u.digest}) read directly, not recorded: ${got.unavailable}\n`,
    );
  } finally {
    client.close();
  }
}

const common = (c: Command) =>
  c
    .option('--kubeconfig <file>', 'kubeconfig to use')
    .option('--context <name>', 'kubeconfig context')
    .option('-n, --namespace <ns>', 'the operator namespace (where the ledger is kept)', DEFAULT_NAMESPACE);

export function invoiceCommand(): Command {
  return common(
    new Command('invoice')
      .description(
        'Invoice-ready lines from the metering ledger; each line is checked against the sum of its records',
      )
      .option('--period <YYYY-MM>', 'billing period (default: this month)')
      .option('--tenant <name>', 'one tenant (default: every tenant with an Entitlement)')
      .option(
        '-o, --output <format>',
        'csv or json (json carries each report with its digest and signature)',
        'csv',
      )
      .option(
        '--bundle-dir <dir>',
        'also write each signed report and its Sigstore bundle there, for cosign or `tenantry evidence verify`',
      ),
  ).action(invoice);
}

export function usageCommand(): Command {
  return common(
    new Command('usage')
      .description("A tenant's metered usage and cost so far in a period")
      .requiredOption('--tenant <name>', 'the tenant')
      .option('--period <YYYY-MM>', 'period (default: this month)')
      .option('-o, --output <format>', 'text or json', 'text'),
  ).action(usage);
}
