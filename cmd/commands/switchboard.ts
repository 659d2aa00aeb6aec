import { spawn } from 'node:child_process';
import { Command } from 'commander';
import { selfAccess } from '../../operator/console/access.ts';
import { startConsole } from '../../operator/console/server.ts';
import { randomId } from '../../operator/console/sessions.ts';
import { kubeconfigSource } from '../../operator/console/sources.ts';
import { DEFAULT_NAMESPACE } from '../../operator/install/rbac.ts';
import { realClock } from '../../operator/runtime/clock.ts';
import { createLogger } from '../../operator/runtime/log.ts';
import { CliError } from '../exit-codes.ts';
import { clientFor } from '../kubeconfig.ts';

interface SwitchboardOptions {
  kubeconfig?: string;
  context?: string;
  namespace: string;
  port: string;
  open?: boolean;
}

/**
 * Switchboard on this machine, against any cluster, with her own credentials: every read and
 * every change goes through her kubeconfig, so RBAC is hers. It listens on 127.0.0.1 only, and
 * the printed link carries a one-time code, so another account on the machine cannot use it.
 */
async function switchboard(opts: SwitchboardOptions): Promise<void> {
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new CliError(`--port must be a port number, got "${opts.port}"`);
  const client = await clientFor(opts);
  const review = await client.request<{ status: { userInfo: { username: string; groups?: string[] } } }>(
    'POST',
    '/apis/authentication.k8s.io/v1/selfsubjectreviews',
    { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } },
  );
  const info = review.status.userInfo;
  const code = randomId();
  const server = await startConsole({
    source: kubeconfigSource(client, opts.namespace),
    access: selfAccess(client),
    local: { who: { user: info.username, groups: info.groups ?? [], extra: {}, via: 'token' }, code },
    clock: realClock,
    log: createLogger({ level: 'warn' }),
    port,
    host: '127.0.0.1',
  });
  const url = `${server.url}/login/local?code=${code}`;
  process.stdout.write(`Switchboard for ${info.username}: ${url}\n(Ctrl-C to stop)\n`);
  if (opts.open)
    spawn('xdg-open', [url], { stdio: 'ignore', detached: true })
      .on('error', () => {})
      .unref();
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  client.close();
}

export function switchboardCommand(): Command {
  return new Command('switchboard')
    .description(
      'Open Switchboard, the web console, on this machine against the cluster of your kubeconfig, with your own credentials (RBAC decides what you see)',
    )
    .option('--port <n>', 'port on 127.0.0.1 (0: any free one)', '0')
    .option('--open', 'open the link in a browser')
    .option('--kubeconfig <file>', 'kubeconfig to use')
    .option('--context <name>', 'kubeconfig context')
    .option('-n, --namespace <ns>', 'the operator namespace (growth log)', DEFAULT_NAMESPACE)
    .action(switchboard);
}
