/**
 * What `tenantry activation export` and `tenantry cohorts` print: the funnel as CSV or JSON,
 * cohorts as a table or JSON. Rates come with the counts they are made of, so a reader can
 * check each one.
 */

import type { CohortRow } from '../../operator/growth/cohorts.ts';
import type { Funnel, FunnelCohort } from '../../operator/growth/funnel.ts';
import { csvField, jsonDocument } from './invoice.ts';

export const FUNNEL_COLUMNS = [
  'tenant',
  'cohort',
  'created',
  'identityConnected',
  'firstApproval',
  'firstEvidenceExport',
  'firstUsageView',
  'completedAt',
  'completedWithin24h',
  'cohortTenants',
  'cohortWithin24h',
  'cohortDecided',
  'cohortRate24hPercent',
] as const;

const percent = (rate: number | null) => (rate === null ? '' : (rate * 100).toFixed(1));

/** RFC 4180 CSV, a row per tenant, each with its cohort's 24 h completion rate and its counts. */
export function funnelCsv(f: Funnel): string {
  const byCohort = new Map<string, FunnelCohort>(f.cohorts.map((c) => [c.cohort, c]));
  const rows = [FUNNEL_COLUMNS.join(',')];
  for (const t of f.tenants) {
    const c = byCohort.get(t.cohort);
    const values: Record<(typeof FUNNEL_COLUMNS)[number], string | number> = {
      tenant: t.tenant,
      cohort: t.cohort,
      created: t.created,
      ...t.items,
      completedAt: t.completedAt,
      completedWithin24h: t.within24h,
      cohortTenants: c?.tenants ?? 0,
      cohortWithin24h: c?.within24h ?? 0,
      cohortDecided: c?.decided ?? 0,
      cohortRate24hPercent: percent(c?.rate ?? null),
    };
    rows.push(FUNNEL_COLUMNS.map((k) => csvField(values[k])).join(','));
  }
  return `${rows.join('\r\n')}\r\n`;
}

const share = (n: number, of: number) => (of ? `${Math.round((n * 100) / of)}%` : '-');

/** `tenantry cohorts`: a row per signup week, retention by week after signup ("-" for weeks to come). */
export function cohortsTable(rows: readonly CohortRow[]): string {
  if (!rows.length) return 'no tenants\n';
  const weeks = rows[0]?.active.length ?? 0;
  const header = [
    'COHORT',
    'TENANTS',
    'ACTIVATED',
    'IN 24H',
    ...Array.from({ length: weeks }, (_, i) => `W${i}`),
  ];
  const body = rows.map((r) => [
    r.cohort,
    String(r.tenants),
    `${r.activated} (${share(r.activated, r.tenants)})`,
    `${r.activatedWithin24h} (${share(r.activatedWithin24h, r.tenants)})`,
    ...r.active.map((n) => (n === null ? '-' : share(n, r.tenants))),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => (b[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return `${[line(header), ...body.map(line)].join('\n')}\n`;
}

/** `tenantry cohorts -o json`: counts and shares (0-1) per cohort. */
export function cohortsJson(asOf: string, rows: readonly CohortRow[]): string {
  return jsonDocument({
    asOf,
    cohorts: rows.map((r) => ({
      ...r,
      activatedRatio: r.tenants ? r.activated / r.tenants : 0,
      activatedWithin24hRatio: r.tenants ? r.activatedWithin24h / r.tenants : 0,
      retention: r.active.map((n) => (n === null ? null : r.tenants ? n / r.tenants : 0)),
    })),
  });
}
