import { Command } from 'commander';
import { install } from '../../operator/install/install.ts';
import { DEFAULT_NAMESPACE } from '../../operator/install/rbac.ts';
import { clientFor } from '../kubeconfig.ts';

export function installCommand(): Command {
  return new Command('install')
    .description('Install (or upgrade) the CRDs, the operator namespace and its least-privilege RBAC')
    .option('--kubeconfig <file>', 'kubeconfig to use (default: $KUBECONFIG, ~/.kube/config, in-cluster)')
    .option('--context <name>', 'kubeconfig context')
    .option('-n, --namespace <ns>', 'namespace of the operator', DEFAULT_NAMESPACE)
    .option('--crds-only', 'install only the CRDs')
    .option(
      '--console',
      'also let the operator review sign-ins and requests for the console (tenantry run --console-address)',
    )
    .action(
      async (opts: {
        kubeconfig?: string;
        context?: string;
        namespace: string;
        crdsOnly?: boolean;
        console?: boolean;
      }) => {
        const client = await clientFor(opts);
        try {
          const { crds } = await install(client, {
            namespace: opts.namespace,
            rbac: !opts.crdsOnly,
            console: Boolean(opts.console),
          });
          process.stderr.write(
            `installed ${crds.length} CRDs${opts.crdsOnly ? '' : ` and RBAC in ${opts.namespace}${opts.console ? ', with the console' : ''}`}\n`,
          );
        } finally {
          client.close();
        }
      },
    );
}
