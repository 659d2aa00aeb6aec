import { spawn } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensurePromtool } from '../../devcluster/tools.ts';
import { EntitlementResource, TenantResource } from '../../operator/api/v1alpha1/index.ts';
import { parseNudgeConfig } from '../../operator/growth/nudges/config.ts';
import { ALERTS } from '../../operator/observability/alerts.ts';
import { allPanels } from '../../operator/observability/dashboards.ts';
import { METRICS_JOB, resolveQuery } from '../../operator/observability/queries.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import { entitlementManifest } from '../support/addons.ts';
import { adminClient, startTestOperator, tenantManifest, uniqueName, waitReady } from '../support/cluster.ts';
import { type PrometheusServer, startPrometheus } from '../support/prometheus.ts';
import { waitFor } from '../support/wait.ts';

/**
 * The dashboards and alerts against a real Prometheus: it scrapes a running operator (leader
 * election on) that onboards two tenants, meters one and nudges them (setQuotas at once, to
 * Events), and then every dashboard panel's query and every alert expression runs through
 * its HTTP API as Grafana and the rule evaluator would. Each panel must return data; no
 * query may error. promtool checks the live /metrics.
 */
const WINDOW_MS = 2000;
const A = uniqueName('prom-a');
const B = uniqueName('prom-b');

let admin: KubeClient;
let stop: (() => Promise<void>) | undefined;
let prometheus: PrometheusServer | undefined;
let metricsPort = 0;

const samples = async (expr: string) => (await prometheus?.query(expr))?.data?.result ?? [];

beforeAll(async () => {
  admin = await adminClient();
  const started = await startTestOperator(admin, {
    leaderElection: true,
    meteringWindowMs: WINDOW_MS,
    nudges: parseNudgeConfig('nudges:\n  setQuotas: { after: 0s, every: 1h }\n', () => ''),
  });
  stop = started.stop;
  metricsPort = started.op.probe?.port ?? 0;
  prometheus = await startPrometheus({ job: METRICS_JOB, targets: [`127.0.0.1:${metricsPort}`] });
  // Tenants come after the first scrapes, so the rates over the window see them arrive.
  await waitFor('the first scrape', async () => (await samples(`up{job="${METRICS_JOB}"} == 1`)).length > 0, {
    timeoutMs: 30_000,
    intervalMs: 250,
  });
  await admin.create(TenantResource, tenantManifest(A));
  await admin.create(TenantResource, tenantManifest(B));
  await Promise.all([waitReady(admin, A), waitReady(admin, B)]);
  await admin.create(EntitlementResource, entitlementManifest(A));
  const scraped = async (expr: string) => (await samples(expr)).length > 0;
  await waitFor(
    'Prometheus to have scraped the onboarded, metered and nudged tenants',
    async () =>
      (await scraped(`tenantry_onboarding_duration_seconds_count{milestone="ready"} >= 2`)) &&
      (await scraped(`tenantry_metering_watermark_age_seconds{tenant="${A}"}`)) &&
      // Three scrapes since the last of them: enough for rate() over the panels' window.
      (await scraped(`count_over_time(tenantry_nudges_total{nudge="setQuotas"}[1m]) >= 3`)) &&
      (await scraped(`leader_election_master_status == 1`)),
    { timeoutMs: 90_000, intervalMs: 500 },
  );
}, 240_000);

afterAll(async () => {
  await prometheus?.stop();
  await stop?.();
  for (const name of [A, B]) {
    await admin?.delete(EntitlementResource, name).catch(() => {});
    await admin?.delete(TenantResource, name).catch(() => {});
  }
});

describe('dashboards and alerts against a real Prometheus', () => {
  it('every dashboard panel query runs without error and returns data', async () => {
    const empty: string[] = [];
    for (const { dashboard, panel } of allPanels()) {
      for (const q of panel.queries) {
        const expr = resolveQuery(q.expr, { job: METRICS_JOB, rateInterval: '1m' });
        const r = await prometheus?.query(expr);
        expect(r?.status, `${dashboard} / ${panel.title}: ${expr}: ${r?.error}`).toBe('success');
        if (!r?.data?.result.length) empty.push(`${dashboard} / ${panel.title}: ${expr}`);
      }
    }
    expect(empty).toEqual([]);
  });

  it('every alert expression runs without error, and none fires for a healthy operator', async () => {
    for (const a of ALERTS) {
      const r = await prometheus?.query(a.expr);
      expect(r?.status, `${a.alert}: ${r?.error}`).toBe('success');
      // Reconcile errors are allowed: a fresh tenant's first reconciles may conflict.
      if (a.alert !== 'TenantryReconcileErrors') expect(r?.data?.result, a.alert).toEqual([]);
    }
  });

  it('the live /metrics passes promtool check metrics', async () => {
    const text = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text();
    const r = await checkMetrics(await ensurePromtool(), text);
    expect(r.output, 'promtool check metrics').toBe('');
    expect(r.code).toBe(0);
  });
});

function checkMetrics(promtool: string, text: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(promtool, ['check', 'metrics'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (d) => (output += d));
    child.stderr.on('data', (d) => (output += d));
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, output }));
    child.stdin.end(text);
  });
}
