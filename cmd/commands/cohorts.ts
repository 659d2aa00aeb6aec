import { Command, Option } from 'commander';
import { cohortTable } from '../../operator/growth/cohorts.ts';
import { DEFAULT_NAMESPACE } from '../../operator/install/rbac.ts';
import { CliError } from '../exit-codes.ts';
import { clientFor } from '../kubeconfig.ts';
import { cohortsJson, cohortsTable } from '../render/growth.ts';
import { type GrowthOptions, loadGrowth, timeFlag } from './growth-data.ts';

interface CohortOptions extends GrowthOptions {
  weeks: string;
  output: string;
}

export function cohortsCommand(): Command {
  return new Command('cohorts')
    .description(
      'Tenants by signup week: how many completed the activation checklist (at all, within 24 hours) and ' +
        'retention, the share of the cohort active in week N after signup (week 0 is the signup week; ' +
        'active: running workload pods or metered usage the operator saw, or an action through the tenant ' +
        'API). The operator serves the same numbers as tenantry_cohort_* metrics.',
    )
    .option('--weeks <n>', 'weeks after signup to show', '8')
    .option('--since <time>', 'only tenants created at or after this time (RFC 3339 or a date)')
    .addOption(
      new Option('-o, --output <format>', 'table or json').choices(['table', 'json']).default('table'),
    )
    .option('--now <time>', 'compute as of this time instead of now')
    .option('--kubeconfig <file>', 'kubeconfig to use')
    .option('--context <name>', 'kubeconfig context')
    .option(
      '-n, --namespace <namespace>',
      'the operator namespace (where the growth log is)',
      DEFAULT_NAMESPACE,
    )
    .action(async (opts: CohortOptions) => {
      const weeks = Number(opts.weeks);
      if (!Number.isInteger(weeks) || weeks < 1 || weeks > 52)
        throw new CliError(`--weeks must be a whole number from 1 to 52, got "${opts.weeks}"`);
      const since = timeFlag('--since', opts.since);
      const now = timeFlag('--now', opts.now) ?? Date.now();
      const client = await clientFor(opts);
      try {
        const { growth } = await loadGrowth(client, opts.namespace);
        const rows = cohortTable(growth, { now, weeks, since });
        process.stdout.write(
          opts.output === 'json' ? cohortsJson(new Date(now).toISOString(), rows) : cohortsTable(rows),
        );
      } finally {
        client.close();
      }
    });
}
