import { Command } from 'commander';
import type { Entitlement } from '../../operator/api/v1alpha1/index.ts';
import { EntitlementResource } from '../../operator/api/v1alpha1/index.ts';
import { invoiceCsv, invoiceJson, invoiceLines, reconcileInvoice } from '../../operator/billing/invoice.ts';
import { DEFAULT_NAMESPACE } from '../../operator/install/rbac.ts';
import { loadLedger } from '../../operator/metering/store.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import type { KubeObject } from '../../operator/runtime/kube/object.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { clientFor } from '../kubeconfig.ts';

type EntitlementObject = Entitlement & KubeObject;

interface BillingOptions {
  period?: string;
  tenant?: string;
  output: string;
  kubeconfig?: string;
  context?: string;
  namespace: string;
}

const currentPeriod = () => new Date().toISOString().slice(0, 7);

async function linesFor(client: KubeClient, e: EntitlementObject, period: string, namespace: string) {
  const tenant = e.spec.tenantRef.name;
  const { ledger } = await loadLedger(client, namespace, tenant, `${period}-01T00:00:00Z`);
  const lines = invoiceLines(ledger.records, e.spec.prices ?? [], { tenant, period });
  // The command checks what it prints: every line must equal the sum of its records.
  const problems = reconcileInvoice(lines, ledger.records);
  if (problems.length)
    throw new CliError(
      `invoice for ${tenant} does not reconcile:\n  ${problems.join('\n  ')}`,
      EXIT.findings,
    );
  return { lines, watermark: ledger.watermark };
}

async function invoice(opts: BillingOptions): Promise<void> {
  const period = opts.period ?? currentPeriod();
  if (!/^\d{4}-(0[1-9]|1[0-2])$/.test(period))
    throw new CliError(`--period must be YYYY-MM, got "${period}"`);
  if (!['csv', 'json'].includes(opts.output))
    throw new CliError(`--output must be csv or json, got "${opts.output}"`);
  const client = await clientFor(opts);
  try {
    const all = (await client.list<EntitlementObject>(EntitlementResource)).items;
    const chosen = opts.tenant ? all.filter((e) => e.spec.tenantRef.name === opts.tenant) : all;
    if (opts.tenant && !chosen.length)
      throw new CliError(`tenant "${opts.tenant}" has no Entitlement`, EXIT.findings);
    const lines = [];
    for (const e of chosen) lines.push(...(await linesFor(client, e, period, opts.namespace)).lines);
    process.stdout.write(
      opts.output === 'csv'
        ? invoiceCsv(lines)
        : `${invoiceJson(lines, { tenant: opts.tenant ?? '*', period })}\n`,
    );
  } finally {
    client.close();
  }
}

async function usage(opts: BillingOptions): Promise<void> {
  if (!opts.tenant) throw new CliError('--tenant is required');
  const period = opts.period ?? currentPeriod();
  const client = await clientFor(opts);
  try {
    const e = (await client.list<EntitlementObject>(EntitlementResource)).items.find(
      (x) => x.spec.tenantRef.name === opts.tenant,
    );
    if (!e) throw new CliError(`tenant "${opts.tenant}" has no Entitlement`, EXIT.findings);
    const { lines, watermark } = await linesFor(client, e, period, opts.namespace);
    if (opts.output === 'json') {
      process.stdout.write(
        `${JSON.stringify({ tenant: opts.tenant, period, meteredUntil: watermark, lines }, null, 2)}\n`,
      );
      return;
    }
    process.stdout.write(`usage of ${opts.tenant} in ${period}, metered until ${watermark}\n`);
    for (const l of lines) {
      process.stdout.write(
        `  ${l.sku.padEnd(24)} ${l.quantity.padStart(14)} ${l.unit.padEnd(10)} ${(Number(l.amountMinor) / 100).toFixed(2).padStart(10)} ${l.currency}\n`,
      );
    }
    if (!lines.length) process.stdout.write('  no metered usage yet\n');
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
      .option('-o, --output <format>', 'csv or json (json carries the report digest)', 'csv'),
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
