import { Command } from 'commander';
import { TenantResource } from '../../operator/api/v1alpha1/index.ts';
import { readEvents } from '../../operator/growth/log.ts';
import { DEFAULT_NAMESPACE } from '../../operator/install/rbac.ts';
import { CliError, EXIT } from '../exit-codes.ts';
import { clientFor } from '../kubeconfig.ts';
import { jsonDocument } from '../render/invoice.ts';
import { type GrowthOptions, timeFlag } from './growth-data.ts';

interface EventsOptions extends GrowthOptions {
  tenant?: string;
  type?: string[];
}

const collect = (value: string, previous: string[] | undefined) => [...(previous ?? []), value];

export function eventsCommand(): Command {
  return new Command('events')
    .description("A tenant's durable growth log: milestones, checklist items, activity, nudges")
    .addCommand(
      new Command('export')
        .description(
          'Print the growth log of a tenant as CloudEvents 1.0 in the JSON batch format ' +
            '(application/cloudevents-batch+json: an array of structured events), oldest first. ' +
            'Event ids derive from what happened, so a receiver can drop duplicates by id.',
        )
        .requiredOption('--tenant <name>', 'the tenant')
        .option('--since <time>', 'only events at or after this time (RFC 3339 or a date)')
        .option(
          '--type <type>',
          'only events of this type, e.g. dev.tenantry.activation.item-done; repeatable',
          collect,
        )
        .option('--kubeconfig <file>', 'kubeconfig to use')
        .option('--context <name>', 'kubeconfig context')
        .option(
          '-n, --namespace <namespace>',
          'the operator namespace (where the growth log is)',
          DEFAULT_NAMESPACE,
        )
        .action(async (opts: EventsOptions) => {
          const since = timeFlag('--since', opts.since);
          const client = await clientFor(opts);
          try {
            const tenant = opts.tenant ?? '';
            const events = await readEvents(
              client,
              opts.namespace,
              tenant,
              since === undefined ? {} : { since },
            );
            if (!events.length && !(await client.find(TenantResource, tenant)))
              throw new CliError(`tenant "${tenant}" does not exist and has no growth log`, EXIT.findings);
            const types = opts.type;
            process.stdout.write(jsonDocument(types ? events.filter((e) => types.includes(e.type)) : events));
          } finally {
            client.close();
          }
        }),
    );
}
