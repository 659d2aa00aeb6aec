import { html } from 'htm/preact';
import { ACTIVATION_ITEMS } from '../../growth/activation.ts';
import { type CohortRow, share } from '../../growth/cohorts.ts';
import type { Funnel } from '../../growth/funnel.ts';
import { chart, page, panel, percent, type Viewer } from './layout.ts';

export const ITEM_TEXT: Record<string, string> = {
  identityConnected: 'Identity provider connected',
  firstApproval: 'First add-on approved',
  firstEvidenceExport: 'Evidence exported',
  firstUsageView: 'Usage viewed',
};

/** The plan's figure: the share of decided tenants that completed the checklist within 24 hours. */
export function rate24h(funnel: Funnel): { within: number; decided: number; rate: number | null } {
  const within = funnel.cohorts.reduce((s, c) => s + c.within24h, 0);
  const decided = funnel.cohorts.reduce((s, c) => s + c.decided, 0);
  return { within, decided, rate: decided ? within / decided : null };
}

/** How many tenants did each checklist item, and all of them: the steps of the funnel. */
export function funnelSteps(funnel: Funnel): Array<{ step: string; tenants: number }> {
  return [
    { step: 'Signed up', tenants: funnel.tenants.length },
    ...ACTIVATION_ITEMS.map((i) => ({
      step: ITEM_TEXT[i] ?? i,
      tenants: funnel.tenants.filter((t) => t.items[i] !== '').length,
    })),
    { step: 'Checklist complete', tenants: funnel.tenants.filter((t) => t.completedAt !== '').length },
  ];
}

/** Cohorts by signup week: the activation funnel, retention by week, the 24-hour activation rate. */
export function cohortsPage(o: { viewer: Viewer; rows: CohortRow[]; funnel: Funnel; since: string }) {
  const steps = funnelSteps(o.funnel);
  const r = rate24h(o.funnel);
  const weeks = Math.max(0, ...o.rows.map((row) => row.active.length));
  const retention = {
    type: 'line',
    data: {
      labels: Array.from({ length: weeks }, (_, n) => `Week ${n}`),
      datasets: o.rows.map((row) => ({
        label: row.cohort,
        data: row.active.map((a) => (a === null ? null : Math.round(share(a, row) * 1000) / 10)),
      })),
    },
    options: { scales: { y: { min: 0, max: 100, title: { display: true, text: '% of cohort active' } } } },
  };
  const funnelChart = {
    type: 'bar',
    data: {
      labels: steps.map((s) => s.step),
      datasets: [{ label: 'Tenants', data: steps.map((s) => s.tenants) }],
    },
    options: { indexAxis: 'y', plugins: { legend: { display: false } } },
  };
  return page(
    'Cohorts',
    o.viewer,
    html`<h1>Cohorts</h1>
      <form class="filters" method="get" action="/cohorts">
        <label>Signed up since <input type="date" name="since" value=${o.since} /></label>
        <button type="submit">Show</button>
      </form>
      <p class="headline" id="rate24h">
        <strong>${percent(r.rate)}</strong> of new tenants completed the checklist within 24 hours
        (${r.within} of ${r.decided} decided; target ${percent(o.funnel.target)})
      </p>
      ${panel(
        'funnel',
        'Activation funnel',
        html`${chart('funnel-chart', 'Activation funnel: tenants at each step', funnelChart)}
          <table class="figures" id="funnel-table">
            <caption>Tenants at each step</caption>
            <thead><tr><th scope="col">Step</th><th scope="col">Tenants</th></tr></thead>
            <tbody>${steps.map((s) => html`<tr><th scope="row">${s.step}</th><td>${s.tenants}</td></tr>`)}</tbody>
          </table>`,
      )}
      ${panel(
        'retention',
        'Retention by signup week',
        html`${chart('retention-chart', 'Retention: share of each cohort active in week N after signup', retention)}
          <table class="figures" id="cohort-table">
            <caption>Cohorts by signup week</caption>
            <thead><tr><th scope="col">Cohort</th><th scope="col">Tenants</th><th scope="col">Activated</th><th scope="col">Within 24 h</th>
              ${Array.from({ length: weeks }, (_, n) => html`<th scope="col">Week ${n}</th>`)}</tr></thead>
            <tbody>${o.rows.map(
              (row) => html`<tr>
                <th scope="row">${row.cohort}</th><td>${row.tenants}</td><td>${row.activated}</td><td>${row.activatedWithin24h}</td>
                ${row.active.map((a) => html`<td>${a === null ? '–' : percent(share(a, row))}</td>`)}
              </tr>`,
            )}</tbody>
          </table>`,
      )}`,
  );
}
