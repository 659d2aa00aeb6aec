import { describe, expect, it } from 'vitest';
import { ACTIVATION_ITEMS } from './activation.ts';
import { cohortTable, share } from './cohorts.ts';
import type { TenantGrowth } from './tenant-growth.ts';

const D = 86_400_000;
const monday = Date.parse('2026-11-23T00:00:00Z'); // 2026-W48

const grown = (
  name: string,
  created: number,
  activeDays: number[],
  completeAfterHours?: number,
): TenantGrowth => ({
  tenant: name,
  created,
  items:
    completeAfterHours === undefined
      ? []
      : ACTIVATION_ITEMS.map((item) => ({
          item,
          at: new Date(created + completeAfterHours * 3_600_000).toISOString(),
          by: '',
        })),
  activeAt: activeDays.map((d) => created + d * D),
});

describe('cohortTable', () => {
  it('gives activation and week-N retention per signup week, none for weeks still to come', () => {
    const rows = cohortTable(
      [
        grown('a', monday + D, [0, 7, 14], 3),
        grown('b', monday + 2 * D, [8], 30),
        grown('c', monday + 6 * D, []),
        grown('d', monday + 7 * D, [0]),
      ],
      { now: monday + 15 * D, weeks: 4 },
    );
    expect(rows).toEqual([
      { cohort: '2026-W48', tenants: 3, activated: 2, activatedWithin24h: 1, active: [1, 2, 1, null] },
      { cohort: '2026-W49', tenants: 1, activated: 0, activatedWithin24h: 0, active: [1, 0, null, null] },
    ]);
    const [first] = rows;
    if (first) expect(share(first.active[1] ?? 0, first)).toBeCloseTo(2 / 3);
  });
});
