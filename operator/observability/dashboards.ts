import { TARGET_WITHIN_24H } from '../growth/funnel.ts';

/**
 * The dashboards, as data: each panel's queries are listed here once, so the generator
 * (hack/gen-dashboards.ts, through grafana.ts) and the Prometheus test run the same text.
 * Queries select `job=~"$job"` and use `$__rate_interval` (see queries.ts).
 */

export interface PanelQuery {
  expr: string;
  /** Grafana legend template, e.g. `{{controller}}`. */
  legend?: string;
}

export interface PanelSpec {
  title: string;
  description: string;
  kind: 'timeseries' | 'stat';
  /** Grafana unit id: `s`, `percentunit`, `short`, `reqps`. */
  unit: string;
  queries: PanelQuery[];
  /** A red threshold line or colour at this value (e.g. the activation target). */
  threshold?: number;
}

export interface DashboardSpec {
  uid: string;
  title: string;
  description: string;
  /** Rows of panels, in order. */
  rows: Array<{ title: string; panels: PanelSpec[] }>;
}

const J = 'job=~"$job"';
const RI = '$__rate_interval';

const quantile = (q: number, metric: string, by: string, selector: string) =>
  `histogram_quantile(${q}, sum by (${by}) (rate(${metric}_bucket{${selector}}[${RI}])))`;

const onboarding: DashboardSpec = {
  uid: 'tenantry-onboarding',
  title: 'Tenantry / Onboarding',
  description:
    'Time from Tenant creation to each onboarding milestone (tenantry_onboarding_duration_seconds).',
  rows: [
    {
      title: 'Time to Ready',
      panels: [
        {
          title: 'Time to Ready (p50, p90)',
          description: 'Seconds from Tenant creation to Ready, over tenants that became Ready in the window.',
          kind: 'timeseries',
          unit: 's',
          queries: [
            {
              expr: quantile(0.5, 'tenantry_onboarding_duration_seconds', 'le', `${J},milestone="ready"`),
              legend: 'p50',
            },
            {
              expr: quantile(0.9, 'tenantry_onboarding_duration_seconds', 'le', `${J},milestone="ready"`),
              legend: 'p90',
            },
          ],
        },
        {
          title: 'Tenants onboarded (last 24 h)',
          description: 'Tenants that became Ready in the last 24 hours.',
          kind: 'stat',
          unit: 'short',
          queries: [
            { expr: `sum(increase(tenantry_onboarding_duration_seconds_count{${J},milestone="ready"}[1d]))` },
          ],
        },
      ],
    },
    {
      title: 'Milestones',
      panels: [
        {
          title: 'Time to milestone (p90)',
          description: 'first_receipt, ready, first_approval, first_usage_report: p90 seconds from creation.',
          kind: 'timeseries',
          unit: 's',
          queries: [
            {
              expr: quantile(0.9, 'tenantry_onboarding_duration_seconds', 'le, milestone', J),
              legend: '{{milestone}}',
            },
          ],
        },
        {
          title: 'Milestones reached',
          description: 'Tenants reaching each milestone per second.',
          kind: 'timeseries',
          unit: 'short',
          queries: [
            {
              expr: `sum by (milestone) (rate(tenantry_onboarding_duration_seconds_count{${J}}[${RI}]))`,
              legend: '{{milestone}}',
            },
          ],
        },
      ],
    },
  ],
};

const decided = `sum(tenantry_activation_within_24h_tenants{${J},outcome=~"yes|no"})`;
const activation: DashboardSpec = {
  uid: 'tenantry-activation',
  title: 'Tenantry / Activation',
  description: `The activation checklist: the plan's target is ${TARGET_WITHIN_24H * 100} % of new tenants done within 24 h.`,
  rows: [
    {
      title: '24-hour activation',
      panels: [
        {
          title: 'Activated within 24 h (last 7 days of signups)',
          description:
            'Share of the tenants that signed up in the last 7 days and whose 24 hours are up (or that finished early) that completed the checklist within 24 h. Empty (NaN) while none is decided.',
          kind: 'stat',
          unit: 'percentunit',
          threshold: TARGET_WITHIN_24H,
          queries: [{ expr: `sum(tenantry_activation_within_24h_tenants{${J},outcome="yes"}) / ${decided}` }],
        },
        {
          title: 'Signups by 24-hour outcome',
          description: 'Tenants of the last 7 days: yes (done within 24 h), no, pending (younger than 24 h).',
          kind: 'timeseries',
          unit: 'short',
          queries: [
            {
              expr: `sum by (outcome) (tenantry_activation_within_24h_tenants{${J}})`,
              legend: '{{outcome}}',
            },
          ],
        },
        {
          title: 'Activated within 24 h, by signup week',
          description: 'tenantry_cohort_activated_ratio{within="24h"} per ISO-week cohort.',
          kind: 'timeseries',
          unit: 'percentunit',
          threshold: TARGET_WITHIN_24H,
          queries: [
            {
              expr: `max by (cohort) (tenantry_cohort_activated_ratio{${J},within="24h"})`,
              legend: '{{cohort}}',
            },
          ],
        },
      ],
    },
    {
      title: 'Checklist and health',
      panels: [
        {
          title: 'Checklist items done (last 24 h)',
          description: 'identityConnected, firstApproval, firstEvidenceExport, firstUsageView.',
          kind: 'timeseries',
          unit: 'short',
          queries: [
            {
              expr: `sum by (item) (increase(tenantry_activation_items_completed_total{${J}}[1d]))`,
              legend: '{{item}}',
            },
          ],
        },
        {
          title: 'Tenants by health band',
          description: 'healthy, atRisk, critical, from each tenant’s current health score.',
          kind: 'timeseries',
          unit: 'short',
          queries: [{ expr: `max by (band) (tenantry_tenants_by_health_band{${J}})`, legend: '{{band}}' }],
        },
        {
          title: 'Retention by weeks after signup',
          description:
            'Share of a cohort active N weeks after its signup week (0: the signup week), averaged over the last 13 cohorts.',
          kind: 'timeseries',
          unit: 'percentunit',
          queries: [
            { expr: `avg by (week) (tenantry_cohort_retention_ratio{${J}})`, legend: 'week {{week}}' },
          ],
        },
      ],
    },
  ],
};

const validation: DashboardSpec = {
  uid: 'tenantry-bundle-validation',
  title: 'Tenantry / Bundle validation',
  description:
    'Validation suite runs of the installed DistributionBundle (`tenantry validate`, the validation Job).',
  rows: [
    {
      title: 'Validation runs',
      panels: [
        {
          title: 'Runs by result (last 24 h)',
          description: 'passed, warned, failed, per install profile.',
          kind: 'timeseries',
          unit: 'short',
          queries: [
            {
              expr: `sum by (profile, result) (increase(tenantry_bundle_validation_runs_total{${J}}[1d]))`,
              legend: '{{profile}} {{result}}',
            },
          ],
        },
        {
          title: 'Failed runs (last 24 h)',
          description: 'Validation runs whose verdict was FAILED.',
          kind: 'stat',
          unit: 'short',
          threshold: 1,
          queries: [
            { expr: `sum(increase(tenantry_bundle_validation_runs_total{${J},result="failed"}[1d]))` },
          ],
        },
        {
          title: 'Validation duration (p90)',
          description: 'Seconds per validation run, by profile.',
          kind: 'timeseries',
          unit: 's',
          queries: [
            {
              expr: quantile(0.9, 'tenantry_bundle_validation_duration_seconds', 'le, profile', J),
              legend: '{{profile}}',
            },
          ],
        },
      ],
    },
  ],
};

const metering: DashboardSpec = {
  uid: 'tenantry-addons-metering',
  title: 'Tenantry / Add-ons and metering',
  description: 'Add-ons by type and state, and how far each tenant’s metering ledger lags.',
  rows: [
    {
      title: 'Add-ons',
      panels: [
        {
          title: 'Add-ons by type and Ready',
          description: 'DedicatedCompute and AuditArchive add-ons by their Ready condition.',
          kind: 'timeseries',
          unit: 'short',
          queries: [
            { expr: `sum by (type, ready) (tenantry_addons{${J}})`, legend: '{{type}} Ready={{ready}}' },
          ],
        },
      ],
    },
    {
      title: 'Metering',
      panels: [
        {
          title: 'Metering lag (oldest watermark)',
          description: 'Seconds since the oldest tenant watermark: a window plus 30 s is normal.',
          kind: 'stat',
          unit: 's',
          queries: [{ expr: `max(tenantry_metering_watermark_age_seconds{${J}})` }],
        },
        {
          title: 'Metering lag by tenant (top 10)',
          description: 'The ten tenants whose metering lags most.',
          kind: 'timeseries',
          unit: 's',
          queries: [
            {
              expr: `topk(10, max by (tenant) (tenantry_metering_watermark_age_seconds{${J}}))`,
              legend: '{{tenant}}',
            },
          ],
        },
        {
          title: 'Metered tenants',
          description: 'Tenants whose Entitlement has a watermark.',
          kind: 'stat',
          unit: 'short',
          queries: [{ expr: `count(max by (tenant) (tenantry_metering_watermark_age_seconds{${J}}))` }],
        },
        {
          title: 'Ledger verification failures (last 24 h)',
          description:
            'Metering passes that found a ledger changed by someone other than the operator (0 when none).',
          kind: 'stat',
          unit: 'short',
          threshold: 1,
          queries: [
            { expr: `sum(increase(tenantry_ledger_verification_failures_total{${J}}[1d])) or vector(0)` },
          ],
        },
      ],
    },
  ],
};

/** failed / (sent + failed) per label set, 0 rather than nothing while no delivery failed. */
export const nudgeFailureRatio = (by: string, window: string, selector: string) =>
  `(sum by (${by}) (rate(tenantry_nudges_total{${selector},outcome="failed"}[${window}])) or sum by (${by}) (rate(tenantry_nudges_total{${selector}}[${window}])) * 0) / sum by (${by}) (rate(tenantry_nudges_total{${selector},outcome=~"sent|failed"}[${window}]))`;

const nudges: DashboardSpec = {
  uid: 'tenantry-nudges',
  title: 'Tenantry / Nudge delivery',
  description: 'Admin nudges: deliveries by outcome, nudge and channel (tenantry_nudges_total).',
  rows: [
    {
      title: 'Deliveries',
      panels: [
        {
          title: 'Deliveries by outcome',
          description: 'sent, failed, suppressed-optOut, suppressed-cap, suppressed-quiet, per second.',
          kind: 'timeseries',
          unit: 'short',
          queries: [
            { expr: `sum by (outcome) (rate(tenantry_nudges_total{${J}}[${RI}]))`, legend: '{{outcome}}' },
          ],
        },
        {
          title: 'Deliveries by nudge (last 24 h)',
          description: 'finishSetup, setQuotas, exportEvidence, inviteAuditor.',
          kind: 'timeseries',
          unit: 'short',
          queries: [
            { expr: `sum by (nudge) (increase(tenantry_nudges_total{${J}}[1d]))`, legend: '{{nudge}}' },
          ],
        },
        {
          title: 'Failure ratio by channel',
          description: 'failed / (sent + failed) per channel (event, webhook:<receiver>).',
          kind: 'timeseries',
          unit: 'percentunit',
          threshold: 0.1,
          queries: [{ expr: nudgeFailureRatio('channel', RI, J), legend: '{{channel}}' }],
        },
      ],
    },
  ],
};

const operator: DashboardSpec = {
  uid: 'tenantry-operator',
  title: 'Tenantry / Operator health',
  description: 'Reconciles, errors, work queues and leader election of the operator.',
  rows: [
    {
      title: 'Reconciles',
      panels: [
        {
          title: 'Reconciles by controller and result',
          description: 'Reconciles per second (success, error, requeue, requeue_after).',
          kind: 'timeseries',
          unit: 'ops',
          queries: [
            {
              expr: `sum by (controller, result) (rate(controller_runtime_reconcile_total{${J}}[${RI}]))`,
              legend: '{{controller}} {{result}}',
            },
          ],
        },
        {
          title: 'Reconcile error ratio',
          description: 'Errors / reconciles per controller.',
          kind: 'timeseries',
          unit: 'percentunit',
          threshold: 0.1,
          queries: [
            {
              expr: `sum by (controller) (rate(controller_runtime_reconcile_errors_total{${J}}[${RI}])) / sum by (controller) (rate(controller_runtime_reconcile_total{${J}}[${RI}]))`,
              legend: '{{controller}}',
            },
          ],
        },
        {
          title: 'Reconcile time (p99)',
          description: 'Seconds per reconcile, by controller.',
          kind: 'timeseries',
          unit: 's',
          queries: [
            {
              expr: quantile(0.99, 'controller_runtime_reconcile_time_seconds', 'le, controller', J),
              legend: '{{controller}}',
            },
          ],
        },
      ],
    },
    {
      title: 'Work queues and leadership',
      panels: [
        {
          title: 'Queue depth',
          description: 'Keys waiting per controller.',
          kind: 'timeseries',
          unit: 'short',
          queries: [{ expr: `sum by (name) (workqueue_depth{${J}})`, legend: '{{name}}' }],
        },
        {
          title: 'Queue wait (p99)',
          description: 'Seconds a key waits in the queue before a worker takes it.',
          kind: 'timeseries',
          unit: 's',
          queries: [
            { expr: quantile(0.99, 'workqueue_queue_duration_seconds', 'le, name', J), legend: '{{name}}' },
          ],
        },
        {
          title: 'Retries',
          description: 'Keys re-queued with backoff after an error, per second.',
          kind: 'timeseries',
          unit: 'ops',
          queries: [
            { expr: `sum by (name) (rate(workqueue_retries_total{${J}}[${RI}]))`, legend: '{{name}}' },
          ],
        },
        {
          title: 'Leader',
          description: 'Replicas leading each lease: 1 is healthy, 0 means no replica leads.',
          kind: 'stat',
          unit: 'short',
          queries: [{ expr: `sum by (name) (leader_election_master_status{${J}})`, legend: '{{name}}' }],
        },
      ],
    },
  ],
};

export const DASHBOARDS: readonly DashboardSpec[] = [
  onboarding,
  activation,
  validation,
  metering,
  nudges,
  operator,
];

/** Every panel of every dashboard, with where it sits, for tests that run them all. */
export function allPanels(): Array<{ dashboard: string; panel: PanelSpec }> {
  return DASHBOARDS.flatMap((d) =>
    d.rows.flatMap((r) => r.panels.map((panel) => ({ dashboard: d.uid, panel }))),
  );
}
