import type { ActiveNudge } from '../../api/v1alpha1/growth.ts';
import type { GrowthEvent } from '../events.ts';
import type { RetryPolicy } from './config.ts';
import { type NudgeDelivery, nudgeEventId, type SuppressionReason } from './records.ts';

/**
 * Which deliveries are due, decided from the nudges in force and the delivery log alone, so a
 * restarted operator decides exactly what the one before it would have (pure).
 *
 * A nudge in force since S is delivered at S, then reminded every `every` while it holds: each
 * delivery is an occurrence with its due time and its own event id. A nudge that resolves and
 * fires again within `every` of its last delivery is held back (cap). Each occurrence is sent
 * on every channel until it is sent, given up after the retry policy's attempts, or held back
 * by an opt-out or the cap; a quiet period postpones it to the period's end.
 */

/** An opt-out in force: the tenant admins' (all or some nudges) or the platform's spec.nudges.optOut. */
export interface OptOut {
  all: boolean;
  nudges: readonly string[];
  by?: string | undefined;
  at?: string | undefined;
}

export interface Occurrence {
  nudge: string;
  since: string;
  dueAt: string;
  eventId: string;
}

export type Decision =
  | { action: 'deliver'; occurrence: Occurrence; channel: string; attempt: number }
  | {
      action: 'suppress';
      occurrence: Occurrence;
      channel: string;
      attempt: number;
      reason: SuppressionReason;
      quietUntil?: string;
      optedOutBy?: string;
      optedOutAt?: string;
    };

export interface ScheduleInput {
  tenant: string;
  active: readonly ActiveNudge[];
  /** The tenant's delivery records. */
  records: readonly GrowthEvent<NudgeDelivery>[];
  channels: readonly string[];
  everyMs: (nudge: string) => number;
  optOut: OptOut;
  /** The end of the quiet period `now` is in, if any. */
  quietUntil: (now: number) => number | undefined;
  retry: RetryPolicy;
  now: number;
}

export interface Schedule {
  decisions: Decision[];
  /** When to look again (ms), if anything is pending. */
  wakeAt?: number;
}

/**
 * How long to wait until `at`, for a requeue: timers hold at most 2^31 ms (24.8 days, and a
 * longer one fires at once), so a time further off is looked at again within a day.
 */
export function waitUntil(at: number, now: number): number {
  return Math.min(86_400_000, Math.max(0, at - now));
}

const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

/** Backoff before the attempt after `failures` failed ones. */
export function backoffMs(retry: RetryPolicy, failures: number): number {
  return Math.min(retry.maxBackoffMs, retry.initialBackoffMs * 2 ** Math.max(0, failures - 1));
}

function isFinal(recs: readonly GrowthEvent<NudgeDelivery>[], retry: RetryPolicy): boolean {
  return (
    recs.some(
      (r) => r.data.outcome === 'sent' || (r.data.outcome === 'suppressed' && r.data.reason !== 'quiet'),
    ) || recs.filter((r) => r.data.outcome === 'failed').length >= retry.attempts
  );
}

/** The occurrence of a nudge to work on now: the latest one if unfinished, else the next. */
function currentOccurrence(
  input: ScheduleInput,
  nudge: ActiveNudge,
  mine: readonly GrowthEvent<NudgeDelivery>[],
): { occurrence: Occurrence; firstOfActivation: boolean } {
  const since = Date.parse(nudge.since);
  const occurrenceOf = (dueAt: string): Occurrence => ({
    nudge: nudge.name,
    since: nudge.since,
    dueAt,
    eventId: nudgeEventId(input.tenant, nudge.name, dueAt),
  });
  let last: GrowthEvent<NudgeDelivery> | undefined;
  for (const r of mine) if (!last || r.data.dueAt > last.data.dueAt) last = r;
  if (!last || Date.parse(last.data.dueAt) < since)
    return { occurrence: occurrenceOf(nudge.since), firstOfActivation: true };
  const lastOccurrence = mine.filter((r) => r.data.eventId === last.data.eventId);
  const done = input.channels.every((c) =>
    isFinal(
      lastOccurrence.filter((r) => r.data.channel === c),
      input.retry,
    ),
  );
  const first = last.data.dueAt === nudge.since;
  if (!done) return { occurrence: occurrenceOf(last.data.dueAt), firstOfActivation: first };
  // The next reminder: a period after the occurrence, or after its last send if that was later.
  const lastSent = Math.max(
    Date.parse(last.data.dueAt),
    ...lastOccurrence.filter((r) => r.data.outcome === 'sent').map((r) => Date.parse(r.time)),
  );
  return { occurrence: occurrenceOf(iso(lastSent + input.everyMs(nudge.name))), firstOfActivation: false };
}

export function planDeliveries(input: ScheduleInput): Schedule {
  const decisions: Decision[] = [];
  const wakes: number[] = [];
  const { now } = input;
  for (const nudge of input.active) {
    const mine = input.records.filter((r) => r.data.nudge === nudge.name);
    const { occurrence, firstOfActivation } = currentOccurrence(input, nudge, mine);
    const due = Date.parse(occurrence.dueAt);
    if (due > now) {
      wakes.push(due);
      continue;
    }
    const sentBefore = mine
      .filter((r) => r.data.outcome === 'sent' && r.data.eventId !== occurrence.eventId)
      .map((r) => Date.parse(r.time));
    const lastSent = sentBefore.length ? Math.max(...sentBefore) : undefined;
    const capped = firstOfActivation && lastSent !== undefined && due < lastSent + input.everyMs(nudge.name);
    const optedOut = input.optOut.all || input.optOut.nudges.includes(nudge.name);
    const quiet = input.quietUntil(now);
    for (const channel of input.channels) {
      const recs = mine.filter((r) => r.data.eventId === occurrence.eventId && r.data.channel === channel);
      if (isFinal(recs, input.retry)) continue;
      const attempt = recs.length + 1;
      const base = { occurrence, channel, attempt };
      if (optedOut) {
        decisions.push({
          ...base,
          action: 'suppress',
          reason: 'optOut',
          ...(input.optOut.by ? { optedOutBy: input.optOut.by } : {}),
          ...(input.optOut.at ? { optedOutAt: input.optOut.at } : {}),
        });
      } else if (capped) {
        decisions.push({ ...base, action: 'suppress', reason: 'cap' });
      } else if (quiet !== undefined) {
        wakes.push(quiet);
        const held = recs.some((r) => r.data.reason === 'quiet' && r.data.quietUntil === iso(quiet));
        if (!held) decisions.push({ ...base, action: 'suppress', reason: 'quiet', quietUntil: iso(quiet) });
      } else {
        const failed = recs.filter((r) => r.data.outcome === 'failed');
        const lastFailed = failed.at(-1);
        const retryAt = lastFailed
          ? Date.parse(lastFailed.time) + backoffMs(input.retry, failed.length)
          : now;
        if (retryAt > now) wakes.push(retryAt);
        else decisions.push({ ...base, action: 'deliver' });
      }
    }
  }
  return { decisions, ...(wakes.length ? { wakeAt: Math.min(...wakes) } : {}) };
}
