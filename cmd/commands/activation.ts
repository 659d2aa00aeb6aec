import { Command, Option } from 'commander';
import { activationFunnel } from '../../operator/growth/funnel.ts';
import type { CohortPeriod } from '../../operator/growth/weeks.ts';
import { DEFAULT_NAMESPACE } from '../../operator/install/rbac.ts';
import { CliError } from '../exit-codes.ts';
import { clientFor } from '../kubeconfig.ts';
import { funnelCsv } from '../render/growth.ts';
import { jsonDocument } from '../render/invoice.ts';
import { type GrowthOptions, loadGrowth, timeFlag } from './growth-data.ts';

interface ExportOptions extends GrowthOptions {
  cohort: string;
  output: string;
}

export function activationCommand(): Command {
  return new Command('activation').description('The activation checklist across tenants').addCommand(
    new Command('export')
      .description(
        'The activation funnel: per tenant its signup, when each checklist item was done and whether ' +
          'the checklist was complete within 24 hours (yes, no, or pending while the tenant is younger ' +
          'than a day); per cohort the share complete within 24 hours of those decided. From the ' +
          "growth log in the operator's namespace.",
      )
      .option('--since <time>', 'only tenants created at or after this time (RFC 3339 or a date)')
      .addOption(
        new Option('--cohort <period>', 'cohorts by signup week or month')
          .choices(['week', 'month'])
          .default('week'),
      )
      .addOption(new Option('-o, --output <format>', 'csv or json').choices(['csv', 'json']).default('csv'))
      .option('--now <time>', 'compute as of this time instead of now, for a report that can be reproduced')
      .option('--kubeconfig <file>', 'kubeconfig to use')
      .option('--context <name>', 'kubeconfig context')
      .option(
        '-n, --namespace <namespace>',
        'the operator namespace (where the growth log is)',
        DEFAULT_NAMESPACE,
      )
      .action(async (opts: ExportOptions) => {
        const since = timeFlag('--since', opts.since);
        const now = timeFlag('--now', opts.now) ?? Date.now();
        if (!['week', 'month'].includes(opts.cohort)) throw new CliError('--cohort must be week or month');
        const client = await clientFor(opts);
        try {
          const { growth } = await loadGrowth(client, opts.namespace);
          const funnel = activationFunnel(growth, { now, period: opts.cohort as CohortPeriod, since });
          process.stdout.write(opts.output === 'json' ? jsonDocument(funnel) : funnelCsv(funnel));
        } finally {
          client.close();
        }
      }),
  );
}
