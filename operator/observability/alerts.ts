import { TARGET_WITHIN_24H } from '../growth/funnel.ts';
import { nudgeFailureRatio } from './dashboards.ts';
import { METRICS_JOB } from './queries.ts';

/**
 * The alerts, as data: the chart's PrometheusRule, docs/runbooks.md and the `promtool test
 * rules` tests are generated from this one list. Thresholds are named constants so the
 * README, the runbook and the tests say the same numbers.
 */

export interface AlertSpec {
  alert: string;
  expr: string;
  /** How long the condition must hold before the alert fires (Prometheus duration). */
  for: string;
  severity: 'critical' | 'warning';
  summary: string;
  /** Alertmanager template text: may use {{ $labels.x }} and {{ $value }}. */
  description: string;
  /** What to check and do, in order (Markdown); docs/runbooks.md shows it under the alert's name. */
  runbook: string[];
}

/** p90 of creation to Ready above this many seconds (an hour's tenants) is slow onboarding. */
export const ONBOARDING_SLOW_SECONDS = 300;
/** Fewer decided signups than this in 7 days is too few to judge the 24-hour rate. */
export const ACTIVATION_MIN_DECIDED = 10;
/** A metering watermark older than this (three default windows) is stuck. */
export const METERING_STUCK_SECONDS = 3 * 3600;
/** Share of nudge deliveries failing, per channel, over 30 minutes. */
export const NUDGE_FAILURE_RATIO = 0.1;
/** Share of reconciles failing, per controller, over 10 minutes. */
export const RECONCILE_ERROR_RATIO = 0.1;

const J = `job="${METRICS_JOB}"`;
const within24h = (outcome: string) =>
  `sum(tenantry_activation_within_24h_tenants{${J},outcome=~"${outcome}"})`;

export const ALERTS: readonly AlertSpec[] = [
  {
    alert: 'TenantryOnboardingSlow',
    expr: `histogram_quantile(0.9, sum by (le) (rate(tenantry_onboarding_duration_seconds_bucket{${J},milestone="ready"}[1h]))) > ${ONBOARDING_SLOW_SECONDS}`,
    for: '15m',
    severity: 'warning',
    summary: 'New tenants take too long to become Ready',
    description: `The p90 time from Tenant creation to Ready over the last hour is {{ $value | humanizeDuration }} (threshold ${ONBOARDING_SLOW_SECONDS} s).`,
    runbook: [
      'List the tenants that are not Ready: `kubectl get tenants` and `kubectl describe tenant NAME`; the Ready condition names the step that waits (namespaces, quota, identity, DNS verification, receipts).',
      'Check the operator\'s queue and reconcile time on the "Tenantry / Operator health" dashboard: a deep tenant queue or slow reconciles point at API server latency or client rate limits.',
      'Check the API server and the nodes: namespaces wait for kube-controller-manager, pods for the scheduler.',
    ],
  },
  {
    alert: 'TenantryActivationBelowTarget',
    expr: `${within24h('yes')} / ${within24h('yes|no')} < ${TARGET_WITHIN_24H} and ${within24h('yes|no')} >= ${ACTIVATION_MIN_DECIDED}`,
    for: '1h',
    severity: 'warning',
    summary: `Fewer than ${TARGET_WITHIN_24H * 100} % of new tenants activate within 24 hours`,
    description: `{{ $value | humanizePercentage }} of the last 7 days' decided signups completed the activation checklist within 24 h (target ${TARGET_WITHIN_24H * 100} %, at least ${ACTIVATION_MIN_DECIDED} signups).`,
    runbook: [
      "`tenantry cohorts` (or the console's cohort view) shows which checklist item tenants stop at.",
      'An item nobody reaches usually has a broken step: identityConnected (the IdP or OIDC quick connect), firstApproval (approvers not told), firstEvidenceExport or firstUsageView (the tenant API: check `tenantry_tenant_api_requests_total` by code).',
      'Check that nudges go out ("Tenantry / Nudge delivery"): finishSetup reminds tenants that stall.',
    ],
  },
  {
    alert: 'TenantryBundleValidationFailing',
    expr: `sum by (profile) (increase(tenantry_bundle_validation_runs_total{${J},result="failed"}[1h])) > 0`,
    for: '0m',
    severity: 'critical',
    summary: 'The installed bundle failed its validation suite',
    description:
      'A validation run of the {{ $labels.profile }} profile failed in the last hour: the install is not proven sound.',
    runbook: [
      '`kubectl get distributionbundle -o yaml`: the status lists each failed check with its id, message and remediation.',
      'Re-run `tenantry validate -o table` to see the current verdict; fix what the failed checks name (CRDs, admission, operator health, the canary tenant, regions, endpoints).',
      'Do not hand over evidence from a failed run: the signed result records FAILED.',
    ],
  },
  {
    alert: 'TenantryMeteringStuck',
    expr: `max by (tenant) (tenantry_metering_watermark_age_seconds{${J}}) > ${METERING_STUCK_SECONDS}`,
    for: '15m',
    severity: 'critical',
    summary: 'Metering of a tenant is not moving',
    description: `The metering watermark of tenant {{ $labels.tenant }} is {{ $value | humanizeDuration }} old (threshold ${METERING_STUCK_SECONDS / 3600} h): usage is not being metered or invoiced.`,
    runbook: [
      '`kubectl get entitlement TENANT -o yaml`: the Metered condition says why (SourceUnavailable: an archive bucket or the reservation journal cannot be read; LedgerTampered: a ledger day was changed; PriceMissing).',
      'For LedgerTampered restore the day from the audit archive (see README "Entitlements and add-ons"); for SourceUnavailable check the archive endpoint and credentials.',
      'With a metering window longer than an hour (`--metering-window`), raise the threshold to three windows.',
    ],
  },
  {
    alert: 'TenantryNudgeDeliveriesFailing',
    expr: `${nudgeFailureRatio('channel', '30m', J)} > ${NUDGE_FAILURE_RATIO}`,
    for: '15m',
    severity: 'warning',
    summary: 'Nudge deliveries are failing',
    description: `{{ $value | humanizePercentage }} of nudge deliveries on channel {{ $labels.channel }} failed over 30 minutes (threshold ${NUDGE_FAILURE_RATIO * 100} %).`,
    runbook: [
      'For `webhook:<receiver>`: check that the receiver is up and reachable from the operator, its TLS CA and shared secret, and the endpoint allow-list of the nudges configuration; the operator logs each failed attempt with the status code.',
      'For `event`: the operator cannot write Events; check its RBAC (`kubectl auth can-i create events --as system:serviceaccount:tenantry-system:tenantry`).',
      'Failed deliveries are retried with backoff and logged in the growth log; nothing is lost while the receiver is down.',
    ],
  },
  {
    alert: 'TenantryReconcileErrors',
    expr: `sum by (controller) (rate(controller_runtime_reconcile_errors_total{${J}}[10m])) / sum by (controller) (rate(controller_runtime_reconcile_total{${J}}[10m])) > ${RECONCILE_ERROR_RATIO}`,
    for: '15m',
    severity: 'warning',
    summary: 'A controller keeps failing its reconciles',
    description: `{{ $value | humanizePercentage }} of the {{ $labels.controller }} controller's reconciles failed over 10 minutes (threshold ${RECONCILE_ERROR_RATIO * 100} %).`,
    runbook: [
      "The operator's logs name each failed reconcile with its object and error; `kubectl get tenants,addons,entitlements` shows which objects are not Ready and why.",
      "Forbidden errors: the operator's RBAC (operator/install/rbac.ts, the chart's rbac.yaml). Conflicts and timeouts: API server health.",
      'Stalled objects (TerminalError) need a person: fix the spec the condition names.',
    ],
  },
  {
    alert: 'TenantryLeaderMissing',
    expr: `max by (name) (leader_election_master_status{${J}}) < 1 or absent(leader_election_master_status{${J}})`,
    for: '5m',
    severity: 'critical',
    summary: 'No Tenantry replica leads',
    description:
      'No replica holds the leader lease {{ $labels.name }} (or none is scraped): tenants, add-ons and metering are not being reconciled.',
    runbook: [
      '`kubectl -n tenantry-system get pods,lease`: are the replicas running, and who holds the lease (`holderIdentity`, `renewTime`)?',
      'Replicas running but none leading: the operator cannot update its Lease (RBAC on coordination.k8s.io leases, or API server latency above the renew deadline); see its logs.',
      'No replica scraped: check the Deployment, the `tenantry-metrics` Service and the ServiceMonitor.',
    ],
  },
];

/** The anchor of an alert's section in docs/runbooks.md (GitHub's heading ids: lower case). */
export const runbookAnchor = (alert: string) => alert.toLowerCase();

/** The rule group of the PrometheusRule; `runbookUrl` is the base URL of docs/runbooks.md. */
export function ruleGroups(runbookUrl: string) {
  return [
    {
      name: 'tenantry',
      rules: ALERTS.map((a) => ({
        alert: a.alert,
        expr: a.expr,
        for: a.for,
        labels: { severity: a.severity },
        annotations: {
          summary: a.summary,
          description: a.description,
          runbook_url: `${runbookUrl}#${runbookAnchor(a.alert)}`,
        },
      })),
    },
  ];
}

/** docs/runbooks.md: one section per alert with its meaning, threshold and steps. */
export function runbooksMarkdown(): string {
  const sections = ALERTS.map((a) =>
    [
      `## ${a.alert}`,
      '',
      `**${a.severity}**: ${a.summary}.`,
      '',
      '```promql',
      a.expr,
      '```',
      '',
      `for ${a.for}. ${a.description.replaceAll(/\{\{[^}]*\}\}/g, '…')}`,
      '',
      ...a.runbook.map((step, i) => `${i + 1}. ${step}`),
    ].join('\n'),
  );
  return `<!-- Code generated by hack/gen-dashboards.ts from operator/observability/alerts.ts. DO NOT EDIT. -->\n# Runbooks\n\nWhat each Tenantry alert means and what to do. The chart installs the alerts as a PrometheusRule (\`prometheusRules.enabled\`); each alert's \`runbook_url\` points at its section here.\n\n${sections.join('\n\n')}\n`;
}
