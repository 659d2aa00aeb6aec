import { html } from 'htm/preact';
import type { ComponentChildren } from 'preact';
import type { InvoicePreview } from '../../api/v1alpha1/entitlement.ts';
import type { AddOn, Tenant } from '../../api/v1alpha1/index.ts';
import type { InvoiceLine } from '../../billing/pricing.ts';
import type { NudgeDelivery } from '../../growth/nudges/records.ts';
import type { NudgePreferences } from '../../growth/preferences.ts';
import { ITEM_TEXT } from './cohorts.ts';
import { badge, chart, page, panel, type Viewer } from './layout.ts';
import { readyOf } from './tenants.ts';

/** A panel's data: there, not hers to see (RBAC said no), or not to be had (the message says why). */
export type Part<T> = { state: 'ok'; value: T } | { state: 'denied' } | { state: 'error'; message: string };

export interface VerifiedEvidence {
  name: string;
  kind?: string | undefined;
  step?: string | undefined;
  signedAt?: string | undefined;
  keyId?: string | undefined;
  /** Checked here, in the server, against the operator's published keys. */
  verified: boolean;
  problem?: string | undefined;
}

export interface Usage {
  period: string;
  meteredUntil: string;
  lines: InvoiceLine[];
  preview: InvoicePreview | undefined;
}

/** Everything a tenant's page shows; partner and upgrade panels are filled by their issues. */
export interface TenantView {
  tenant: Tenant;
  addOns: AddOn[];
  deliveries: Array<NudgeDelivery & { time: string }>;
  evidence: Part<VerifiedEvidence[]>;
  usage: Part<Usage>;
  preferences: Part<NudgePreferences>;
  mayChangePreferences: boolean;
  /** DistributionBundle validation results that concern the tenant. */
  bundles: Array<{ name: string; valid: boolean; message: string }>;
  /** UpgradePlan preflights and migration notes. */
  upgrades: Array<{
    name: string;
    preflights: Array<{ name: string; passed: boolean; message: string }>;
    notes: string[];
  }>;
}

/** What to do about an item not done yet: the checklist's "what next". */
export const NEXT_STEP: Record<string, string> = {
  identityConnected:
    'Connect your identity provider: set spec.identity on the Tenant (issuer, client id, redirect URI); the checks below say what the provider answers.',
  firstApproval: 'Ask for an add-on (an AddOn in your system namespace) and have it approved.',
  firstEvidenceExport: 'Download your evidence below (or run tenantry evidence export).',
  firstUsageView: 'Look at your usage below (or run tenantry usage).',
};

const money = (minor: number, currency: string) => `${(minor / 100).toFixed(2)} ${currency}`;
const when = (iso: string | undefined) => (iso ? iso.replace('T', ' ').replace(/(\.\d+)?Z$/, ' UTC') : '–');

function part<T>(p: Part<T>, show: (v: T) => ComponentChildren, denied: string): ComponentChildren {
  if (p.state === 'denied') return html`<p class="muted">${denied}</p>`;
  if (p.state === 'error') return html`<p class="error">${p.message}</p>`;
  return show(p.value);
}

function conditions(t: Tenant) {
  const list = t.status?.conditions ?? [];
  const checks = [...(t.status?.identity?.checks ?? []), ...(t.status?.identity?.scim ?? [])].filter(
    (c) => c.status !== 'pass',
  );
  return panel(
    'conditions',
    'Conditions',
    html`<table>
        <thead><tr><th scope="col">Condition</th><th scope="col">Status</th><th scope="col">Reason</th><th scope="col">Message</th></tr></thead>
        <tbody>${list.map(
          (c) =>
            html`<tr><th scope="row">${c.type}</th><td>${badge(c.status === 'True' ? 'ok' : c.status === 'False' ? 'bad' : 'unknown', c.status)}</td><td>${c.reason}</td><td>${c.message}</td></tr>`,
        )}</tbody>
      </table>
      ${
        checks.length > 0 &&
        html`<h3>What to fix</h3>
          <ul class="fixes">${checks.map((c) => html`<li>${badge(c.status === 'fail' ? 'bad' : 'warn', c.status)} <strong>${c.id}</strong>: ${c.message}${c.fix && html` <em>Fix: ${c.fix}</em>`}</li>`)}</ul>`
      }`,
  );
}

function checklist(t: Tenant) {
  const a = t.status?.activation;
  const items = a?.items ?? [];
  const next = items.find((i) => !i.done);
  return panel(
    'checklist',
    'Activation checklist',
    html`<p><progress max="100" value=${a?.percent ?? 0} aria-label="checklist done"></progress> ${a?.percent ?? 0} % done${a?.completedAt && html`, complete since ${when(a.completedAt)}`}</p>
      <ol class="checklist">${items.map(
        (i) =>
          html`<li class=${i.done ? 'done' : 'todo'}>${i.done ? '✔' : '○'} ${ITEM_TEXT[i.name] ?? i.name}${i.done && html` <span class="muted">${when(i.at)}${i.by && ` by ${i.by}`}</span>`}</li>`,
      )}</ol>
      ${next && html`<p class="next"><strong>Next:</strong> ${NEXT_STEP[next.name] ?? next.name}</p>`}`,
  );
}

function health(t: Tenant) {
  const h = t.status?.health;
  if (!h) return panel('health', 'Health score', html`<p class="muted">No score yet.</p>`);
  const scored = h.components.filter((c) => c.score !== undefined);
  const breakdown = {
    type: 'bar',
    data: {
      labels: scored.map((c) => c.name),
      datasets: [{ label: 'Points', data: scored.map((c) => (c.contributionHundredths ?? 0) / 100) }],
    },
    options: { indexAxis: 'y', plugins: { legend: { display: false } }, scales: { x: { min: 0 } } },
  };
  const arrow = h.trend === 'up' ? '↑' : h.trend === 'down' ? '↓' : '→';
  return panel(
    'health',
    'Health score',
    html`<p class="headline">${badge(h.band, `${h.score}`)} ${h.band}
        ${h.previousScore !== undefined && html`<span class="trend">${arrow} from ${h.previousScore}</span>`}
        <span class="muted">formula ${h.formulaVersion}</span></p>
      ${chart('health-chart', 'Health score: points each component adds', breakdown)}
      <table class="figures">
        <thead><tr><th scope="col">Component</th><th scope="col">Measured</th><th scope="col">Score</th><th scope="col">Weight</th><th scope="col">Points</th></tr></thead>
        <tbody>${h.components.map(
          (c) =>
            html`<tr><th scope="row">${c.name}</th><td>${c.raw ?? c.missing}</td><td>${c.score ?? '–'}</td><td>${c.effectiveWeight ?? `(${c.weight})`}</td><td>${c.contributionHundredths === undefined ? '–' : (c.contributionHundredths / 100).toFixed(2)}</td></tr>`,
        )}</tbody>
      </table>`,
  );
}

function nudges(v: TenantView, viewer: Viewer) {
  const name = v.tenant.metadata.name ?? '';
  const active = v.tenant.status?.nudges?.active ?? [];
  const form = (prefs: NudgePreferences) =>
    html`<form method="post" action=${`/tenants/${encodeURIComponent(name)}/nudges`} class="prefs">
      <fieldset disabled=${!v.mayChangePreferences}>
        <legend>Nudges to your admins</legend>
        <label><input type="checkbox" name="optOutAll" value="true" checked=${prefs.optOutAll} /> No nudges at all</label>
        ${['finishSetup', 'setQuotas', 'exportEvidence', 'inviteAuditor'].map(
          (n) =>
            html`<label><input type="checkbox" name="optOut" value=${n} checked=${prefs.optOut.includes(n)} /> Not: ${n}</label>`,
        )}
        <input type="hidden" name="csrf" value=${viewer.csrf} />
        <button type="submit">Save nudge preferences</button>
      </fieldset>
    </form>`;
  return panel(
    'nudges',
    'Nudges',
    html`${
      active.length
        ? html`<ul>${active.map((n) => html`<li><strong>${n.name}</strong>: ${n.message}${n.suppressed && html` ${badge('warn', `held back: ${n.suppressed}`)}`}</li>`)}</ul>`
        : html`<p class="muted">No nudges in force.</p>`
    }
      ${part(v.preferences, form, 'You may not see the nudge preferences of this tenant.')}
      <h3>Delivery log</h3>
      <table class="log" id="delivery-log">
        <thead><tr><th scope="col">Time</th><th scope="col">Nudge</th><th scope="col">Channel</th><th scope="col">Attempt</th><th scope="col">Outcome</th></tr></thead>
        <tbody>${v.deliveries
          .slice(-50)
          .reverse()
          .map(
            (
              d,
            ) => html`<tr><td>${when(d.time)}</td><td>${d.nudge}</td><td>${d.channel}</td><td>${d.attempt}</td>
              <td>${badge(d.outcome === 'sent' ? 'ok' : d.outcome === 'failed' ? 'bad' : 'warn', d.outcome)}${d.reason && ` (${d.reason})`}${d.httpStatus !== undefined && ` HTTP ${d.httpStatus}`}</td></tr>`,
          )}</tbody>
      </table>`,
  );
}

function evidence(v: TenantView) {
  const name = v.tenant.metadata.name ?? '';
  return panel(
    'evidence',
    'Receipts and evidence',
    part(
      v.evidence,
      (
        items,
      ) => html`<p><a class="button" href=${`/tenants/${encodeURIComponent(name)}/evidence.json`} download=${`${name}-evidence.json`}>Download evidence (JSON)</a></p>
        <table>
          <thead><tr><th scope="col">Evidence</th><th scope="col">Kind</th><th scope="col">Signed</th><th scope="col">Verified</th></tr></thead>
          <tbody>${items.map(
            (
              e,
            ) => html`<tr><th scope="row">${e.step ?? e.name}</th><td>${e.kind}</td><td>${when(e.signedAt)} <span class="muted digest">${e.keyId}</span></td>
              <td>${e.verified ? badge('ok', 'verified') : badge('bad', `does not verify: ${e.problem ?? ''}`)}</td></tr>`,
          )}</tbody>
        </table>`,
      'You may not get the evidence of this tenant.',
    ),
  );
}

function usage(v: TenantView) {
  return panel(
    'usage',
    'Usage and cost so far',
    part(
      v.usage,
      (u) => html`<p>Period ${u.period}, metered until ${when(u.meteredUntil)}.</p>
        <table>
          <thead><tr><th scope="col">SKU</th><th scope="col">Quantity</th><th scope="col">Amount</th></tr></thead>
          <tbody>${u.lines.map((l) => html`<tr><th scope="row">${l.description || l.sku}</th><td>${l.quantity} ${l.unit}</td><td>${money(l.amountMinor, l.currency)}</td></tr>`)}</tbody>
        </table>
        ${u.preview && html`<p class="headline">Invoice preview: <strong>${money(u.preview.totalMinor, u.preview.currency)}</strong> for ${when(u.preview.periodStart)} to ${when(u.preview.periodEnd)}</p>`}`,
      'You may not view the usage of this tenant.',
    ),
  );
}

function addOns(list: AddOn[]) {
  return panel(
    'addons',
    'Add-ons',
    list.length
      ? html`<table>
          <thead><tr><th scope="col">Add-on</th><th scope="col">Type</th><th scope="col">State</th><th scope="col">Approved by</th></tr></thead>
          <tbody>${list.map((a) => {
            const ready = a.status?.conditions?.find((c) => c.type === 'Ready');
            return html`<tr><th scope="row">${a.metadata.name}</th><td>${a.spec.type}</td><td>${badge(ready?.status === 'True' ? 'ok' : 'unknown', ready?.reason ?? 'Pending')} ${ready?.message}</td><td>${a.status?.approval?.approvedBy ?? '–'}</td></tr>`;
          })}</tbody>
        </table>`
      : html`<p class="muted">No add-ons.</p>`,
  );
}

function partner(v: TenantView) {
  return panel(
    'partner',
    'Partner bundles',
    v.bundles.length
      ? html`<ul>${v.bundles.map((b) => html`<li>${badge(b.valid ? 'ok' : 'bad', b.valid ? 'valid' : 'invalid')} ${b.name}: ${b.message}</li>`)}</ul>`
      : html`<p class="muted">No bundles yet.</p>`,
  );
}

function upgrades(v: TenantView) {
  return panel(
    'upgrades',
    'Upgrades',
    v.upgrades.length
      ? v.upgrades.map(
          (u) => html`<h3>${u.name}</h3>
            <ul>${u.preflights.map((p) => html`<li>${badge(p.passed ? 'ok' : 'bad', p.passed ? 'pass' : 'fail')} ${p.name}: ${p.message}</li>`)}</ul>
            ${u.notes.length > 0 && html`<h4>Migration notes</h4><ul>${u.notes.map((n) => html`<li>${n}</li>`)}</ul>`}`,
        )
      : html`<p class="muted">No upgrade plans yet.</p>`,
  );
}

/** One tenant at a glance: state, checklist, health, nudges, evidence, usage, add-ons. */
export function tenantPage(viewer: Viewer, v: TenantView, notice?: string) {
  const t = v.tenant;
  const ready = readyOf(t);
  return page(
    t.spec.displayName,
    viewer,
    html`<h1>${t.spec.displayName} <span class="sub">${t.metadata.name}</span></h1>
      <p class="summary">${badge(ready?.status === 'True' ? 'ok' : 'bad', ready?.status === 'True' ? 'Ready' : (ready?.reason ?? 'Not ready'))}
        Region ${t.spec.region} · profile ${t.spec.policyProfile ?? 'baseline'} · since ${when(t.metadata.creationTimestamp)}</p>
      ${notice && html`<p class="notice" role="status">${notice}</p>`}
      <div class="grid">
        ${conditions(t)} ${checklist(t)} ${health(t)} ${nudges(v, viewer)} ${evidence(v)} ${usage(v)} ${addOns(v.addOns)} ${partner(v)} ${upgrades(v)}
      </div>`,
  );
}
