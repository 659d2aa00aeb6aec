import { describe, expect, it } from 'vitest';
import type { Funnel } from '../../operator/growth/funnel.ts';
import { cohortsTable, funnelCsv } from './growth.ts';

const funnel: Funnel = {
  asOf: '2026-11-30T00:00:00.000Z',
  cohortBy: 'week',
  target: 0.7,
  cohorts: [
    { cohort: '2026-W48', tenants: 3, completed: 2, within24h: 2, decided: 3, pending: 0, rate: 2 / 3 },
  ],
  tenants: [
    {
      tenant: 'acme',
      cohort: '2026-W48',
      created: '2026-11-23T09:00:00.000Z',
      items: {
        identityConnected: '2026-11-23T09:01:00.000Z',
        firstApproval: '2026-11-23T10:00:00.000Z',
        firstEvidenceExport: '2026-11-23T11:00:00.000Z',
        firstUsageView: '2026-11-23T12:00:00.000Z',
      },
      completedAt: '2026-11-23T12:00:00.000Z',
      within24h: 'yes',
    },
  ],
};

describe('growth rendering', () => {
  it('writes the funnel as CSV with the cohort rate and the counts it is made of', () => {
    expect(funnelCsv(funnel).split('\r\n')).toEqual([
      'tenant,cohort,created,identityConnected,firstApproval,firstEvidenceExport,firstUsageView,completedAt,completedWithin24h,cohortTenants,cohortWithin24h,cohortDecided,cohortRate24hPercent',
      'acme,2026-W48,2026-11-23T09:00:00.000Z,2026-11-23T09:01:00.000Z,2026-11-23T10:00:00.000Z,2026-11-23T11:00:00.000Z,2026-11-23T12:00:00.000Z,2026-11-23T12:00:00.000Z,yes,3,2,3,66.7',
      '',
    ]);
  });

  it('prints cohorts as an aligned table, with "-" for weeks still to come', () => {
    const out = cohortsTable([
      { cohort: '2026-W48', tenants: 3, activated: 2, activatedWithin24h: 1, active: [3, 2, null] },
      { cohort: '2026-W49', tenants: 10, activated: 7, activatedWithin24h: 7, active: [10, null, null] },
    ]);
    expect(out).toBe(
      [
        'COHORT    TENANTS  ACTIVATED   IN 24H    W0   W1  W2',
        '2026-W48        3    2 (67%)  1 (33%)  100%  67%   -',
        '2026-W49       10    7 (70%)  7 (70%)  100%    -   -',
        '',
      ].join('\n'),
    );
  });
});
