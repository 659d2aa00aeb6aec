import { describe, expect, it } from 'vitest';
import { archiveUsage } from './usage.ts';

describe('archiveUsage', () => {
  it('turns versions of several buckets into cumulative bytes and first writes, oldest first', () => {
    const u = archiveUsage([
      { key: 'b2/tenantry/acme/x', at: 3000, bytes: 10 },
      { key: 'b1/tenantry/acme/y', at: 1000, bytes: 2 ** 40 },
      { key: 'b1/tenantry/acme/z', at: 3000, bytes: 5 },
    ]);
    expect(u.samples).toEqual([
      { at: 1000, bytes: String(2 ** 40) },
      { at: 3000, bytes: String(2 ** 40 + 5) },
      { at: 3000, bytes: String(2 ** 40 + 15) },
    ]);
    expect(u.events.map((e) => e.key)).toEqual([
      'b1/tenantry/acme/y',
      'b1/tenantry/acme/z',
      'b2/tenantry/acme/x',
    ]);
    expect(archiveUsage([])).toEqual({ samples: [], events: [] });
  });
});
