import type { FailureReason } from './resolve.ts';

interface Schedule {
  baseMs: number;
  capMs: number;
}

// Record problems wait on a person editing DNS (and on negative caching), so checks start at
// 5 s, while the tenant is likely watching, and back off to 10 min. Server trouble is usually
// transient and not the tenant's doing: retry sooner, with a lower cap.
const SCHEDULES: Record<FailureReason, Schedule> = {
  RecordMissing: { baseMs: 5_000, capMs: 600_000 },
  WrongValue: { baseMs: 5_000, capMs: 600_000 },
  NXDOMAIN: { baseMs: 5_000, capMs: 600_000 },
  Timeout: { baseMs: 2_000, capMs: 120_000 },
  ServerFailure: { baseMs: 2_000, capMs: 120_000 },
};

/** How often a verified domain is looked at again, to notice the record being removed or changed. */
export const REVERIFY_MS = 3_600_000;

// ±10 %: enough to spread thousands of tenants created together, small enough to keep the
// schedule predictable for the person waiting.
const JITTER = 0.1;

/**
 * Milliseconds until the next DNS check after `attempt` consecutive failures (0 for the first
 * failure) with `reason`. Pure: pass `random` in [0, 1) (e.g. Math.random()) to jitter the
 * delay; the default 0.5 gives the exact schedule.
 */
export function nextCheckDelay(attempt: number, reason: FailureReason | 'Verified', random = 0.5): number {
  if (reason === 'Verified') return jitter(REVERIFY_MS, random);
  const { baseMs, capMs } = SCHEDULES[reason];
  const n = Number.isNaN(attempt) ? 0 : Math.max(0, Math.floor(attempt));
  // 2^n overflows to Infinity for large n; min() then returns the cap, as intended.
  return jitter(Math.min(capMs, baseMs * 2 ** n), random);
}

function jitter(ms: number, random: number): number {
  const r = Math.min(1, Math.max(0, random));
  return Math.round(ms * (1 + JITTER * (2 * r - 1)));
}
