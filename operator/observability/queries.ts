/**
 * The Prometheus job the chart's ServiceMonitor scrapes (its Service, `tenantry-metrics`, in
 * charts/tenantry/templates/deployment.yaml): the alerts select it, and it is the default of
 * the dashboards' `job` variable, so the runtime metrics Tenantry shares with Go operators
 * (controller_runtime_*, workqueue_*) are never mixed with theirs.
 */
export const METRICS_JOB = 'tenantry-metrics';

/** The Grafana variables the dashboards' queries use, with what they mean. */
export const DASHBOARD_VARIABLES = {
  /** The scrape job (a regex match, so several releases can be picked at once). */
  job: '$job',
  /** Grafana's rate window: at least four scrape intervals. */
  rateInterval: '$__rate_interval',
} as const;

/**
 * A dashboard query with Grafana's variables filled in, for running it outside Grafana (the
 * Prometheus test): `$job` by the job's regex, `$__rate_interval` by a window.
 */
export function resolveQuery(expr: string, vars: { job: string; rateInterval: string }): string {
  return expr
    .replaceAll(DASHBOARD_VARIABLES.rateInterval, vars.rateInterval)
    .replaceAll(DASHBOARD_VARIABLES.job, vars.job);
}
