import {
  type Dashboard,
  DashboardBuilder,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  RowBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as StatPanel } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeseriesPanel } from '@grafana/grafana-foundation-sdk/timeseries';
import type { DashboardSpec, PanelSpec } from './dashboards.ts';
import { METRICS_JOB } from './queries.ts';

// Built with Grafana's foundation SDK (a dev dependency): only the chart generator and the
// tests load this module, never the operator.

// biome-ignore lint/suspicious/noTemplateCurlyInString: a Grafana variable, resolved by Grafana
const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };
const WIDTH = 24;

function thresholds(at: number | undefined) {
  const steps = [{ value: null as unknown as number, color: 'green' }];
  if (at !== undefined) steps.push({ value: at, color: 'red' });
  return new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps(steps);
}

function panel(p: PanelSpec, id: number, gridPos: { x: number; y: number; w: number; h: number }) {
  const builder = p.kind === 'stat' ? new StatPanel() : new TimeseriesPanel();
  builder
    .id(id)
    .title(p.title)
    .description(p.description)
    .unit(p.unit)
    .datasource(DATASOURCE)
    .thresholds(thresholds(p.threshold))
    .gridPos(gridPos);
  p.queries.forEach((q, i) => {
    const target = new DataqueryBuilder().expr(q.expr).refId(String.fromCharCode(65 + i));
    builder.withTarget(q.legend ? target.legendFormat(q.legend) : target);
  });
  return builder;
}

/** Grafana dashboard JSON (schema of the SDK's Grafana version) for one dashboard spec. */
export function grafanaDashboard(spec: DashboardSpec): Dashboard {
  const d = new DashboardBuilder(spec.title)
    .uid(spec.uid)
    .description(spec.description)
    .tags(['tenantry'])
    .editable()
    .refresh('1m')
    .time({ from: 'now-6h', to: 'now' })
    .withVariable(new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus'))
    .withVariable(
      new QueryVariableBuilder('job')
        .label('Job')
        .datasource(DATASOURCE)
        .query(`label_values(controller_runtime_reconcile_total, job)`)
        .refresh(VariableRefresh.OnDashboardLoad)
        .current({ text: METRICS_JOB, value: METRICS_JOB, selected: true }),
    );
  let id = 1;
  let y = 0;
  for (const row of spec.rows) {
    d.withRow(new RowBuilder(row.title).id(id++).gridPos({ x: 0, y: y++, w: WIDTH, h: 1 }));
    const w = Math.max(6, Math.floor(WIDTH / row.panels.length));
    row.panels.forEach((p, i) => {
      d.withPanel(panel(p, id++, { x: (i * w) % WIDTH, y: y + Math.floor((i * w) / WIDTH) * 8, w, h: 8 }));
    });
    y += Math.ceil((row.panels.length * w) / WIDTH) * 8;
  }
  return d.build();
}
