/**
 * The metering ledger of one tenant: the records of every closed window up to a watermark.
 *
 * `advance` is pure and idempotent: it meters the windows closed since the watermark,
 * appends only records whose id is not already there and moves the watermark forward to
 * the end of the last closed window. Running it twice, or again after a crash that left
 * some records written but the watermark behind, yields the same ledger as one clean run.
 * An existing record wins over a recomputation: inputs arriving late for a window already
 * metered do not change it (its `sourceDigest` records what it was computed from).
 *
 * Serialized form and partitioning (the Entitlement controller persists it):
 * - `partitionLedger(ledger)` splits it by billing period (`YYYY-MM` of the window start)
 *   into `LedgerPartition`s, one for every month from `since` to the watermark (empty ones
 *   too), each stored as one ConfigMap named `ledgerKey(tenant, period)` (data key
 *   `ledger.json` = `JSON.stringify(partition)`) in the operator's namespace, labelled with
 *   the tenant so one list call finds them all. A partition's watermark is the ledger's,
 *   capped at the end of its period: "every window of this period before it is here".
 * - `mergePartitions(tenant, parts, since)` rebuilds the ledger: the union of the records
 *   (deduplicated by id) and the furthest watermark reached without a gap, oldest period
 *   first. So the partitions touched by one `advance` may be written in any order: a crash
 *   after writing only some of them leaves a gap or an older watermark, and the next
 *   `advance` meters those windows again with the same ids (records already there win).
 * - Writes use optimistic concurrency: create, or update with the `resourceVersion` that was
 *   read; on 409 Conflict re-read every partition, merge, `advance` again and retry. Only the
 *   partitions from the old watermark's period on change; closed months are never written
 *   again and can be made immutable (`immutable: true`) once the watermark has left them.
 * - Size: only non-zero records are stored, ~450 bytes each as JSON; a tenant using all
 *   three meters every hour has 3 × 744 = 2 232 records (≈ 1.0 MB) in a 31-day month, at
 *   the ~1 MiB object limit. Such tenants need `granularity: 'day'` (keys `YYYY-MM-DD`,
 *   ≤ 72 records, ~33 KB each); the same functions handle it, and an invoice reads every
 *   partition of its month. Day partitions for every tenant are the simple, safe default;
 *   month partitions suit sparse usage.
 */
import type { Meter, MeteringInputs, MeteringRecord } from './record.ts';
import { computeRecords, METERS } from './record.ts';
import type { Instant } from './windows.ts';
import { checkWindowSize, closedWindows, HOUR_MS, iso, periodBounds, toMs, windowOf } from './windows.ts';

export const LEDGER_VERSION = 1;

export interface Ledger {
  version: typeof LEDGER_VERSION;
  tenant: string;
  /** ISO 8601 UTC, on an hour boundary: where metering started. */
  since: string;
  /** ISO 8601 UTC, on an hour boundary: every window ending at or before it is metered. */
  watermark: string;
  /** Sorted by window start, then meter (in `METERS` order). */
  records: MeteringRecord[];
  /** Window size in ms when it is not an hour (trials and tests); fixed for a ledger's life. */
  windowMs?: number;
}

/** An empty ledger metering from the window containing `from` (e.g. the entitlement's creation). */
export function emptyLedger(tenant: string, from: Instant, windowMs = HOUR_MS): Ledger {
  const start = iso(windowOf(from, checkWindowSize(windowMs)).start);
  return {
    version: LEDGER_VERSION,
    tenant,
    since: start,
    watermark: start,
    records: [],
    ...(windowMs !== HOUR_MS ? { windowMs } : {}),
  };
}

/** The window size of a ledger (an hour unless it says otherwise). */
export const windowSizeOf = (l: Pick<Ledger, 'windowMs'>): number => l.windowMs ?? HOUR_MS;

const METER_ORDER = new Map<Meter, number>(METERS.map((m, i) => [m, i]));

function compareRecords(a: MeteringRecord, b: MeteringRecord): number {
  const ta = toMs(a.window.start);
  const tb = toMs(b.window.start);
  return ta - tb || (METER_ORDER.get(a.meter) ?? 0) - (METER_ORDER.get(b.meter) ?? 0);
}

/**
 * Meters every window closed before `now` that ends after the watermark, appends the
 * records not already in the ledger (by id) and moves the watermark to the end of the last
 * closed window. The watermark never goes backwards and never passes the open window.
 */
export function advance(ledger: Ledger, inputs: MeteringInputs, now: Instant): Ledger {
  const windows = closedWindows(ledger.watermark, now, windowSizeOf(ledger));
  const seen = new Set(ledger.records.map((r) => r.id));
  const added: MeteringRecord[] = [];
  for (const w of windows) {
    for (const r of computeRecords(ledger.tenant, w, inputs)) {
      if (seen.has(r.id)) continue;
      seen.add(r.id);
      added.push(r);
    }
  }
  const last = windows.at(-1);
  const watermark = last && last.end > toMs(ledger.watermark) ? iso(last.end) : ledger.watermark;
  if (added.length === 0 && watermark === ledger.watermark) return ledger;
  return { ...ledger, watermark, records: [...ledger.records, ...added].sort(compareRecords) };
}

/** Exact sum (BigInt) of record quantities. */
export function sumQuantities(records: readonly MeteringRecord[]): bigint {
  let s = 0n;
  for (const r of records) s += BigInt(r.quantity);
  return s;
}

export interface LedgerSummary {
  tenant: string;
  watermark: string;
  period: string;
  /** Per meter: exact total of the period's records in the meter's base unit, and how many. */
  totals: Partial<Record<Meter, { quantity: string; unit: string; records: number }>>;
  /** Ids of the period's last `lastN` records, oldest first. */
  lastRecordIds: string[];
}

/** A small summary for status: totals of `period` (default: the watermark's) and recent ids. */
export function compact(ledger: Ledger, opts: { period?: string; lastN?: number } = {}): LedgerSummary {
  // The watermark is the exclusive end of the last metered window: the current period is
  // the one of the last metered window's start.
  const period = opts.period ?? iso(toMs(ledger.watermark) - 1).slice(0, 7);
  const inPeriod = ledger.records.filter((r) => r.window.start.slice(0, 7) === period);
  const totals: LedgerSummary['totals'] = {};
  for (const m of METERS) {
    const rs = inPeriod.filter((r) => r.meter === m);
    const first = rs[0];
    if (first) totals[m] = { quantity: sumQuantities(rs).toString(), unit: first.unit, records: rs.length };
  }
  const lastN = opts.lastN ?? 10;
  return {
    tenant: ledger.tenant,
    watermark: ledger.watermark,
    period,
    totals,
    lastRecordIds: lastN > 0 ? inPeriod.slice(-lastN).map((r) => r.id) : [],
  };
}

export interface LedgerPartition {
  version: typeof LEDGER_VERSION;
  tenant: string;
  /** `YYYY-MM` (or `YYYY-MM-DD` with day granularity) of the windows' starts. */
  period: string;
  /** When the ledger started metering (the same in every partition). */
  since: string;
  /**
   * Every window of this period that ends at or before this instant is in `records`: the
   * ledger's watermark when the partition was written, capped at the period's end.
   */
  watermark: string;
  records: MeteringRecord[];
  /** The ledger's window size when it is not an hour. */
  windowMs?: number;
  /**
   * Digest (`sha256:<hex>`) of the previous partition's stored bytes, written when that one
   * had closed, so the partitions form a chain (see seal.ts).
   */
  previous?: string;
}

/**
 * Name of the ConfigMap holding a tenant's ledger partition, a DNS-1123 subdomain:
 * `tenantry-ledger-<tenant>-<period>` (e.g. `tenantry-ledger-acme-2026-11`).
 */
export function ledgerKey(tenant: string, period: string): string {
  const name = `tenantry-ledger-${tenant}-${period}`.toLowerCase();
  if (name.length > 253 || !/^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(name)) {
    throw new RangeError(`ledger key is not a valid object name: ${name}`);
  }
  return name;
}

/** `[start, end)` of a `YYYY-MM` or `YYYY-MM-DD` partition period (UTC). */
export function partitionBounds(period: string): { start: number; end: number } {
  if (/^\d{4}-\d{2}-\d{2}$/.test(period)) {
    const start = toMs(`${period}T00:00:00Z`);
    return { start, end: start + 24 * 3_600_000 };
  }
  return periodBounds(period);
}

function periodKey(ms: number, granularity: 'month' | 'day'): string {
  return iso(ms).slice(0, granularity === 'month' ? 7 : 10);
}

/**
 * Splits a ledger into partitions by period (month or day of the window start), one for
 * every period from `since` to the watermark's, empty ones included, oldest first. After an
 * `advance`, write the partitions whose content changed (from the old watermark's period on),
 * in any order: `mergePartitions` only trusts a watermark reached without gaps.
 */
export function partitionLedger(ledger: Ledger, granularity: 'month' | 'day' = 'month'): LedgerPartition[] {
  const parts = new Map<string, MeteringRecord[]>();
  const since = toMs(ledger.since);
  const wm = toMs(ledger.watermark);
  for (let t = since; ; ) {
    const key = periodKey(t, granularity);
    parts.set(key, []);
    const end = partitionBounds(key).end;
    if (end > wm) break; // the window starting at the watermark belongs to this period
    t = end;
  }
  for (const r of ledger.records) {
    const key = periodKey(toMs(r.window.start), granularity);
    let list = parts.get(key);
    if (!list) {
      list = [];
      parts.set(key, list);
    }
    list.push(r);
  }
  return [...parts.keys()].sort().map((period) => ({
    version: LEDGER_VERSION,
    tenant: ledger.tenant,
    period,
    since: ledger.since,
    watermark: iso(Math.max(Math.min(wm, partitionBounds(period).end), since)),
    records: parts.get(period) ?? [],
    ...(ledger.windowMs !== undefined ? { windowMs: ledger.windowMs } : {}),
  }));
}

/**
 * Rebuilds a ledger from its partitions (as read back, possibly some older than others):
 * the union of the records, deduplicated by id, and the furthest watermark reached without
 * a gap from `since` — a partition counts only if its period starts at or before the
 * watermark reached so far. Windows after that are metered again, with the same ids.
 */
export function mergePartitions(
  tenant: string,
  parts: readonly LedgerPartition[],
  since: Instant,
  windowMs = HOUR_MS,
): Ledger {
  // A stored ledger keeps the window size it was started with.
  const sizes = new Set(parts.map((p) => p.windowMs ?? HOUR_MS));
  if (sizes.size > 1) throw new Error(`ledger of ${tenant} mixes window sizes ${[...sizes].join(', ')} ms`);
  const base = emptyLedger(tenant, parts[0]?.since ?? since, [...sizes][0] ?? windowMs);
  const byId = new Map<string, MeteringRecord>();
  for (const p of parts) {
    if (p.tenant !== tenant) throw new Error(`partition ${p.period} belongs to ${p.tenant}, not ${tenant}`);
    for (const r of p.records) if (!byId.has(r.id)) byId.set(r.id, r);
  }
  let wm = toMs(base.watermark);
  const ordered = [...parts].sort(
    (a, b) => partitionBounds(a.period).start - partitionBounds(b.period).start,
  );
  for (const p of ordered) {
    if (partitionBounds(p.period).start > wm) break;
    wm = Math.max(wm, toMs(p.watermark));
  }
  return { ...base, watermark: iso(wm), records: [...byId.values()].sort(compareRecords) };
}
