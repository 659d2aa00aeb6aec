import { randomBytes } from 'node:crypto';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../devcluster/ports.ts';
import { type ServingTls, servingTls } from '../../devcluster/serving-tls.ts';
import { TenantResource } from '../../operator/api/v1alpha1/index.ts';
import { ACTIVATION_ITEMS, itemDoneEvent } from '../../operator/growth/activation.ts';
import { GrowthEventType } from '../../operator/growth/events.ts';
import { appendEvents, readEvents } from '../../operator/growth/log.ts';
import { parseNudgeConfig } from '../../operator/growth/nudges/config.ts';
import { deliveriesIn } from '../../operator/growth/nudges/records.ts';
import { consoleRbac } from '../../operator/install/console.ts';
import { DEFAULT_NAMESPACE } from '../../operator/install/rbac.ts';
import { apply } from '../../operator/runtime/apply.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import { Builtin } from '../../operator/runtime/kube/resource.ts';
import { launchBrowser, screenshot, seriousViolations } from '../support/browser.ts';
import {
  adminClient,
  operatorClient,
  startTestOperator,
  TEST_SHARD_LABEL,
  tenantManifest,
  uniqueName,
  waitReady,
} from '../support/cluster.ts';
import { startTestProvider, type TestProvider } from '../support/oidc-provider.ts';
import { waitFor } from '../support/wait.ts';

/**
 * Switchboard in a real browser (Debian's chromium through playwright-core) against a real
 * operator serving it over TLS: real users with ServiceAccount tokens (TokenReview), a real
 * OpenID provider for OIDC sign-in, RBAC deciding every page. One operator, one browser;
 * each page is visited once where the flows allow, checked by axe-core and screenshotted.
 */
const XSS = '<script>alert(1)</script>';
// Its operator runs nudge timings no other test does, and the admin's cohorts count what it
// serves: this file's tenants are its own (a test shard).
const SHARD = uniqueName('sb');
const shardTenant = (name: string, spec: Parameters<typeof tenantManifest>[1] = {}) =>
  tenantManifest(name, spec, { [TEST_SHARD_LABEL]: SHARD });
const A = uniqueName('sb-a');
const B = uniqueName('sb-b');
const C = uniqueName('sb-c');
const SEEDS = Array.from({ length: 4 }, (_, i) => uniqueName(`sb-seed${i}`));
const usersNs = uniqueName('sb-users');
const OIDC_SUB = uniqueName('carol');
const CLIENT_SECRET = randomBytes(16).toString('hex');

let admin: KubeClient;
let asOperator: KubeClient;
let stop: (() => Promise<void>) | undefined;
let browser: Browser;
let provider: TestProvider;
let tls: ServingTls;
let base = '';
let since = '';
const tokens: Record<'alice' | 'bob' | 'root', string> = { alice: '', bob: '', root: '' };
const sa = (name: string) => ({ kind: 'ServiceAccount' as const, name, namespace: usersNs });

async function tokenOf(name: string): Promise<string> {
  await admin.create(Builtin.ServiceAccount, { metadata: { name, namespace: usersNs } });
  const r = await admin.request<{ status: { token: string } }>(
    'POST',
    `/api/v1/namespaces/${usersNs}/serviceaccounts/${name}/token`,
    {
      body: {
        apiVersion: 'authentication.k8s.io/v1',
        kind: 'TokenRequest',
        spec: { expirationSeconds: 3600 },
      },
    },
  );
  return r.status.token;
}

async function signIn(token: string): Promise<{ context: BrowserContext; page: Page }> {
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: { width: 1280, height: 900 },
  });
  const page = await context.newPage();
  page.on('dialog', (d) => {
    throw new Error(`a dialog opened: ${d.message()}`);
  });
  await page.goto(`${base}/login`);
  await page.fill('#token', token);
  await page.click('form[action="/login"] button');
  await page.waitForURL(`${base}/tenants`, { timeout: 10_000 }).catch(async (e: Error) => {
    throw new Error(`${e.message}: ${await page.locator('main').textContent()}`);
  });
  return { context, page };
}

async function checked(page: Page, name: string): Promise<void> {
  expect(await seriousViolations(page), `axe on ${name}`).toEqual([]);
  await screenshot(page, name);
}

beforeAll(async () => {
  admin = await adminClient();
  asOperator = await operatorClient(admin);
  const port = await freePort();
  tls = await servingTls({ commonName: 'switchboard-test-ca' });
  base = `https://127.0.0.1:${port}`;
  provider = await startTestProvider({
    clients: [
      {
        client_id: 'switchboard',
        client_secret: CLIENT_SECRET,
        redirect_uris: [`${base}/login/oidc/callback`],
        token_endpoint_auth_method: 'client_secret_basic',
      },
    ],
    signInAs: OIDC_SUB,
  });
  for (const o of consoleRbac(DEFAULT_NAMESPACE)) await apply(admin, Builtin.ClusterRoleBinding, o as never);
  await admin.create(Builtin.Namespace, { metadata: { name: usersNs } });
  [tokens.alice, tokens.bob, tokens.root] = await Promise.all([
    tokenOf('alice'),
    tokenOf('bob'),
    tokenOf('root'),
  ]);
  await admin.create(Builtin.ClusterRoleBinding, {
    metadata: { name: usersNs },
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'cluster-admin' },
    subjects: [sa('root')],
  } as never);

  const nudges = parseNudgeConfig(
    'nudges:\n  setQuotas: { after: 0s, every: 2s }\n  finishSetup: { enabled: false }\n  exportEvidence: { enabled: false }\n  inviteAuditor: { enabled: false }\n',
    () => '',
  );
  const started = await startTestOperator(admin, {
    shard: SHARD,
    nudges,
    console: {
      port,
      host: '127.0.0.1',
      tls: () => ({ cert: tls.cert, key: tls.key }),
      oidc: {
        issuer: provider.issuer,
        clientId: 'switchboard',
        clientSecret: CLIENT_SECRET,
        redirectUrl: `${base}/login/oidc/callback`,
        ca: provider.ca,
      },
    },
  });
  stop = started.stop;
  await apply(admin, TenantResource, shardTenant(A, { displayName: XSS, owners: [sa('alice')] }));
  await apply(admin, TenantResource, shardTenant(B, { displayName: 'Bob & Co', owners: [sa('bob')] }));
  await apply(
    admin,
    TenantResource,
    shardTenant(C, {
      displayName: 'Carol via OIDC',
      owners: [{ name: `${provider.issuer}#${OIDC_SUB}` }],
    }),
  );
  await Promise.all([A, B, C].map((t) => waitReady(admin, t)));
  // The seeds sign up in a later second than A, B and C (creation times are whole seconds).
  const lastOwned = Math.max(
    ...(await Promise.all(
      [A, B, C].map(async (t) =>
        Date.parse((await admin.get(TenantResource, t)).metadata.creationTimestamp ?? ''),
      ),
    )),
  );
  await waitFor('the next second', () => Date.now() >= lastOwned + 1000);
  // The cohort: four tenants whose checklist items are seeded into the growth log, three done
  // a second after signup, one halfway. They are the only tenants signed up since `since`.
  for (const name of SEEDS) {
    const t = await apply(admin, TenantResource, shardTenant(name));
    since ||= t.metadata.creationTimestamp ?? '';
    const created = Date.parse(t.metadata.creationTimestamp ?? '');
    const items = SEEDS.indexOf(name) === 3 ? ACTIVATION_ITEMS.slice(0, 2) : ACTIVATION_ITEMS;
    const at = new Date(created + 1000).toISOString().replace('.000Z', 'Z');
    await appendEvents(
      asOperator,
      DEFAULT_NAMESPACE,
      name,
      items.map((item, i) =>
        itemDoneEvent(name, t.metadata.uid ?? '', { item, at, by: i ? 'seed' : '' }, DEFAULT_NAMESPACE),
      ),
    );
  }

  const launched = await launchBrowser();
  browser = launched.browser;
  console.log(`browser: ${launched.version}`);
});

afterAll(async () => {
  await browser?.close();
  await provider?.stop();
  // Only this file's operator serves its tenants: they go while it runs.
  const all = [A, B, C, ...SEEDS];
  for (const t of all) await admin.delete(TenantResource, t).catch(() => {});
  await waitFor(
    'the tenants to be gone',
    async () => (await Promise.all(all.map((t) => admin.find(TenantResource, t)))).every((t) => !t),
    { timeoutMs: 120_000 },
  ).catch((e: unknown) => console.error(e));
  await stop?.();
  await admin.delete(Builtin.ClusterRoleBinding, usersNs).catch(() => {});
  await admin.delete(Builtin.Namespace, usersNs).catch(() => {});
  asOperator?.close();
  admin?.close();
});

const setQuotasOf = async (tenant: string) =>
  deliveriesIn(await readEvents(admin, DEFAULT_NAMESPACE, tenant)).filter(
    (d) => d.data.nudge === 'setQuotas',
  );

describe('Switchboard', () => {
  it('signs a tenant owner in with her token: cookie flags, only her tenant, its text escaped', async () => {
    const { context, page } = await signIn(tokens.alice);
    const session = (await context.cookies()).find((c) => c.name === 'switchboard_session');
    expect(session).toMatchObject({ httpOnly: true, secure: true, sameSite: 'Strict' });
    const headers = (await page.reload())?.headers() ?? {};
    expect(headers['content-security-policy']).toMatch(/default-src 'self'.*frame-ancestors 'none'/);
    expect(headers['cache-control']).toBe('no-store');
    expect(await page.locator('table.tenants tbody tr').count()).toBe(1);
    // The displayName is text: the page shows it, no script of it exists, no dialog opened.
    await expect(page.locator('table.tenants tbody th a').textContent()).resolves.toBe(XSS);
    expect(await page.evaluate(() => document.querySelectorAll('main script').length)).toBe(0);
    await checked(page, 'tenants-owner');

    const other = await page.goto(`${base}/tenants/${B}`);
    expect(other?.status()).toBe(403);
    await expect(page.locator('main').textContent()).resolves.toContain(`may not see tenant ${B}`);

    await page.goto(`${base}/tenants/${A}`);
    await expect(page.locator('h1').textContent()).resolves.toContain(XSS);
    await expect(page.locator('#evidence ~ table').textContent()).resolves.toContain('verified');
    await checked(page, 'tenant');
    await context.close();
  });

  it("changes what the next nudge does when the owner opts out, and refuses a POST without the session's CSRF token", async () => {
    await waitFor('a setQuotas nudge sent to A', async () =>
      (await setQuotasOf(A)).some((d) => d.data.outcome === 'sent'),
    );
    const { context, page } = await signIn(tokens.alice);
    const forged = await context.request.post(`${base}/tenants/${A}/nudges`, {
      form: { optOut: 'setQuotas' },
      maxRedirects: 0,
    });
    expect(forged.status()).toBe(403);
    await page.goto(`${base}/tenants/${A}`);
    await page.check('input[name="optOut"][value="setQuotas"]');
    const toggled = new Date().toISOString();
    await Promise.all([page.waitForURL(/saved=nudges/), page.click('form.prefs button')]);
    await expect(page.locator('[role="status"]').textContent()).resolves.toBe('Nudge preferences saved.');
    const held = await waitFor('the next setQuotas delivery held back by the opt-out', async () =>
      (await setQuotasOf(A)).find((d) => d.data.outcome === 'suppressed' && d.data.reason === 'optOut'),
    );
    expect(held.time >= toggled.slice(0, 19)).toBe(true);
    // The change went through the tenant API's code: recorded in the growth log as hers.
    const changes = (await readEvents(admin, DEFAULT_NAMESPACE, A)).filter(
      (e) => e.type === GrowthEventType.NudgePreferencesChanged,
    );
    expect(changes.map((e) => (e.data as { by: string }).by)).toContain(
      `system:serviceaccount:${usersNs}:alice`,
    );
    await page.reload();
    await expect(page.locator('#delivery-log').textContent()).resolves.toContain('suppressed (optOut)');
    await context.close();
  });

  it('shows a platform admin every tenant and the cohort chart with the seeded numbers', async () => {
    const { context, page } = await signIn(tokens.root);
    await page.goto(`${base}/tenants?q=${encodeURIComponent('sb-')}`);
    const names = await page.locator('table.tenants tbody .sub').allTextContents();
    expect(names).toEqual(expect.arrayContaining([A, B, C, ...SEEDS]));
    await checked(page, 'tenants-admin');

    await page.goto(`${base}/cohorts?since=${encodeURIComponent(since)}`);
    const steps = await page
      .locator('#funnel-table tbody tr')
      .evaluateAll((rows) =>
        rows.map((r) => [r.querySelector('th')?.textContent, Number(r.querySelector('td')?.textContent)]),
      );
    expect(steps.map((s) => s[1])).toEqual([4, 4, 4, 3, 3, 3]);
    // The chart draws exactly those figures.
    await page.waitForFunction(() =>
      (window as unknown as { Chart?: { getChart(id: string): unknown } }).Chart?.getChart('funnel-chart'),
    );
    const drawn = await page.evaluate(
      () =>
        (
          window as unknown as {
            Chart: { getChart(id: string): { data: { datasets: Array<{ data: number[] }> } } };
          }
        ).Chart.getChart('funnel-chart').data.datasets[0]?.data,
    );
    expect(drawn).toEqual([4, 4, 4, 3, 3, 3]);
    const cohorts = await page.locator('#cohort-table tbody tr').evaluateAll((rows) =>
      rows.map((r) =>
        Array.from(r.querySelectorAll('td'))
          .slice(0, 3)
          .map((td) => Number(td.textContent)),
      ),
    );
    expect(cohorts.reduce((s, c) => s.map((v, i) => v + (c[i] ?? 0)), [0, 0, 0])).toEqual([4, 3, 3]);
    await expect(page.locator('#rate24h').textContent()).resolves.toMatch(/100 %.*3 of 3 decided/s);
    await checked(page, 'cohorts');
    await context.close();
  });

  it('signs in through the OpenID provider with PKCE; the mapped user sees her tenant and no cohorts', async () => {
    const context = await browser.newContext({
      ignoreHTTPSErrors: true,
      viewport: { width: 1280, height: 900 },
    });
    const page = await context.newPage();
    await page.goto(`${base}/login`);
    await checked(page, 'sign-in');
    await page.click('a[href="/login/oidc"]');
    await page.waitForURL(`${base}/tenants`);
    await expect(page.locator('.who strong').textContent()).resolves.toBe(`${provider.issuer}#${OIDC_SUB}`);
    expect(await page.locator('table.tenants tbody .sub').allTextContents()).toEqual([C]);
    expect((await page.goto(`${base}/cohorts`))?.status()).toBe(403);
    await page.goto(`${base}/tenants`);
    await Promise.all([page.waitForURL(`${base}/login`), page.click('.who button')]);
    expect((await page.goto(`${base}/tenants/${C}`))?.url()).toBe(`${base}/login`);
    await context.close();
  });
});
