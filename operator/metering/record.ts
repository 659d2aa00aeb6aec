/**
 * Metering records: the usage of one meter by one tenant over one closed hourly window.
 *
 * Arithmetic is exact. A record's `quantity` is a non-negative integer, written as a decimal
 * string, in the meter's *base unit*, chosen so that nothing is ever rounded while metering:
 *
 * | meter                  | base unit (`unit`) | one billing unit is                        |
 * |------------------------|--------------------|--------------------------------------------|
 * | `dedicated-node-hours` | `node-ms`          | 1 node-hour = 3 600 000 node-ms            |
 * | `archive-gib-hours`    | `byte-ms`          | 1 GiB-hour  = 2^30 × 3 600 000 byte-ms     |
 * | `archive-objects`      | `object`           | 1 object                                   |
 *
 * Sums of records are exact (BigInt); the only rounding happens once per invoice line
 * (see `operator/billing/pricing.ts`). byte-ms overflows 2^53 quickly (1 TiB for an hour is
 * ~4e18), hence strings and BigInt rather than numbers.
 */
import { canonicalJson, sha256Hex } from '../evidence/statement.ts';
import type { Instant, Window } from './windows.ts';
import { formatWindow, HOUR_MS, toMs } from './windows.ts';

export const METERS = ['dedicated-node-hours', 'archive-gib-hours', 'archive-objects'] as const;
export type Meter = (typeof METERS)[number];

export type BaseUnit = 'node-ms' | 'byte-ms' | 'object';

export const BASE_UNIT: Readonly<Record<Meter, BaseUnit>> = {
  'dedicated-node-hours': 'node-ms',
  'archive-gib-hours': 'byte-ms',
  'archive-objects': 'object',
};

/** A node reserved for the tenant from `from` until `to` (exclusive); no `to` means still reserved. */
export interface Reservation {
  node: string;
  from: Instant;
  to?: Instant;
}

/** The tenant's archive held `bytes` bytes at `at`. */
export interface ByteSample {
  at: Instant;
  /** A non-negative integer (a string when it may exceed 2^53). */
  bytes: number | string;
}

/** An object written to the tenant's archive. */
export interface ArchiveEvent {
  key: string;
  at: Instant;
}

/** Everything metering reads; the caller gathers it from the cluster and the archive. */
export interface MeteringInputs {
  reservations?: readonly Reservation[];
  archiveSamples?: readonly ByteSample[];
  archiveEvents?: readonly ArchiveEvent[];
}

export interface MeteringRecord {
  /** sha256 of canonical JSON of `{ tenant, meter, windowStart }`: the same window always has the same id. */
  id: string;
  tenant: string;
  meter: Meter;
  /** ISO 8601 UTC, half-open `[start, end)`. */
  window: { start: string; end: string };
  /** Non-negative integer in `unit`, as a decimal string. */
  quantity: string;
  unit: BaseUnit;
  /** A small summary of the inputs the quantity was computed from, with a digest of them in full. */
  source: Record<string, string | number>;
  /** sha256 of canonical JSON of `source`. */
  sourceDigest: string;
}

/**
 * The deterministic id of a tenant's record of `meter` for the window starting at
 * `windowStart`. Hourly windows are identified by their start alone; shorter ones also by
 * their size, so records of different window sizes can never share an id.
 */
export function recordId(tenant: string, meter: Meter, windowStart: Instant, windowMs = HOUR_MS): string {
  const start = new Date(toMs(windowStart)).toISOString();
  return sha256Hex(
    canonicalJson(
      windowMs === HOUR_MS
        ? { tenant, meter, windowStart: start }
        : { tenant, meter, windowStart: start, windowMs },
    ),
  );
}

/** Total reserved node-ms in `w`: per node, the union of its intervals clipped to `w`, summed over nodes. */
export function nodeMs(reservations: readonly Reservation[], w: Window): { total: bigint; nodes: number } {
  const byNode = new Map<string, Array<[number, number]>>();
  for (const r of reservations) {
    const from = Math.max(toMs(r.from), w.start);
    const to = Math.min(r.to === undefined ? Number.POSITIVE_INFINITY : toMs(r.to), w.end);
    if (to <= from) continue;
    let list = byNode.get(r.node);
    if (!list) {
      list = [];
      byNode.set(r.node, list);
    }
    list.push([from, to]);
  }
  let total = 0n;
  for (const list of byNode.values()) {
    // Overlapping intervals of one node (a duplicate reservation) count once.
    list.sort((a, b) => a[0] - b[0]);
    let [cs, ce] = list[0] as [number, number];
    for (const [s, e] of list.slice(1)) {
      if (s > ce) {
        total += BigInt(ce - cs);
        cs = s;
        ce = e;
      } else if (e > ce) ce = e;
    }
    total += BigInt(ce - cs);
  }
  return { total, nodes: byNode.size };
}

/**
 * Byte-ms held in `w`, a step function of the samples ("last observation carried forward"):
 * the archive holds the bytes of the latest sample at or before each instant. The level at
 * `w.start` is the latest sample at or before it (0 when there is none); each sample inside
 * the window changes the level from its instant on. Several samples at one instant: the last
 * in input order wins. Time-weighted average GiB × 1 h = byte-ms / (2^30 × 3 600 000).
 */
export function byteMs(
  samples: readonly ByteSample[],
  w: Window,
): { total: bigint; steps: Array<{ at: number; bytes: string }> } {
  const sorted = samples
    .map((s, i) => ({ at: toMs(s.at), bytes: toBytes(s.bytes), i }))
    .sort((a, b) => a.at - b.at || a.i - b.i);
  // The step function clipped to the window: the level from each `at` until the next one.
  const steps: Array<{ at: number; bytes: bigint }> = [{ at: w.start, bytes: 0n }];
  for (const s of sorted) {
    if (s.at >= w.end) break;
    const at = Math.max(s.at, w.start);
    const last = steps.at(-1) as { at: number; bytes: bigint };
    if (last.at === at) last.bytes = s.bytes;
    else steps.push({ at, bytes: s.bytes });
  }
  let total = 0n;
  for (let k = 0; k < steps.length; k++) {
    const cur = steps[k] as { at: number; bytes: bigint };
    const end = steps[k + 1]?.at ?? w.end;
    total += cur.bytes * BigInt(end - cur.at);
  }
  return { total, steps: steps.map((x) => ({ at: x.at, bytes: x.bytes.toString() })) };
}

function toBytes(b: number | string): bigint {
  if (typeof b === 'number' && Number.isSafeInteger(b) && b >= 0) return BigInt(b);
  if (typeof b === 'string' && /^\d+$/.test(b)) return BigInt(b);
  throw new RangeError(`byte count must be a non-negative integer: ${b}`);
}

/**
 * Keys of objects first written in `w`, sorted. A key is counted once, in the window of its
 * earliest event among `events`: a retried upload or a duplicated event is not counted
 * again, neither in its own window nor in a later one. (The caller must keep passing an
 * object's first event for as long as duplicates of it may still arrive.)
 */
export function objectKeys(events: readonly ArchiveEvent[], w: Window): string[] {
  const first = new Map<string, number>();
  for (const e of events) {
    const at = toMs(e.at);
    const prev = first.get(e.key);
    if (prev === undefined || at < prev) first.set(e.key, at);
  }
  const keys: string[] = [];
  for (const [k, at] of first) if (at >= w.start && at < w.end) keys.push(k);
  return keys.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** The record of one meter for one window, or undefined when nothing was used. */
export function computeRecord(
  tenant: string,
  meter: Meter,
  w: Window,
  inputs: MeteringInputs,
): MeteringRecord | undefined {
  let quantity: bigint;
  let source: Record<string, string | number>;
  switch (meter) {
    case 'dedicated-node-hours': {
      const rs = inputs.reservations ?? [];
      const { total, nodes } = nodeMs(rs, w);
      quantity = total;
      // Intervals clipped to the window, so the snapshot does not depend on whether a
      // reservation that outlasted the window had ended yet when it was metered.
      const relevant = rs
        .map((r) => ({
          node: r.node,
          from: Math.max(toMs(r.from), w.start),
          to: Math.min(r.to === undefined ? w.end : toMs(r.to), w.end),
        }))
        .filter((r) => r.to > r.from)
        .sort((a, b) => (a.node < b.node ? -1 : a.node > b.node ? 1 : a.from - b.from || a.to - b.to));
      source = {
        kind: 'reservations',
        nodes,
        intervals: relevant.length,
        digest: sha256Hex(canonicalJson(relevant)),
      };
      break;
    }
    case 'archive-gib-hours': {
      const ss = inputs.archiveSamples ?? [];
      const { total, steps } = byteMs(ss, w);
      quantity = total;
      source = {
        kind: 'byte-samples',
        weighting: 'step-locf',
        steps: steps.length,
        digest: sha256Hex(canonicalJson(steps)),
      };
      break;
    }
    case 'archive-objects': {
      const keys = objectKeys(inputs.archiveEvents ?? [], w);
      quantity = BigInt(keys.length);
      source = { kind: 'archive-events', uniqueKeys: keys.length, digest: sha256Hex(canonicalJson(keys)) };
      break;
    }
  }
  if (quantity === 0n) return undefined;
  return {
    id: recordId(tenant, meter, w.start, w.end - w.start),
    tenant,
    meter,
    window: formatWindow(w),
    quantity: quantity.toString(),
    unit: BASE_UNIT[meter],
    source,
    sourceDigest: sha256Hex(canonicalJson(source)),
  };
}

/** Records of every meter for one window (meters in `METERS` order, zero usage omitted). */
export function computeRecords(tenant: string, w: Window, inputs: MeteringInputs): MeteringRecord[] {
  const out: MeteringRecord[] = [];
  for (const m of METERS) {
    const r = computeRecord(tenant, m, w, inputs);
    if (r) out.push(r);
  }
  return out;
}
