import { describe, expect, it } from 'vitest';
import { byteMs, computeRecord, computeRecords, nodeMs, objectKeys, recordId } from './record.ts';
import { HOUR_MS, windowOf } from './windows.ts';

const W = windowOf('2026-11-25T10:00:00Z'); // [10:00, 11:00)
const at = (hhmm: string) => `2026-11-25T${hhmm}:00Z`;
const GiB = 1024 ** 3;

describe('recordId', () => {
  it('is stable across calls and instant spellings, and differs by tenant, meter and window', () => {
    const a = recordId('acme', 'archive-objects', '2026-11-25T10:00:00Z');
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(recordId('acme', 'archive-objects', W.start)).toBe(a);
    expect(recordId('acme', 'archive-objects', '2026-11-25T11:00:00+01:00')).toBe(a);
    expect(recordId('acme', 'archive-objects', W.start + HOUR_MS)).not.toBe(a);
    expect(recordId('acme2', 'archive-objects', W.start)).not.toBe(a);
    expect(recordId('acme', 'archive-gib-hours', W.start)).not.toBe(a);
  });

  it('a recomputed record is identical, id and all', () => {
    const inputs = { reservations: [{ node: 'n1', from: at('09:30') }] };
    const r1 = computeRecord('acme', 'dedicated-node-hours', W, inputs);
    const r2 = computeRecord('acme', 'dedicated-node-hours', windowOf(at('10:59')), structuredClone(inputs));
    expect(r1).toEqual(r2);
    expect(r1?.id).toBe(recordId('acme', 'dedicated-node-hours', W.start));
  });
});

describe('dedicated-node-hours', () => {
  it('sums the fraction of the window each node was reserved, in node-ms', () => {
    const { total, nodes } = nodeMs(
      [
        { node: 'n1', from: at('09:00') }, // whole window: 1 h
        { node: 'n2', from: at('10:15'), to: at('10:45') }, // 30 min
        { node: 'n3', from: at('10:50'), to: at('12:00') }, // 10 min
        { node: 'n4', from: at('08:00'), to: at('10:00') }, // ended at the start: 0
        { node: 'n5', from: at('11:00') }, // starts at the end: 0
      ],
      W,
    );
    expect(nodes).toBe(3);
    expect(total).toBe(BigInt(HOUR_MS + 30 * 60_000 + 10 * 60_000));
  });

  it('counts overlapping reservations of one node once', () => {
    const { total } = nodeMs(
      [
        { node: 'n1', from: at('10:00'), to: at('10:30') },
        { node: 'n1', from: at('10:20'), to: at('10:40') },
        { node: 'n1', from: at('10:40'), to: at('10:45') },
        { node: 'n1', from: at('10:50'), to: at('10:55') },
      ],
      W,
    );
    expect(total).toBe(BigInt(50 * 60_000));
  });

  it('records the quantity as an exact integer string and omits zero usage', () => {
    const r = computeRecord('acme', 'dedicated-node-hours', W, {
      reservations: [{ node: 'n1', from: '2026-11-25T10:00:00.001Z', to: at('10:20') }],
    });
    expect(r?.quantity).toBe(String(20 * 60_000 - 1));
    expect(r?.unit).toBe('node-ms');
    expect(r?.window).toEqual({ start: '2026-11-25T10:00:00.000Z', end: '2026-11-25T11:00:00.000Z' });
    expect(computeRecord('acme', 'dedicated-node-hours', W, { reservations: [] })).toBeUndefined();
  });

  it('the source snapshot does not depend on whether a longer reservation had ended yet', () => {
    const open = computeRecord('acme', 'dedicated-node-hours', W, {
      reservations: [{ node: 'n1', from: at('10:30') }],
    });
    const ended = computeRecord('acme', 'dedicated-node-hours', W, {
      reservations: [{ node: 'n1', from: at('10:30'), to: at('13:00') }],
    });
    expect(open).toEqual(ended);
  });
});

describe('archive-gib-hours', () => {
  it('is a step function carried forward from the last sample, time-weighted', () => {
    const { total, steps } = byteMs(
      [
        { at: at('09:10'), bytes: 2 * GiB }, // level at 10:00 (carried in)
        { at: at('10:30'), bytes: 4 * GiB },
        { at: at('11:00'), bytes: 100 * GiB }, // after the window: ignored
      ],
      W,
    );
    // 30 min at 2 GiB + 30 min at 4 GiB = 3 GiB-hours.
    expect(total).toBe(3n * BigInt(GiB) * BigInt(HOUR_MS));
    expect(steps).toHaveLength(2);
  });

  it('is 0 before the first sample and takes the last of samples at one instant', () => {
    const { total } = byteMs(
      [
        { at: at('10:45'), bytes: 1 },
        { at: at('10:45'), bytes: 8 },
      ],
      W,
    );
    expect(total).toBe(8n * 15n * 60_000n);
  });

  it('stays exact beyond 2^53 (byte counts as strings)', () => {
    const pib = (2n ** 50n).toString(); // 1 PiB
    const r = computeRecord('acme', 'archive-gib-hours', W, {
      archiveSamples: [{ at: at('09:00'), bytes: pib }],
    });
    expect(r?.quantity).toBe((2n ** 50n * BigInt(HOUR_MS)).toString());
    expect(r?.unit).toBe('byte-ms');
  });

  it('refuses negative or fractional byte counts', () => {
    expect(() => byteMs([{ at: at('10:00'), bytes: -1 }], W)).toThrow(RangeError);
    expect(() => byteMs([{ at: at('10:00'), bytes: '1.5' }], W)).toThrow(RangeError);
  });
});

describe('archive-objects', () => {
  it('counts unique keys in the window, each in the window of its first event', () => {
    const events = [
      { key: 'a', at: at('10:00') },
      { key: 'a', at: at('10:05') }, // duplicate event
      { key: 'b', at: at('10:59') },
      { key: 'c', at: at('09:59') }, // previous window
      { key: 'c', at: at('10:10') }, // retry of c: already counted before
      { key: 'd', at: at('11:00') }, // next window
    ];
    expect(objectKeys(events, W)).toEqual(['a', 'b']);
    expect(computeRecord('acme', 'archive-objects', W, { archiveEvents: events })?.quantity).toBe('2');
    expect(objectKeys(events, windowOf(at('09:00')))).toEqual(['c']);
  });
});

describe('computeRecords', () => {
  it('returns the meters in a fixed order with distinct ids and a source digest', () => {
    const rs = computeRecords('acme', W, {
      reservations: [{ node: 'n1', from: at('10:00') }],
      archiveSamples: [{ at: at('10:00'), bytes: GiB }],
      archiveEvents: [{ key: 'x', at: at('10:01') }],
    });
    expect(rs.map((r) => r.meter)).toEqual(['dedicated-node-hours', 'archive-gib-hours', 'archive-objects']);
    expect(new Set(rs.map((r) => r.id)).size).toBe(3);
    for (const r of rs) expect(r.sourceDigest).toMatch(/^[0-9a-f]{64}$/);
  });
});
