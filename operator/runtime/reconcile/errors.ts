import { isInvalid } from '../kube/errors.ts';

/**
 * An error that retrying cannot fix (input that is wrong as it stands). The object is marked
 * Stalled with the reason, the key is not retried, and the next change to the object brings it
 * back: controller-runtime's TerminalError, with a reason for the condition.
 */
export class TerminalError extends Error {
  override readonly name = 'TerminalError';
  /** CamelCase reason for the Stalled and Ready conditions. */
  readonly reason: string;

  constructor(message: string, opts: { reason?: string; cause?: unknown } = {}) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.reason = opts.reason ?? 'InvalidSpec';
  }
}

/** A failed sub-reconciler: its name, so combined errors say which part failed. */
export interface StepFailure {
  step: string;
  error: unknown;
}

/**
 * Several sub-reconcilers failed in one reconcile; the message names each. Terminal only when
 * every one of them was, so one retryable failure still gets its retry.
 */
export class ReconcileErrors extends Error {
  override readonly name = 'ReconcileErrors';
  readonly failures: readonly StepFailure[];

  constructor(failures: readonly StepFailure[]) {
    super(failures.map((f) => `${f.step}: ${messageOf(f.error)}`).join('; '));
    this.failures = failures;
  }
}

/**
 * The API server refusing a request as invalid (422, or 400 BadRequest) is input no retry can
 * fix until the spec changes: a TerminalError with the server's message.
 */
export function asTerminal(e: unknown): unknown {
  if (e instanceof TerminalError || !isInvalid(e)) return e;
  return new TerminalError((e as Error).message, { reason: 'Invalid', cause: e });
}

export function messageOf(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** The one error to report for a reconcile's failures: as thrown, terminal, or combined. */
export function combineFailures(failures: readonly StepFailure[]): Error | undefined {
  const [first] = failures;
  if (!first) return undefined;
  const terminal = failures.every((f) => f.error instanceof TerminalError);
  if (failures.length === 1) {
    return first.error instanceof Error ? first.error : new Error(`${first.step}: ${messageOf(first.error)}`);
  }
  if (terminal) {
    const reason = (first.error as TerminalError).reason;
    return new TerminalError(new ReconcileErrors(failures).message, { reason });
  }
  return new ReconcileErrors(failures);
}
