/** Exit codes of every tenantry command, so scripts can tell failures apart. */
export const EXIT = {
  ok: 0,
  /** The command ran and found problems (lint errors, failed checks). */
  findings: 1,
  /** Wrong flags or arguments. */
  usage: 2,
  /** The cluster could not be reached or refused a request. */
  cluster: 3,
  /** Waited for a condition that did not arrive in time. */
  timeout: 4,
} as const;

/** An error whose message is meant for the user as is, with the exit code to use. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode: number = EXIT.usage) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
  }
}
