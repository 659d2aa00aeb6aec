import { describe, expect, it } from 'vitest';
import type { Ledger, LedgerPartition } from './ledger.ts';
import { advance, compact, emptyLedger, ledgerKey, mergePartitions, partitionLedger } from './ledger.ts';
import { knownAt, rng, scenario } from './testdata.ts';
import { HOUR_MS, iso } from './windows.ts';

const START = Date.parse('2026-11-30T17:00:00Z'); // crosses into December
const inputs = {
  reservations: [
    { node: 'n1', from: '2026-11-30T17:30:00Z' },
    { node: 'n2', from: '2026-11-30T18:00:00Z', to: '2026-11-30T19:15:00Z' },
  ],
  archiveSamples: [{ at: '2026-11-30T17:00:00Z', bytes: 1024 ** 3 }],
  archiveEvents: [
    { key: 'a', at: '2026-11-30T17:01:00Z' },
    { key: 'b', at: '2026-11-30T23:59:59.999Z' },
    { key: 'b', at: '2026-12-01T00:00:00Z' },
  ],
};

describe('advance', () => {
  it('meters closed windows only and moves the watermark to the end of the last one', () => {
    const l = advance(emptyLedger('acme', START), inputs, '2026-11-30T20:10:00Z');
    expect(l.watermark).toBe('2026-11-30T20:00:00.000Z');
    expect(l.records.every((r) => Date.parse(r.window.end) <= Date.parse(l.watermark))).toBe(true);
    // 17h: n1 30 min, 1 GiB, 1 object; 18h: n1, n2, GiB; 19h: n1, n2 15 min, GiB.
    expect(l.records.map((r) => `${r.window.start.slice(11, 13)} ${r.meter} ${r.quantity}`)).toEqual([
      `17 dedicated-node-hours ${30 * 60_000}`,
      `17 archive-gib-hours ${1024 ** 3 * HOUR_MS}`,
      '17 archive-objects 1',
      `18 dedicated-node-hours ${2 * HOUR_MS}`,
      `18 archive-gib-hours ${1024 ** 3 * HOUR_MS}`,
      `19 dedicated-node-hours ${HOUR_MS + 15 * 60_000}`,
      `19 archive-gib-hours ${1024 ** 3 * HOUR_MS}`,
    ]);
  });

  it('twice with the same inputs equals once (no double counting)', () => {
    const once = advance(emptyLedger('acme', START), inputs, '2026-12-01T02:00:00Z');
    const twice = advance(once, inputs, '2026-12-01T02:00:00Z');
    expect(twice).toEqual(once);
    expect(twice).toBe(once); // nothing new: the same object
    expect(new Set(once.records.map((r) => r.id)).size).toBe(once.records.length);
  });

  it('never moves the watermark backwards nor past the open window', () => {
    const l = advance(emptyLedger('acme', START), inputs, '2026-11-30T22:00:00Z');
    expect(advance(l, inputs, '2026-11-30T19:00:00Z')).toBe(l);
    expect(advance(l, inputs, '2026-11-30T22:59:59.999Z')).toBe(l);
    expect(advance(l, inputs, '2026-11-30T23:00:00Z').watermark).toBe('2026-11-30T23:00:00.000Z');
  });

  it('after a crash (older watermark, some records already written) equals an undisturbed run', () => {
    const before = advance(emptyLedger('acme', START), inputs, '2026-11-30T19:00:00Z');
    const clean = advance(before, inputs, '2026-12-01T03:00:00Z');
    const fresh = clean.records.filter((r) => !before.records.some((b) => b.id === r.id));
    expect(fresh.length).toBeGreaterThan(2);
    // The crashed run persisted every other new record but not the watermark, out of order.
    const crashed: Ledger = {
      ...before,
      records: [...fresh.filter((_, i) => i % 2 === 0).reverse(), ...before.records],
    };
    expect(advance(crashed, inputs, '2026-12-01T03:00:00Z')).toEqual(clean);
  });

  it('an existing record wins over a recomputation from changed inputs', () => {
    const l = advance(emptyLedger('acme', START), inputs, '2026-11-30T18:00:00Z');
    const rewound = { ...l, watermark: iso(START) };
    const again = advance(rewound, { ...inputs, archiveEvents: [] }, '2026-11-30T18:00:00Z');
    expect(again.records).toEqual(l.records);
  });

  it('property: any split of time into advance calls yields the ledger of one call', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const hours = 1 + (seed % 50);
      const s = scenario(seed, START, hours);
      const now = s.end + Math.floor(rng(seed * 7)() * HOUR_MS); // mid-hour after the end
      const one = advance(emptyLedger('acme', START), knownAt(s.inputs, now), now);
      const r = rng(seed * 13);
      const cuts = Array.from(
        { length: 1 + Math.floor(r() * 8) },
        () => START + Math.floor(r() * (now - START)),
      )
        .concat(now)
        .sort((a, b) => a - b);
      let split = emptyLedger('acme', START);
      for (const t of cuts) split = advance(split, knownAt(s.inputs, t), t);
      expect(split, `seed ${seed}`).toEqual(one);
      // Replaying every call again changes nothing.
      let replay = split;
      for (const t of cuts) replay = advance(replay, knownAt(s.inputs, t), t);
      expect(replay, `seed ${seed}`).toEqual(one);
    }
  });
});

describe('compact', () => {
  it('gives per-meter totals of the current period and the last record ids', () => {
    const l = advance(emptyLedger('acme', START), inputs, '2026-12-01T02:30:00Z');
    const c = compact(l, { lastN: 2 });
    expect(c.period).toBe('2026-12');
    expect(c.totals['dedicated-node-hours']).toEqual({
      quantity: String(2 * HOUR_MS),
      unit: 'node-ms',
      records: 2,
    });
    expect(c.totals['archive-objects']).toBeUndefined(); // b counted in November
    expect(c.lastRecordIds).toEqual(l.records.slice(-2).map((r) => r.id));
    const nov = compact(l, { period: '2026-11', lastN: 0 });
    expect(nov.totals['archive-objects']?.quantity).toBe('2');
    expect(nov.lastRecordIds).toEqual([]);
  });
});

describe('partitions', () => {
  const ledger = advance(emptyLedger('acme', START), inputs, '2026-12-01T02:30:00Z');

  it('split by month round-trips through JSON', () => {
    const parts = partitionLedger(ledger);
    expect(parts.map((p) => p.period)).toEqual(['2026-11', '2026-12']);
    expect(parts.map((p) => ledgerKey('acme', p.period))).toEqual([
      'tenantry-ledger-acme-2026-11',
      'tenantry-ledger-acme-2026-12',
    ]);
    const stored = parts.map((p) => JSON.parse(JSON.stringify(p)) as LedgerPartition);
    expect(mergePartitions('acme', stored, START)).toEqual(ledger);
    expect(mergePartitions('acme', partitionLedger(ledger, 'day'), START)).toEqual(ledger);
  });

  it('keeps the watermark when the latest windows had no usage', () => {
    const quiet = advance(
      emptyLedger('acme', START),
      { archiveEvents: inputs.archiveEvents },
      '2026-12-03T00:00:00Z',
    );
    const parts = partitionLedger(quiet);
    expect(parts.at(-1)?.records).toEqual([]);
    expect(mergePartitions('acme', parts, START).watermark).toBe('2026-12-03T00:00:00.000Z');
  });

  it('a crash after writing only some partitions is repaired by the next advance, in any order', () => {
    const before = advance(emptyLedger('acme', START), inputs, '2026-11-30T22:00:00Z');
    const after = advance(before, inputs, '2026-12-01T03:00:00Z');
    const [oldNov] = partitionLedger(before);
    const [newNov, newDec] = partitionLedger(after);
    expect(newNov?.watermark).toBe('2026-12-01T00:00:00.000Z'); // capped at its period's end
    expect(newDec?.watermark).toBe('2026-12-01T03:00:00.000Z');
    // November written, crash before December.
    const novOnly = mergePartitions('acme', [newNov as LedgerPartition], START);
    expect(novOnly.watermark).toBe('2026-12-01T00:00:00.000Z');
    expect(advance(novOnly, inputs, '2026-12-01T03:00:00Z')).toEqual(after);
    // December written, crash before November: the gap keeps the old November watermark.
    const decOnly = mergePartitions('acme', [oldNov as LedgerPartition, newDec as LedgerPartition], START);
    expect(decOnly.watermark).toBe('2026-11-30T22:00:00.000Z');
    expect(advance(decOnly, inputs, '2026-12-01T03:00:00Z')).toEqual(after);
  });

  it('a month without usage still carries the watermark across', () => {
    const sparse = {
      archiveEvents: [
        { key: 'nov', at: '2026-11-30T17:00:00Z' },
        { key: 'jan', at: '2027-01-05T00:00:00Z' },
      ],
    };
    const l = advance(emptyLedger('acme', START), sparse, '2027-01-10T00:00:00Z');
    const parts = partitionLedger(l);
    expect(parts.map((p) => `${p.period}:${p.records.length}`)).toEqual([
      '2026-11:1',
      '2026-12:0',
      '2027-01:1',
    ]);
    expect(mergePartitions('acme', parts, START)).toEqual(l);
    // Losing the empty December partition stops the watermark at its start.
    expect(mergePartitions('acme', [parts[0], parts[2]] as LedgerPartition[], START).watermark).toBe(
      '2026-12-01T00:00:00.000Z',
    );
  });

  it('a worst-case day partition stays far below the ConfigMap size limit', () => {
    const busy = {
      reservations: [{ node: 'n1', from: START }],
      archiveSamples: [{ at: START, bytes: '1099511627776' }],
      archiveEvents: Array.from({ length: 24 * 31 }, (_, i) => ({ key: `k${i}`, at: START + i * 3_600_000 })),
    };
    const l = advance(emptyLedger('acme', START), busy, START + 31 * 24 * 3_600_000);
    const bytes = (p: LedgerPartition) => Buffer.byteLength(JSON.stringify(p));
    const days = partitionLedger(l, 'day');
    expect(Math.max(...days.map(bytes))).toBeLessThan(64 * 1024);
    const perRecord =
      bytes(partitionLedger(l)[1] as LedgerPartition) / (partitionLedger(l)[1]?.records.length ?? 1);
    expect(perRecord).toBeLessThan(600);
  });

  it('refuses invalid names and foreign partitions', () => {
    expect(() => ledgerKey('Acme_Co', '2026-11')).toThrow(RangeError);
    const parts = partitionLedger(ledger);
    expect(() => mergePartitions('other', parts, START)).toThrow(/belongs to acme/);
  });
});

describe('ledgers with shorter windows', () => {
  const t0 = Date.parse('2026-11-25T10:00:00Z');
  const node = { reservations: [{ node: 'n1', from: t0 + 500, to: t0 + 5500 }] };
  it('meters each short window and keeps the size through partitions', () => {
    const l = advance(emptyLedger('acme', t0, 2000), node, t0 + 9000);
    expect(l.watermark).toBe(iso(t0 + 8000));
    expect(l.records.map((r) => Number(r.quantity))).toEqual([1500, 2000, 1500]);
    const back = mergePartitions('acme', partitionLedger(l, 'day'), t0);
    expect(back).toEqual(l);
    // Hourly ids are kept as they were; short windows get ids of their own.
    expect(l.records[0]?.id).not.toBe(advance(emptyLedger('acme', t0), node, t0 + HOUR_MS).records[0]?.id);
  });
  it('refuses to merge partitions of different window sizes', () => {
    const short = partitionLedger(advance(emptyLedger('acme', t0, 2000), node, t0 + 9000), 'day');
    const hourly = partitionLedger(advance(emptyLedger('acme', t0), node, t0 + 2 * HOUR_MS), 'day');
    expect(() => mergePartitions('acme', [...short, ...hourly], t0)).toThrow(/mixes window sizes/);
  });
});
