import { ApiError, isInvalid } from '../kube/errors.ts';

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

/** Reason of a request an admission policy of the cluster denied. */
export const ADMISSION_DENIED = 'AdmissionDenied';

/**
 * The API server's words for a request a ValidatingAdmissionPolicy refused, whatever status
 * code the policy's validation chose (403 Forbidden by default, 422 for reason Invalid).
 */
const POLICY_DENIAL = /ValidatingAdmissionPolicy '[^']+' with binding '[^']+' denied request/;

export const isAdmissionDenied = (e: unknown): boolean =>
  e instanceof ApiError && [400, 403, 422].includes(e.code) && POLICY_DENIAL.test(e.message);

/**
 * Refusals no retry can fix until the spec or the cluster's configuration changes become
 * TerminalErrors with the server's message: a request an admission policy denied (the same
 * request is denied again, however often it is sent) and one the API server found invalid
 * (422, or 400 BadRequest). Any other 403 (RBAC) stays retryable: a missing grant is
 * often a role binding still being applied.
 */
export function asTerminal(e: unknown): unknown {
  if (e instanceof TerminalError) return e;
  if (isAdmissionDenied(e))
    return new TerminalError((e as Error).message, { reason: ADMISSION_DENIED, cause: e });
  if (isInvalid(e)) return new TerminalError((e as Error).message, { reason: 'Invalid', cause: e });
  return e;
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
