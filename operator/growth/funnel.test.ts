import { describe, expect, it } from 'vitest';
import type { ActivationItemName } from '../api/v1alpha1/growth.ts';
import { ACTIVATION_ITEMS } from './activation.ts';
import { activationFunnel } from './funnel.ts';
import type { TenantGrowth } from './tenant-growth.ts';

const H = 3_600_000;
const t0 = Date.parse('2026-11-23T09:00:00Z'); // Monday of 2026-W48

/** A tenant created at `created` that did its items `hours` after signup (all four at the last). */
function tenant(
  name: string,
  created: number,
  hours?: number,
  items: readonly ActivationItemName[] = ACTIVATION_ITEMS,
) {
  const at = (h: number) => new Date(created + h * H).toISOString();
  return {
    tenant: name,
    created,
    items:
      hours === undefined
        ? []
        : items.map((item, i) => ({ item, at: at(i === items.length - 1 ? hours : 1), by: '' })),
    activeAt: [],
  } satisfies TenantGrowth;
}

describe('activationFunnel', () => {
  const tenants = [
    // 2026-W48: 3 within 24 h (24 h exactly is within), 1 after 30 h, 2 never (a day old and more).
    tenant('a1', t0, 2),
    tenant('a2', t0 + H, 23.9),
    tenant('a3', t0 + 2 * H, 24),
    tenant('a4', t0 + 3 * H, 30),
    tenant('a5', t0 + 4 * H),
    tenant('a6', t0 + 6 * 24 * H + 10 * H, undefined, ['identityConnected']),
    // 2026-W49: 1 of 2 decided.
    tenant('b1', t0 + 7 * 24 * H, 5),
    tenant('b2', t0 + 7 * 24 * H + H),
  ];
  const now = t0 + 7 * 24 * H + 30 * H;

  it('computes the 24 h completion rate of each cohort from what is decided', () => {
    const f = activationFunnel(tenants, { now, period: 'week' });
    expect(f.cohorts).toEqual([
      { cohort: '2026-W48', tenants: 6, completed: 4, within24h: 3, decided: 6, pending: 0, rate: 3 / 6 },
      { cohort: '2026-W49', tenants: 2, completed: 1, within24h: 1, decided: 2, pending: 0, rate: 1 / 2 },
    ]);
    expect(f.target).toBe(0.7);
    expect(f.tenants.map((r) => [r.tenant, r.within24h])).toEqual([
      ['a1', 'yes'],
      ['a2', 'yes'],
      ['a3', 'yes'],
      ['a4', 'no'],
      ['a5', 'no'],
      ['a6', 'no'],
      ['b1', 'yes'],
      ['b2', 'no'],
    ]);
  });

  it('leaves a young unfinished tenant pending, and counts one that finished early', () => {
    const f = activationFunnel([tenant('young', now - 2 * H), tenant('quick', now - 3 * H, 1)], {
      now,
      period: 'week',
    });
    expect(f.tenants.map((r) => r.within24h)).toEqual(['yes', 'pending']);
    expect(f.cohorts[0]).toMatchObject({ decided: 1, pending: 1, rate: 1 });
  });

  it('gives each item time and the completion, filters by --since and groups by month', () => {
    const f = activationFunnel(tenants, { now, period: 'month', since: t0 + 7 * 24 * H });
    expect(f.cohorts.map((c) => c.cohort)).toEqual(['2026-11']);
    expect(f.tenants.map((r) => r.tenant)).toEqual(['b1', 'b2']);
    expect(f.tenants[0]).toMatchObject({
      created: '2026-11-30T09:00:00Z',
      items: { identityConnected: '2026-11-30T10:00:00.000Z', firstUsageView: '2026-11-30T14:00:00.000Z' },
      completedAt: '2026-11-30T14:00:00.000Z',
    });
    expect(f.tenants[1]?.items.firstApproval).toBe('');
  });
});

describe('activationFunnel as of a time', () => {
  it('does not count what was done after that time', () => {
    const t = tenant('later', t0, 20);
    const early = activationFunnel([t], { now: t0 + 10 * H, period: 'week' });
    expect(early.tenants[0]).toMatchObject({ completedAt: '', within24h: 'pending' });
    expect(early.tenants[0]?.items.identityConnected).toBe(new Date(t0 + H).toISOString());
    expect(activationFunnel([t], { now: t0 + 21 * H, period: 'week' }).tenants[0]?.within24h).toBe('yes');
  });
});
