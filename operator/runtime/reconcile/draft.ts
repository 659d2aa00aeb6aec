import type { Clock } from '../clock.ts';
import {
  type ConditionInput,
  findCondition,
  removeCondition,
  setCondition,
  summarize,
} from '../conditions.ts';
import type { Condition } from '../kube/meta.ts';
import { asTerminal, combineFailures, messageOf, type StepFailure, TerminalError } from './errors.ts';
import { type ObjectStatus, type Outcome, shortestRequeue } from './outcome.ts';

/**
 * How Ready follows from an object's other conditions: judged in order, the first that needs
 * the user (stalls) wins, else the first that is not True; all True is Ready.
 */
export interface Readiness {
  conditions: readonly string[];
  /** A missing condition counts as pending (every one is required) instead of not applying. */
  requireAll?: boolean;
  /** Whether a condition that is not True needs a change from the user (Stalled) rather than time (Reconciling). */
  stalls(c: Condition): boolean;
}

/**
 * One reconcile's status, built on a copy of the status the object has: sub-reconcilers'
 * outcomes are merged onto it in order (so a part that fails leaves what it reported before),
 * their failures and requeues collected; the runtime writes the result once.
 */
export class StatusDraft<S extends ObjectStatus> {
  private current: S;
  private readonly decidedNow = new Set<string>();
  private readonly failures: StepFailure[] = [];
  private readonly waits: Array<number | undefined> = [];
  private readonly generation: number | undefined;
  private readonly clock: Clock;

  constructor(previous: S | undefined, generation: number | undefined, clock: Clock) {
    this.current = structuredClone(previous ?? ({} as S));
    this.generation = generation;
    this.clock = clock;
  }

  /** The status so far. */
  get status(): Readonly<S> {
    return this.current;
  }

  condition(type: string): Condition | undefined {
    return findCondition(this.current.conditions, type);
  }

  /** The condition if a sub-reconciler set it in this reconcile (not carried over from before). */
  decided(type: string): Condition | undefined {
    return this.decidedNow.has(type) ? this.condition(type) : undefined;
  }

  apply(outcome: Outcome<S> | undefined): void {
    if (!outcome) return;
    let conditions = this.current.conditions;
    for (const type of outcome.removeConditions ?? []) {
      conditions = removeCondition(conditions, type);
      this.decidedNow.delete(type);
    }
    for (const c of outcome.conditions ?? []) {
      conditions = setCondition(conditions, c, this.generation, this.clock);
      this.decidedNow.add(c.type);
    }
    if (conditions !== this.current.conditions) this.current.conditions = conditions ?? [];
    const fields = this.current as Record<string, unknown>;
    for (const [key, value] of Object.entries(outcome.status ?? {})) {
      if (value === undefined) delete fields[key];
      else fields[key] = value;
    }
    this.waits.push(outcome.requeueAfterMs);
  }

  /**
   * Runs one sub-reconciler and merges its outcome. A failure is recorded, not thrown, so the
   * parts after it still run and the status still says what they found; the runtime reports
   * the failures once the status is written. Returns whether the part succeeded.
   */
  async step(
    name: string,
    run: () => Promise<Outcome<S> | undefined> | Outcome<S> | undefined,
    condition?: string,
  ): Promise<boolean> {
    try {
      this.apply(await run());
      return true;
    } catch (thrown) {
      const error = asTerminal(thrown);
      this.failures.push({ step: name, error });
      if (condition) this.reportFailure(condition, name, error);
      return false;
    }
  }

  /**
   * A failed part says so in the condition it owns, so status never claims what this spec has
   * not reached: input no retry can fix sets it False with the reason (the object is Stalled);
   * any other failure leaves a verdict already reached for this generation and otherwise makes
   * the condition Unknown while the retries run.
   */
  private reportFailure(type: string, step: string, error: unknown): void {
    const message = `${step}: ${messageOf(error)}`;
    if (error instanceof TerminalError) {
      this.apply({ conditions: [{ type, status: 'False', reason: error.reason, message }] });
      return;
    }
    const previous = this.condition(type);
    if (previous && previous.observedGeneration === this.generation) return;
    this.apply({ conditions: [{ type, status: 'Unknown', reason: 'Retrying', message }] });
  }

  /** Ready (with Reconciling or Stalled) from the other conditions, in kstatus terms. */
  summarize(policy: Readiness, readyMessage: string): void {
    const judged = policy.conditions.flatMap((type): Condition[] => {
      const c = this.condition(type);
      if (c) return [c];
      return policy.requireAll
        ? [
            {
              type,
              status: 'Unknown',
              reason: 'Pending',
              message: `${type} not reached yet`,
              lastTransitionTime: '',
            },
          ]
        : [];
    });
    const pending = judged.filter((c) => c.status !== 'True');
    const blocked = pending.find((c) => policy.stalls(c));
    const first = blocked ?? pending[0];
    this.setSummary(
      first
        ? { state: blocked ? 'stalled' : 'progressing', reason: first.reason, message: first.message }
        : { state: 'ready', message: readyMessage },
    );
  }

  private setSummary(outcome: Parameters<typeof summarize>[1]): void {
    this.current.conditions = summarize(this.current.conditions, outcome, this.generation, this.clock);
  }

  /** Records a failure found outside a sub-reconciler. */
  fail(step: string, error: unknown): void {
    this.failures.push({ step, error: asTerminal(error) });
  }

  /** Ready=False while a deletion waits for something, saying what. */
  deleting(waitingFor: string): void {
    this.setSummary({ state: 'progressing', reason: 'Deleting', message: waitingFor });
  }

  /** The error to report after the status is written, if any part failed. */
  error(): Error | undefined {
    return combineFailures(this.failures);
  }

  requeueAfterMs(): number | undefined {
    return shortestRequeue(this.waits);
  }

  /** The status to write: when input can't be fixed by retrying, Stalled says so. */
  result(): S {
    const error = this.error();
    if (error instanceof TerminalError) {
      this.setSummary({ state: 'stalled', reason: error.reason, message: error.message });
    }
    const out = this.current;
    if (this.generation !== undefined) out.observedGeneration = this.generation;
    return out;
  }
}

export type { ConditionInput };
