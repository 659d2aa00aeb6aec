import { html } from 'htm/preact';
import type { Tenant } from '../../api/v1alpha1/index.ts';
import { badge, page, type Viewer } from './layout.ts';

export interface TenantFilters {
  q: string;
  region: string;
  band: string;
  ready: string;
  /** 1-based page of PAGE_SIZE rows. */
  page: number;
}

/** Rows a page shows: a thousand rows are more than a browser lays out in a glance's time. */
export const PAGE_SIZE = 100;

export const filtersOf = (query: URLSearchParams): TenantFilters => {
  const page = Number.parseInt(query.get('page') ?? '1', 10);
  return {
    q: (query.get('q') ?? '').slice(0, 100),
    region: (query.get('region') ?? '').slice(0, 63),
    band: query.get('band') ?? '',
    ready: query.get('ready') ?? '',
    page: Number.isSafeInteger(page) && page >= 1 ? page : 1,
  };
};

/** The link to another page of the same filtered list. */
function pageLink(f: TenantFilters, page: number): string {
  const q = new URLSearchParams();
  for (const k of ['q', 'region', 'band', 'ready'] as const) if (f[k]) q.set(k, f[k]);
  if (page > 1) q.set('page', String(page));
  const text = q.toString();
  return `/tenants${text ? `?${text}` : ''}`;
}

export const readyOf = (t: Tenant) => t.status?.conditions?.find((c) => c.type === 'Ready');

export function matches(t: Tenant, f: TenantFilters): boolean {
  const q = f.q.toLowerCase();
  return (
    (!q || (t.metadata.name ?? '').includes(q) || t.spec.displayName.toLowerCase().includes(q)) &&
    (!f.region || t.spec.region === f.region) &&
    (!f.band || t.status?.health?.band === f.band) &&
    (!f.ready || (readyOf(t)?.status ?? 'Unknown') === f.ready)
  );
}

const BAND_TEXT: Record<string, string> = { healthy: 'Healthy', atRisk: 'At risk', critical: 'Critical' };

const select = (name: string, label: string, value: string, options: Array<[string, string]>) =>
  html`<label>${label}
    <select name=${name}>
      <option value="">Any</option>
      ${options.map(([v, text]) => html`<option value=${v} selected=${v === value}>${text}</option>`)}
    </select>
  </label>`;

/** The tenants she may see, filtered and searched, one row each. */
export function tenantsPage(o: {
  viewer: Viewer;
  tenants: Tenant[];
  filters: TenantFilters;
  regions: string[];
}) {
  const f = o.filters;
  const matching = o.tenants
    .filter((t) => matches(t, f))
    .sort((a, b) => (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''));
  const pages = Math.max(1, Math.ceil(matching.length / PAGE_SIZE));
  const current = Math.min(f.page, pages);
  const first = (current - 1) * PAGE_SIZE;
  const rows = matching.slice(first, first + PAGE_SIZE);
  const pager =
    pages > 1
      ? html`<nav class="pager" aria-label="Pages of tenants">
          ${current > 1 ? html`<a href=${pageLink(f, current - 1)} rel="prev">Previous</a>` : null}
          <span>Page ${current} of ${pages}</span>
          ${current < pages ? html`<a href=${pageLink(f, current + 1)} rel="next">Next</a>` : null}
        </nav>`
      : null;
  return page(
    'Tenants',
    o.viewer,
    html`<h1>Tenants</h1>
      <form class="filters" method="get" action="/tenants" role="search">
        <label>Search <input type="search" name="q" value=${f.q} placeholder="name or display name" /></label>
        ${select(
          'region',
          'Region',
          f.region,
          o.regions.map((r) => [r, r]),
        )}
        ${select('band', 'Health', f.band, Object.entries(BAND_TEXT))}
        ${select('ready', 'Ready', f.ready, [
          ['True', 'Ready'],
          ['False', 'Not ready'],
          ['Unknown', 'Unknown'],
        ])}
        <button type="submit">Filter</button>
      </form>
      <p class="count">${
        matching.length > rows.length
          ? `${first + 1}–${first + rows.length} of ${matching.length} matching`
          : `${matching.length}`
      } of ${o.tenants.length} tenants</p>
      <table class="tenants">
        <caption class="sr-only">Tenants you may see</caption>
        <thead>
          <tr><th scope="col">Tenant</th><th scope="col">Region</th><th scope="col">Profile</th><th scope="col">Ready</th><th scope="col">Health</th><th scope="col">Checklist</th></tr>
        </thead>
        <tbody>
          ${rows.map((t) => {
            const ready = readyOf(t);
            const health = t.status?.health;
            const pct = t.status?.activation?.percent ?? 0;
            return html`<tr>
              <th scope="row"><a href=${`/tenants/${encodeURIComponent(t.metadata.name ?? '')}`}>${t.spec.displayName}</a><div class="sub">${t.metadata.name}</div></th>
              <td>${t.spec.region}</td>
              <td>${t.spec.policyProfile ?? 'baseline'}</td>
              <td>${badge(ready?.status === 'True' ? 'ok' : ready?.status === 'False' ? 'bad' : 'unknown', ready?.status === 'True' ? 'Ready' : (ready?.reason ?? 'Unknown'))}</td>
              <td>${health ? badge(health.band, `${BAND_TEXT[health.band] ?? health.band} ${health.score}`) : '–'}</td>
              <td><progress max="100" value=${pct} aria-label=${`checklist of ${t.metadata.name}`}></progress> ${pct} %</td>
            </tr>`;
          })}
        </tbody>
      </table>
      ${pager}`,
  );
}
