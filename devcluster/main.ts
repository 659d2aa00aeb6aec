import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ensureBinaries } from './binaries.ts';
import { startControlPlane } from './controlplane.ts';
import { startNodeSimulator } from './nodes.ts';

const usage = `usage:
  node devcluster/main.ts up [--nodes N] [--regions a,b] [--dir DIR] [--audit-log] [--keep-dir]
      start etcd, kube-apiserver, kube-controller-manager, kube-scheduler and N simulated nodes
      on 127.0.0.1, and run until interrupted
  node devcluster/main.ts build
      build (or find) the control plane binaries and print their directory`;

export async function main(argv: readonly string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: [...argv],
    allowPositionals: true,
    options: {
      nodes: { type: 'string', default: '3' },
      regions: { type: 'string', default: 'eu-west-1' },
      dir: { type: 'string' },
      'audit-log': { type: 'boolean', default: false },
      'keep-dir': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const command = positionals[0];
  if (values.help || command === undefined) {
    process.stdout.write(`${usage}\n`);
    return command === undefined && !values.help ? 2 : 0;
  }
  if (command === 'build') {
    process.stdout.write(`${await ensureBinaries()}\n`);
    return 0;
  }
  if (command !== 'up') {
    process.stderr.write(`unknown command ${command}\n${usage}\n`);
    return 2;
  }

  const count = Number(values.nodes);
  if (!Number.isInteger(count) || count < 0)
    throw new Error(`--nodes must be a non-negative integer, got ${values.nodes}`);
  const regions = values.regions
    .split(',')
    .map((r) => r.trim())
    .filter((r) => r !== '');

  const binDir = await ensureBinaries();
  const started = performance.now();
  const cp = await startControlPlane({
    binDir,
    auditLog: values['audit-log'],
    keepDir: values['keep-dir'],
    ...(values.dir === undefined ? {} : { dir: values.dir }),
  });
  let simulator: Awaited<ReturnType<typeof startNodeSimulator>> | undefined;
  try {
    simulator = await startNodeSimulator(cp.nodeSimulator.kubeconfigPath, { count, regions });
  } catch (err) {
    await cp.stop();
    throw err;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);

  const lines = [
    `control plane ready in ${seconds}s at ${cp.server} with nodes: ${simulator.nodes.join(', ') || '(none)'}`,
    `kubeconfig: ${cp.kubeconfigPath}`,
    `logs:       ${cp.dir}`,
    ...(cp.auditLogPath === undefined ? [] : [`audit log:  ${cp.auditLogPath}`]),
    '',
    `  export KUBECONFIG=${cp.kubeconfigPath}`,
    `  ${join(binDir, 'kubectl')} get nodes`,
    '',
    'press Ctrl-C to stop',
  ];
  process.stdout.write(`${lines.join('\n')}\n`);

  const signal = await new Promise<NodeJS.Signals>((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
  // A second signal while stopping: give up on a clean stop; the exit hook still kills the children.
  const force = () => process.exit(1);
  process.once('SIGINT', force);
  process.once('SIGTERM', force);
  process.stderr.write(`${signal}: stopping\n`);
  await simulator.stop();
  await cp.stop();
  return 0;
}

if (import.meta.main) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
      process.exit(1);
    },
  );
}
