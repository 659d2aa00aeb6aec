import type { ConditionInput } from '../conditions.ts';
import type { Condition } from '../kube/meta.ts';

/** The part of every status the runtime manages itself. */
export interface ObjectStatus {
  observedGeneration?: number;
  conditions?: Condition[];
}

/** Status fields a sub-reconciler owns; `undefined` removes the field. */
export type StatusFields<S extends ObjectStatus> = {
  [K in Exclude<keyof S, 'conditions' | 'observedGeneration'>]?: S[K] | undefined;
};

/**
 * What a sub-reconciler decided, the one shape they all return: the conditions it sets (or no
 * longer reports), the status fields it owns, and when to look again. Outcomes are merged in
 * order onto one status; the shortest requeue wins.
 */
export interface Outcome<S extends ObjectStatus = ObjectStatus> {
  conditions?: readonly ConditionInput[];
  /** Condition types this part no longer reports (say, its spec field was removed). */
  removeConditions?: readonly string[];
  status?: StatusFields<S>;
  /** Look again after this long even if nothing changes; 0 or absent: no timed look. */
  requeueAfterMs?: number | undefined;
}

/** The shortest positive wait of several, or undefined when none asks for one. */
export function shortestRequeue(waits: ReadonlyArray<number | undefined>): number | undefined {
  const positive = waits.filter((ms): ms is number => ms !== undefined && ms > 0);
  return positive.length ? Math.min(...positive) : undefined;
}
