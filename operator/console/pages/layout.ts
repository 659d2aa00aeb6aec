import { html } from 'htm/preact';
import type { ComponentChildren, VNode } from 'preact';
import { render } from 'preact-render-to-string';

/** Who is looking, as the header shows her, and what her forms carry. */
export interface Viewer {
  user: string;
  csrf: string;
  admin: boolean;
}

/**
 * The page around every view: landmarks (banner, navigation, main), the person signed in and
 * a sign-out form. preact-render-to-string escapes every text and attribute value, so whatever
 * a tenant wrote (a displayName, a message) arrives as text.
 */
export function page(title: string, viewer: Viewer | undefined, body: ComponentChildren): string {
  const doc: VNode = html`<html lang="en">
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <title>${title} · Switchboard</title>
      <link rel="stylesheet" href="/assets/console.css" />
      <script src="/assets/chart.umd.min.js" defer></script>
      <script src="/assets/charts.js" defer></script>
    </head>
    <body>
      <header class="top">
        <a class="brand" href="/tenants">Switchboard</a>
        ${
          viewer &&
          html`<nav aria-label="Main">
              <a href="/tenants">Tenants</a>
              ${viewer.admin && html`<a href="/cohorts">Cohorts</a>`}
            </nav>
            <form class="who" method="post" action="/logout">
              <span>Signed in as <strong>${viewer.user}</strong></span>
              <input type="hidden" name="csrf" value=${viewer.csrf} />
              <button type="submit">Sign out</button>
            </form>`
        }
      </header>
      <main id="main">${body}</main>
    </body>
  </html>`;
  return `<!DOCTYPE html>${render(doc)}`;
}

/** A labelled section of a page. */
export const panel = (id: string, title: string, children: ComponentChildren) =>
  html`<section class="panel" aria-labelledby=${id}>
    <h2 id=${id}>${title}</h2>
    ${children}
  </section>`;

/** A chart drawn by chart.js from its data attribute (JSON, escaped like any attribute), with its figures in a table beside it. */
export const chart = (id: string, label: string, config: object) =>
  html`<div class="chart"><canvas id=${id} role="img" aria-label=${label} data-chart=${JSON.stringify(config)}></canvas></div>`;

export const badge = (kind: string, text: string) => html`<span class=${`badge ${kind}`}>${text}</span>`;

export const percent = (share: number | null) =>
  share === null ? '–' : `${Math.round(share * 1000) / 10} %`;
