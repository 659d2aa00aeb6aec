#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { Command, CommanderError } from 'commander';
import { ApiError } from '../operator/runtime/kube/errors.ts';
import { activationCommand } from './commands/activation.ts';
import { invoiceCommand, usageCommand } from './commands/billing.ts';
import { cohortsCommand } from './commands/cohorts.ts';
import { devCommand } from './commands/dev.ts';
import { eventsCommand } from './commands/events.ts';
import { evidenceCommand } from './commands/evidence.ts';
import { installCommand } from './commands/install.ts';
import { lintCommand } from './commands/lint.ts';
import { nudgesCommand } from './commands/nudges.ts';
import { runCommand } from './commands/run.ts';
import { signupCommand } from './commands/signup.ts';
import { switchboardCommand } from './commands/switchboard.ts';
import { validateCommand } from './commands/validate.ts';
import { CliError, EXIT } from './exit-codes.ts';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
  version: string;
};

export function program(): Command {
  // Invoked as `kubectl tenantry`, help should say so.
  const name = process.env.TENANTRY_INVOKED_AS === 'kubectl-tenantry' ? 'kubectl tenantry' : 'tenantry';
  return new Command(name)
    .description('Tenantry: a multi-tenant SaaS control plane on Kubernetes')
    .version(pkg.version, '-v, --version')
    .showHelpAfterError('(run with --help for usage)')
    .exitOverride()
    .addCommand(runCommand())
    .addCommand(devCommand())
    .addCommand(installCommand())
    .addCommand(lintCommand())
    .addCommand(signupCommand())
    .addCommand(evidenceCommand())
    .addCommand(usageCommand())
    .addCommand(invoiceCommand())
    .addCommand(activationCommand())
    .addCommand(cohortsCommand())
    .addCommand(eventsCommand())
    .addCommand(nudgesCommand())
    .addCommand(switchboardCommand())
    .addCommand(validateCommand());
}

export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (e instanceof CliError) {
      process.stderr.write(`error: ${e.message}\n`);
      return e.exitCode;
    }
    if (e instanceof ApiError) {
      process.stderr.write(
        `error: the API server refused the request (${e.code} ${e.reason}): ${e.message}\n`,
      );
      return EXIT.cluster;
    }
    const err = e as NodeJS.ErrnoException;
    if (err?.code === 'ECONNREFUSED' || err?.code === 'ENOTFOUND') {
      process.stderr.write(`error: cannot reach the Kubernetes API server: ${err.message}\n`);
      return EXIT.cluster;
    }
    process.stderr.write(`error: ${err?.stack ?? String(e)}\n`);
    return 1;
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await main(process.argv);
}
