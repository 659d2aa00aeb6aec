import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { HealthBand, Tenant } from '../../api/v1alpha1/index.ts';
import { ACTIVATION_ITEMS } from '../../growth/activation.ts';
import { cohortTable, share } from '../../growth/cohorts.ts';
import { activationFunnel } from '../../growth/funnel.ts';
import type { GrowthLogIndex } from '../../growth/log-index.ts';
import { tenantGrowth } from '../../growth/tenant-growth.ts';
import { DAY_MS } from '../../metering/windows.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { Cache } from '../../runtime/informer.ts';

/** Checklist metrics, observed once per item when the operator first records it done. */
export interface ActivationMetrics {
  itemDone(item: string, seconds: number): void;
  completed(seconds: number): void;
}

/** With the checklist switched off there are no checklist metrics at all. */
export const NO_ACTIVATION_METRICS: ActivationMetrics = { itemDone: () => {}, completed: () => {} };

const BUCKETS = [60, 300, 900, 3_600, 4 * 3_600, 8 * 3_600, 86_400, 3 * 86_400, 7 * 86_400, 30 * 86_400];

export function activationMetrics(registry: Registry): ActivationMetrics {
  const items = new Counter({
    name: 'tenantry_activation_items_completed_total',
    help: 'Activation checklist items done, by item (identityConnected, firstApproval, firstEvidenceExport, firstUsageView)',
    labelNames: ['item'],
    registers: [registry],
  });
  const itemSeconds = new Histogram({
    name: 'tenantry_activation_item_seconds',
    help: 'Time from Tenant creation to an activation checklist item done, by item',
    labelNames: ['item'],
    buckets: BUCKETS,
    registers: [registry],
  });
  const checklistSeconds = new Histogram({
    name: 'tenantry_activation_completed_seconds',
    help: 'Time from Tenant creation to the whole activation checklist done',
    buckets: BUCKETS,
    registers: [registry],
  });
  // Every item has a series from the start: dashboards show 0 instead of "no data", and
  // increase() sees the first completion.
  for (const item of ACTIVATION_ITEMS) {
    items.inc({ item }, 0);
    itemSeconds.zero({ item });
  }
  return {
    itemDone(item, seconds) {
      items.inc({ item });
      itemSeconds.observe({ item }, seconds);
    },
    completed: (seconds) => checklistSeconds.observe(seconds),
  };
}

/** Cohorts and weeks after signup the gauges cover: the last quarter. */
const COHORTS = 13;
const WEEKS = 13;
const BANDS: readonly HealthBand[] = ['healthy', 'atRisk', 'critical'];
/** The rolling signup window of the 24-hour activation gauge (the alert's population). */
const WITHIN_24H_SIGNUPS_MS = 7 * DAY_MS;

/**
 * Health bands and cohorts as gauges, computed when /metrics is scraped from what the
 * operator already holds (the Tenants' cache and the growth log's index): `tenantry cohorts`
 * prints the same numbers.
 */
export function growthGauges(
  registry: Registry,
  sources: { tenants: Cache<Tenant>; log: GrowthLogIndex; clock: Clock },
): void {
  const growth = () =>
    sources.tenants.list().map((t) => tenantGrowth(t, sources.log.events(t.metadata.name ?? '')));
  // One scrape reads three gauges: the table is computed once per scrape, not per gauge.
  let last: { at: number; rows: ReturnType<typeof cohortTable> } | undefined;
  const cohorts = () => {
    const now = sources.clock.now();
    if (last && now - last.at < 1_000) return last.rows;
    last = { at: now, rows: cohortTable(growth(), { now, weeks: WEEKS }).slice(-COHORTS) };
    return last.rows;
  };
  new Gauge({
    name: 'tenantry_activation_within_24h_tenants',
    help: 'Tenants that signed up in the last 7 days by whether they completed the activation checklist within 24 h of signup (yes, no, pending: younger than 24 h and not done yet)',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      const now = sources.clock.now();
      const funnel = activationFunnel(growth(), { now, period: 'week', since: now - WITHIN_24H_SIGNUPS_MS });
      for (const outcome of ['yes', 'no', 'pending'] as const)
        this.set({ outcome }, funnel.tenants.filter((t) => t.within24h === outcome).length);
    },
  });
  new Gauge({
    name: 'tenantry_tenants_by_health_band',
    help: 'Tenants by health band (healthy, atRisk, critical) of their current score',
    labelNames: ['band'],
    registers: [registry],
    collect() {
      const list = sources.tenants.list();
      for (const band of BANDS)
        this.set({ band }, list.filter((t) => t.status?.health?.band === band).length);
    },
  });
  new Gauge({
    name: 'tenantry_cohort_tenants',
    help: 'Tenants that signed up in the ISO week (cohort)',
    labelNames: ['cohort'],
    registers: [registry],
    collect() {
      this.reset();
      for (const c of cohorts()) this.set({ cohort: c.cohort }, c.tenants);
    },
  });
  new Gauge({
    name: 'tenantry_cohort_activated_ratio',
    help: 'Share of the cohort that completed the activation checklist (within 24 h of signup, or at all)',
    labelNames: ['cohort', 'within'],
    registers: [registry],
    collect() {
      this.reset();
      for (const c of cohorts()) {
        this.set({ cohort: c.cohort, within: '24h' }, share(c.activatedWithin24h, c));
        this.set({ cohort: c.cohort, within: 'any' }, share(c.activated, c));
      }
    },
  });
  new Gauge({
    name: 'tenantry_cohort_retention_ratio',
    help: 'Share of the cohort active in week N after signup (week 0: the signup week)',
    labelNames: ['cohort', 'week'],
    registers: [registry],
    collect() {
      this.reset();
      for (const c of cohorts()) {
        c.active.forEach((n, week) => {
          if (n !== null) this.set({ cohort: c.cohort, week: String(week) }, share(n, c));
        });
      }
    },
  });
}
