// Test helpers (not shipped in a hot path): a seeded generator of metering inputs.
import type { ArchiveEvent, ByteSample, MeteringInputs, Reservation } from './record.ts';
import { HOUR_MS } from './windows.ts';

/** mulberry32: a small deterministic PRNG, so failures reproduce from the seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export interface Scenario {
  start: number;
  end: number;
  inputs: { reservations: Reservation[]; archiveSamples: ByteSample[]; archiveEvents: ArchiveEvent[] };
}

/** Random usage over `hours` hours from `start`, with ms-precise times. */
export function scenario(seed: number, start: number, hours: number): Scenario {
  const r = rng(seed);
  const end = start + hours * HOUR_MS;
  const t = () => start + Math.floor(r() * (end - start));
  const reservations: Reservation[] = [];
  for (let i = 0; i < 1 + Math.floor(r() * 6); i++) {
    const from = t();
    const node = `node-${Math.floor(r() * 4)}`;
    reservations.push(r() < 0.3 ? { node, from } : { node, from, to: from + Math.floor(r() * 20 * HOUR_MS) });
  }
  const archiveSamples: ByteSample[] = [];
  for (let i = 0; i < Math.floor(r() * 40); i++) {
    const bytes = Math.floor(r() * 2 ** 40);
    archiveSamples.push({ at: t(), bytes: r() < 0.5 ? bytes : String(bytes) });
  }
  const archiveEvents: ArchiveEvent[] = [];
  for (let i = 0; i < Math.floor(r() * 60); i++) {
    archiveEvents.push({ key: `obj-${Math.floor(r() * 30)}`, at: new Date(t()).toISOString() });
  }
  return { start, end, inputs: { reservations, archiveSamples, archiveEvents } };
}

/** The inputs as the controller would have seen them at `now`: nothing from the future. */
export function knownAt(inputs: Scenario['inputs'], now: number): MeteringInputs {
  const ms = (x: number | string) => (typeof x === 'number' ? x : Date.parse(x));
  return {
    reservations: inputs.reservations
      .filter((x) => ms(x.from) <= now)
      .map((x) => (x.to !== undefined && ms(x.to) <= now ? x : { node: x.node, from: x.from })),
    archiveSamples: inputs.archiveSamples.filter((x) => ms(x.at) <= now),
    archiveEvents: inputs.archiveEvents.filter((x) => ms(x.at) <= now),
  };
}
