import { type Clock, isoTime } from './clock.ts';
import type { Condition } from './kube/meta.ts';

export type { Condition, ConditionStatus } from './kube/meta.ts';

export type ConditionInput = Omit<Condition, 'lastTransitionTime' | 'observedGeneration'>;

/**
 * The kstatus vocabulary. Ready is the summary GitOps tools and `kubectl wait` read;
 * Reconciling=True means work is in progress; Stalled=True means it cannot progress
 * without a change from the user.
 */
export const Ready = 'Ready';
export const Reconciling = 'Reconciling';
export const Stalled = 'Stalled';

/**
 * Returns a new list with the condition set. lastTransitionTime moves only when the status
 * flips, so reasons and messages can be refined without implying a transition.
 */
export function setCondition(
  conditions: readonly Condition[] | undefined,
  input: ConditionInput,
  generation: number | undefined,
  clock: Clock,
): Condition[] {
  const list = [...(conditions ?? [])];
  const i = list.findIndex((c) => c.type === input.type);
  const prev = i >= 0 ? list[i] : undefined;
  const next: Condition = {
    ...input,
    lastTransitionTime: prev && prev.status === input.status ? prev.lastTransitionTime : isoTime(clock),
    ...(generation !== undefined ? { observedGeneration: generation } : {}),
  };
  if (i >= 0) list[i] = next;
  else list.push(next);
  return list;
}

export function removeCondition(conditions: readonly Condition[] | undefined, type: string): Condition[] {
  return (conditions ?? []).filter((c) => c.type !== type);
}

export function findCondition(
  conditions: readonly Condition[] | undefined,
  type: string,
): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

export function isTrue(conditions: readonly Condition[] | undefined, type: string): boolean {
  return findCondition(conditions, type)?.status === 'True';
}

export type KStatus = 'InProgress' | 'Failed' | 'Current' | 'Terminating';

/** Computes the status kstatus (Flux, kpt, cli-utils) would report for an object. */
export function kstatus(obj: {
  metadata: { generation?: number; deletionTimestamp?: string };
  status?: { observedGeneration?: number; conditions?: readonly Condition[] };
}): KStatus {
  if (obj.metadata.deletionTimestamp) return 'Terminating';
  const observed = obj.status?.observedGeneration;
  if (obj.metadata.generation !== undefined && observed !== obj.metadata.generation) return 'InProgress';
  const conditions = obj.status?.conditions;
  if (isTrue(conditions, Reconciling)) return 'InProgress';
  if (isTrue(conditions, Stalled)) return 'Failed';
  const ready = findCondition(conditions, Ready);
  if (ready && ready.status !== 'True') return 'InProgress';
  return 'Current';
}

/**
 * Derives Ready, Reconciling and Stalled from the outcome of a reconcile, so every
 * controller reports progress the same way.
 */
export function summarize(
  conditions: readonly Condition[] | undefined,
  outcome:
    | { state: 'ready'; message: string }
    | { state: 'progressing'; reason: string; message: string }
    | { state: 'stalled'; reason: string; message: string },
  generation: number | undefined,
  clock: Clock,
): Condition[] {
  let list = [...(conditions ?? [])];
  const set = (c: ConditionInput) => {
    list = setCondition(list, c, generation, clock);
  };
  switch (outcome.state) {
    case 'ready':
      set({ type: Ready, status: 'True', reason: 'Reconciled', message: outcome.message });
      list = removeCondition(removeCondition(list, Reconciling), Stalled);
      break;
    case 'progressing':
      set({ type: Ready, status: 'False', reason: outcome.reason, message: outcome.message });
      set({ type: Reconciling, status: 'True', reason: outcome.reason, message: outcome.message });
      list = removeCondition(list, Stalled);
      break;
    case 'stalled':
      set({ type: Ready, status: 'False', reason: outcome.reason, message: outcome.message });
      set({ type: Stalled, status: 'True', reason: outcome.reason, message: outcome.message });
      list = removeCondition(list, Reconciling);
      break;
  }
  return list;
}
