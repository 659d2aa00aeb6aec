import { Command } from 'commander';
import { LABEL_GROWTH_LOG, LABEL_TENANT } from '../../operator/api/names.ts';
import { eventsOf } from '../../operator/growth/log.ts';
import { deliveriesIn } from '../../operator/growth/nudges/records.ts';
import { DEFAULT_NAMESPACE } from '../../operator/install/rbac.ts';
import type { ConfigMap } from '../../operator/runtime/kube/core.ts';
import { Builtin } from '../../operator/runtime/kube/resource.ts';
import { CliError } from '../exit-codes.ts';
import { clientFor } from '../kubeconfig.ts';
import { deliveryJson, deliveryTable, loggedDelivery } from '../render/nudges-log.ts';

interface LogOptions {
  tenant?: string;
  since?: string;
  output: string;
  kubeconfig?: string;
  context?: string;
  namespace: string;
}

/** The delivery log, from the tenants' growth logs in the operator namespace, oldest first. */
async function log(opts: LogOptions): Promise<void> {
  if (!['table', 'json'].includes(opts.output))
    throw new CliError(`--output must be table or json, got "${opts.output}"`);
  if (opts.tenant !== undefined && !/^[a-z0-9]([-a-z0-9]{0,38}[a-z0-9])?$/.test(opts.tenant))
    throw new CliError(
      `--tenant must be a tenant name (a DNS label of at most 40 characters), got "${opts.tenant}"`,
    );
  const since = opts.since === undefined ? undefined : Date.parse(opts.since);
  if (since !== undefined && Number.isNaN(since))
    throw new CliError(`--since must be an RFC 3339 time such as 2026-12-01T00:00:00Z, got "${opts.since}"`);
  const client = await clientFor(opts);
  try {
    const selector = opts.tenant ? `${LABEL_GROWTH_LOG},${LABEL_TENANT}=${opts.tenant}` : LABEL_GROWTH_LOG;
    const list = await client.list<ConfigMap>(Builtin.ConfigMap, {
      namespace: opts.namespace,
      labelSelector: selector,
    });
    const rows = deliveriesIn(list.items.flatMap(eventsOf))
      .filter((e) => since === undefined || Date.parse(e.time) >= since)
      .map(loggedDelivery)
      .sort(
        (a, b) => a.time.localeCompare(b.time) || a.tenant.localeCompare(b.tenant) || a.attempt - b.attempt,
      );
    process.stdout.write(opts.output === 'json' ? deliveryJson(rows) : deliveryTable(rows));
  } finally {
    client.close();
  }
}

export function nudgesCommand(): Command {
  return new Command('nudges')
    .description("Admin nudges to tenants' owners")
    .addCommand(
      new Command('log')
        .description(
          'The delivery log: each attempt of each nudge on each channel (Events, webhooks) with its outcome: sent, failed (HTTP status or error), suppressed (optOut, cap, quiet)',
        )
        .option('--tenant <name>', 'one tenant (default: all)')
        .option('--since <time>', 'only attempts at or after this RFC 3339 time')
        .option('-o, --output <format>', 'table or json', 'table')
        .option('--kubeconfig <file>', 'kubeconfig to use')
        .option('--context <name>', 'kubeconfig context')
        .option(
          '-n, --namespace <ns>',
          'the operator namespace (where the growth log is kept)',
          DEFAULT_NAMESPACE,
        )
        .action(log),
    );
}
