import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAllDocuments, stringify } from 'yaml';
import { hackPath } from '../devcluster/build-script.ts';
import { ensureHelm, ensurePromtool } from '../devcluster/tools.ts';
import { ALERTS, ruleGroups } from '../operator/observability/alerts.ts';
import { allPanels, DASHBOARDS } from '../operator/observability/dashboards.ts';
import { runTool } from '../test/support/tools.ts';

// `promtool test rules` over the alerts exactly as the chart ships them (expressions, `for`,
// labels), each one firing on series that should fire it and staying quiet on series close
// to them that should not. The annotations' templates are checked by `promtool check rules`
// on the full file; the unit tests compare the static summary only.

const JOB = { job: 'tenantry-metrics', instance: 'op:8081' };
type Series = Record<string, string>;
const series = (name: string, labels: Series, values: string) => ({
  series: `${name}{${Object.entries({ ...JOB, ...labels })
    .map(([k, v]) => `${k}="${v}"`)
    .join(',')}}`,
  values,
});
const buckets = (metric: string, labels: Series, perBucket: Record<string, string>) =>
  Object.entries(perBucket).map(([le, values]) => series(`${metric}_bucket`, { ...labels, le }, values));

interface Case {
  name: string;
  input: ReturnType<typeof series>[];
  at: string;
  /** Labels of each expected alert (besides alertname and severity); none: the alert stays quiet. */
  fires: Series[];
}

const CASES: Record<string, Case[]> = {
  TenantryOnboardingSlow: [
    {
      name: 'tenants take ten minutes to become Ready',
      input: buckets(
        'tenantry_onboarding_duration_seconds',
        { milestone: 'ready' },
        {
          '60': '0+0x60',
          '300': '0+0x60',
          '900': '0+1x60',
          '+Inf': '0+1x60',
        },
      ),
      at: '30m',
      fires: [{}],
    },
    {
      name: 'tenants are Ready within a minute',
      input: buckets(
        'tenantry_onboarding_duration_seconds',
        { milestone: 'ready' },
        {
          '60': '0+1x60',
          '300': '0+1x60',
          '900': '0+1x60',
          '+Inf': '0+1x60',
        },
      ),
      at: '30m',
      fires: [],
    },
  ],
  TenantryActivationBelowTarget: [
    {
      name: 'a third of decided signups activate within 24 h',
      input: [
        series('tenantry_activation_within_24h_tenants', { outcome: 'yes' }, '5+0x80'),
        series('tenantry_activation_within_24h_tenants', { outcome: 'no' }, '10+0x80'),
        series('tenantry_activation_within_24h_tenants', { outcome: 'pending' }, '3+0x80'),
      ],
      at: '70m',
      fires: [{}],
    },
    {
      name: 'most activate',
      input: [
        series('tenantry_activation_within_24h_tenants', { outcome: 'yes' }, '12+0x80'),
        series('tenantry_activation_within_24h_tenants', { outcome: 'no' }, '3+0x80'),
      ],
      at: '70m',
      fires: [],
    },
    {
      name: 'too few decided signups to judge',
      input: [
        series('tenantry_activation_within_24h_tenants', { outcome: 'yes' }, '1+0x80'),
        series('tenantry_activation_within_24h_tenants', { outcome: 'no' }, '5+0x80'),
      ],
      at: '70m',
      fires: [],
    },
  ],
  TenantryBundleValidationFailing: [
    {
      name: 'a run of the M profile failed',
      input: [
        series(
          'tenantry_bundle_validation_runs_total',
          { profile: 'M', result: 'failed' },
          '0 0 0 1 1 1 1 1 1 1',
        ),
        series(
          'tenantry_bundle_validation_runs_total',
          { profile: 'M', result: 'passed' },
          '0 1 1 1 1 1 1 1 1 1',
        ),
      ],
      at: '6m',
      fires: [{ profile: 'M' }],
    },
    {
      name: 'runs pass',
      input: [
        series('tenantry_bundle_validation_runs_total', { profile: 'M', result: 'failed' }, '0+0x10'),
        series('tenantry_bundle_validation_runs_total', { profile: 'M', result: 'passed' }, '0+1x10'),
      ],
      at: '6m',
      fires: [],
    },
  ],
  TenantryMeteringStuck: [
    {
      name: "one tenant's watermark keeps ageing past three hours",
      input: [
        series('tenantry_metering_watermark_age_seconds', { tenant: 'acme' }, '10000+60x60'),
        series('tenantry_metering_watermark_age_seconds', { tenant: 'globex' }, '120+0x60'),
      ],
      at: '40m',
      fires: [{ tenant: 'acme' }],
    },
    {
      name: 'watermarks move',
      input: [series('tenantry_metering_watermark_age_seconds', { tenant: 'globex' }, '3000+0x60')],
      at: '40m',
      fires: [],
    },
  ],
  TenantryNudgeDeliveriesFailing: [
    {
      name: 'half the webhook deliveries fail',
      input: [
        series(
          'tenantry_nudges_total',
          { nudge: 'finishSetup', channel: 'webhook:crm', outcome: 'failed' },
          '0+1x60',
        ),
        series(
          'tenantry_nudges_total',
          { nudge: 'finishSetup', channel: 'webhook:crm', outcome: 'sent' },
          '0+1x60',
        ),
        series(
          'tenantry_nudges_total',
          { nudge: 'finishSetup', channel: 'event', outcome: 'sent' },
          '0+1x60',
        ),
      ],
      at: '40m',
      fires: [{ channel: 'webhook:crm' }],
    },
    {
      name: 'deliveries succeed (no failed series at all)',
      input: [
        series(
          'tenantry_nudges_total',
          { nudge: 'finishSetup', channel: 'webhook:crm', outcome: 'sent' },
          '0+1x60',
        ),
        series(
          'tenantry_nudges_total',
          { nudge: 'finishSetup', channel: 'event', outcome: 'suppressed-cap' },
          '0+5x60',
        ),
      ],
      at: '40m',
      fires: [],
    },
  ],
  TenantryReconcileErrors: [
    {
      name: 'half the tenant reconciles fail',
      input: [
        series('controller_runtime_reconcile_errors_total', { controller: 'tenant' }, '0+1x40'),
        series('controller_runtime_reconcile_total', { controller: 'tenant', result: 'error' }, '0+1x40'),
        series('controller_runtime_reconcile_total', { controller: 'tenant', result: 'success' }, '0+1x40'),
      ],
      at: '30m',
      fires: [{ controller: 'tenant' }],
    },
    {
      name: 'reconciles succeed',
      input: [
        series('controller_runtime_reconcile_errors_total', { controller: 'tenant' }, '0+0x40'),
        series('controller_runtime_reconcile_total', { controller: 'tenant', result: 'success' }, '0+10x40'),
      ],
      at: '30m',
      fires: [],
    },
  ],
  TenantryLeaderMissing: [
    {
      name: 'both replicas stand by',
      input: [
        series('leader_election_master_status', { name: 'tenantry-leader', instance: 'a' }, '0+0x20'),
        series('leader_election_master_status', { name: 'tenantry-leader', instance: 'b' }, '0+0x20'),
      ],
      at: '10m',
      fires: [{ name: 'tenantry-leader' }],
    },
    {
      name: 'no replica is scraped',
      input: [series('up', { job: 'other' }, '1+0x20')],
      at: '10m',
      fires: [{ job: 'tenantry-metrics' }],
    },
    {
      name: 'one replica leads, the other stands by',
      input: [
        series('leader_election_master_status', { name: 'tenantry-leader', instance: 'a' }, '1+0x20'),
        series('leader_election_master_status', { name: 'tenantry-leader', instance: 'b' }, '0+0x20'),
      ],
      at: '10m',
      fires: [],
    },
  ],
};

let promtool: string;
let dir: string;
const rulesFile = () => path.join(dir, 'rules.yaml');

beforeAll(async () => {
  promtool = await ensurePromtool();
  dir = mkdtempSync(path.join(os.tmpdir(), 'tenantry-rules-'));
  writeFileSync(rulesFile(), stringify({ groups: ruleGroups('https://example.invalid/runbooks.md') }));
}, 300_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the alert rules', () => {
  it('pass promtool check rules (expressions and annotation templates)', async () => {
    const r = await runTool(promtool, ['check', 'rules', rulesFile()]);
    expect(r.stderr + r.stdout).toContain(`SUCCESS: ${ALERTS.length} rules found`);
    expect(r.code).toBe(0);
  });

  it('have a firing and a quiet promtool unit test each', () => {
    for (const a of ALERTS) {
      const cases = CASES[a.alert] ?? [];
      expect(
        cases.some((c) => c.fires.length > 0),
        `${a.alert} fires`,
      ).toBe(true);
      expect(
        cases.some((c) => c.fires.length === 0),
        `${a.alert} stays quiet`,
      ).toBe(true);
    }
  });

  it('fire exactly when they should (promtool test rules)', async () => {
    // The summary alone: the descriptions' templates are checked above.
    const groups = ruleGroups('').map((g) => ({
      ...g,
      rules: g.rules.map((r) => ({ ...r, annotations: { summary: r.annotations.summary } })),
    }));
    const unitRules = path.join(dir, 'unit-rules.yaml');
    writeFileSync(unitRules, stringify({ groups }));
    const tests = ALERTS.flatMap((a) =>
      (CASES[a.alert] ?? []).map((c) => ({
        name: `${a.alert}: ${c.name}`,
        interval: '1m',
        input_series: c.input,
        alert_rule_test: [
          {
            eval_time: c.at,
            alertname: a.alert,
            exp_alerts: c.fires.map((labels) => ({
              exp_labels: { severity: a.severity, ...labels },
              exp_annotations: { summary: a.summary },
            })),
          },
        ],
      })),
    );
    const testFile = path.join(dir, 'tests.yaml');
    writeFileSync(testFile, stringify({ rule_files: [unitRules], evaluation_interval: '1m', tests }));
    const r = await runTool(promtool, ['test', 'rules', testFile]);
    expect(r.stdout + r.stderr).toContain('SUCCESS');
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });
});

describe('the dashboards', () => {
  it('have queries that promtool parses', async () => {
    // Parsed as recording rules: an invalid query fails `check rules` naming the record.
    const rules = allPanels().flatMap(({ dashboard, panel }, i) =>
      panel.queries.map((q, j) => ({
        record: `dashboard:${dashboard.replaceAll('-', '_')}:${i}_${j}`,
        expr: q.expr.replaceAll('$__rate_interval', '5m').replaceAll('$job', 'tenantry-metrics'),
      })),
    );
    const file = path.join(dir, 'panels.yaml');
    writeFileSync(file, stringify({ groups: [{ name: 'panels', rules }] }));
    const r = await runTool(promtool, ['check', 'rules', file]);
    expect(r.code, r.stdout + r.stderr).toBe(0);
  });
});

describe('the chart', () => {
  it('renders the dashboards and the PrometheusRule as Helm leaves them: legends and alert templates intact', async () => {
    const helm = await ensureHelm();
    const chart = hackPath('../charts/tenantry');
    const r = await runTool(helm, [
      'template',
      't',
      chart,
      '--namespace',
      'monitoring',
      '--set',
      'dashboards.enabled=true',
      '--set',
      'prometheusRules.enabled=true',
      '--show-only',
      'templates/dashboards.yaml',
      '--show-only',
      'templates/prometheus-rules.yaml',
    ]);
    expect(r.code, r.stderr).toBe(0);
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS());
    const maps = docs.filter((d) => d.kind === 'ConfigMap');
    expect(maps.map((m) => m.metadata.labels.grafana_dashboard)).toEqual(DASHBOARDS.map(() => '1'));
    const panels = maps.flatMap((m) => Object.values<string>(m.data).flatMap((j) => JSON.parse(j).panels));
    expect(panels.flatMap((p) => p.targets ?? []).map((t) => t.legendFormat)).toContain('{{controller}}');
    const rule = docs.find((d) => d.kind === 'PrometheusRule');
    const rules = rule.spec.groups[0].rules;
    expect(rules.map((x: { alert: string }) => x.alert)).toEqual(ALERTS.map((a) => a.alert));
    expect(rules[0].annotations.description).toBe(ALERTS[0]?.description);
    expect(rules[0].annotations.runbook_url).toMatch(/docs\/runbooks\.md#tenantryonboardingslow$/);
  });
});
