// Test fixtures (not shipped): a price list and a ledger of one tenant across a period's end.
import type { Price } from '../api/v1alpha1/entitlement.ts';
import { advance, emptyLedger } from '../metering/ledger.ts';

export const prices: Price[] = [
  {
    sku: 'dedicated-node-hours',
    description: 'Dedicated node',
    unit: 'node-hour',
    unitPriceMinor: 125,
    currency: 'EUR',
  },
  {
    sku: 'archive-gib-hours',
    description: 'Audit archive storage',
    unit: 'GiB-hour',
    unitPriceMinor: 1,
    currency: 'EUR',
  },
  {
    sku: 'archive-objects',
    description: 'Archived objects',
    unit: 'object',
    unitPriceMinor: 2,
    currency: 'EUR',
  },
];
const GiB = 1024 ** 3;
export const START = Date.parse('2026-11-30T20:00:00Z');
export const inputs = {
  reservations: [{ node: 'n1', from: '2026-11-30T20:20:00Z' }], // 40 min then whole hours
  archiveSamples: [{ at: START, bytes: GiB / 2 }],
  archiveEvents: [
    { key: 'a', at: '2026-11-30T23:59:59.999Z' },
    { key: 'b', at: '2026-12-01T00:00:00Z' },
  ],
};
export const ledger = advance(emptyLedger('acme', START), inputs, '2026-12-01T02:30:00Z');
