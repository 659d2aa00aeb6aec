import { createHash, randomUUID } from 'node:crypto';
import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import https from 'node:https';
import { cohortTable } from '../growth/cohorts.ts';
import { activationFunnel } from '../growth/funnel.ts';
import type { Clock } from '../runtime/clock.ts';
import type { Logger } from '../runtime/log.ts';
import { type Listening, listen } from '../runtime/server.ts';
import type { Identity, TokenReviewer } from '../tenantapi/authenticate.ts';
import { parsePreferences } from '../tenantapi/preferences-body.ts';
import { type RateLimit, RateLimiter } from '../tenantapi/rate-limit.ts';
import { type AccessCheck, isPlatformAdmin, maySeeTenant, mayUse, visibleTenants } from './access.ts';
import { serveAsset } from './assets.ts';
import { BodyTooLarge, cookie, NO_STORE, parseCookies, readForm, redirect, send } from './http.ts';
import { type OidcOptions, type OidcPending, OidcSignIn } from './oidc.ts';
import { cohortsPage } from './pages/cohorts.ts';
import type { Viewer } from './pages/layout.ts';
import { errorPage, signInPage } from './pages/signin.ts';
import { tenantPage } from './pages/tenant.ts';
import { filtersOf, tenantsPage } from './pages/tenants.ts';
import {
  PendingStore,
  randomId,
  type Session,
  type SessionLimits,
  SessionStore,
  sameSecret,
} from './sessions.ts';
import type { ConsoleSource } from './sources.ts';
import { tenantView } from './tenant-view.ts';

export const SESSION_COOKIE = 'switchboard_session';
const LOGIN_COOKIE = 'switchboard_login';
const OIDC_COOKIE = 'switchboard_oidc';

export interface ConsoleOptions {
  source: ConsoleSource;
  /** Reviews every request: SubjectAccessReviews (in the operator) or SelfSubjectAccessReviews (`switchboard`). */
  access: AccessCheck;
  /** Checks pasted bearer tokens (TokenReview); absent: no token sign-in. */
  tokens?: TokenReviewer | undefined;
  oidc?: OidcOptions | undefined;
  /**
   * `tenantry switchboard`: this identity signs in with a one-time code (printed in the URL
   * it opens), as she is already signed in to the cluster through her kubeconfig.
   */
  local?: { who: Identity; code: string } | undefined;
  clock: Clock;
  log: Logger;
  port: number;
  host?: string | undefined;
  /** Serve over TLS (cookies are then Secure); read again for each new connection's context at restart. */
  tls?: (() => { cert: string; key: string }) | undefined;
  sessions?: SessionLimits | undefined;
  /** Sign-in attempts per address and per user. */
  loginRateLimit?: RateLimit | undefined;
  /** Mark cookies Secure and send HSTS (default: when serving TLS itself). */
  secureCookies?: boolean | undefined;
  /** Requests per signed-in session. */
  requestRateLimit?: RateLimit | undefined;
}

export interface ConsoleServer extends Listening {
  /** `http(s)://host:port`. */
  url: string;
  sessions: SessionStore;
}

const TENANT_PATH = /^\/tenants\/([a-z0-9]([-a-z0-9]*[a-z0-9])?)(\/evidence\.json|\/nudges)?$/;

/** A stable, non-reversible name for a user in logs and rate-limit keys. */
const userKey = (user: string) => createHash('sha256').update(user).digest('hex').slice(0, 16);

/**
 * Switchboard, the web console: server-rendered pages over HTTP(S) for tenant admins and the
 * platform team. Every request with a session is authorized by a review for exactly what the
 * page shows; every state change carries the session's CSRF token; nothing a user wrote is
 * ever markup. Served by the operator (`tenantry run --console-address`) or locally with a
 * person's own credentials (`tenantry switchboard`).
 */
export async function startConsole(opts: ConsoleOptions): Promise<ConsoleServer> {
  const log = opts.log.child({ component: 'console' });
  const tlsHere = opts.tls !== undefined;
  // Behind a TLS-terminating Ingress the browser still speaks https: cookies stay Secure unless
  // the console is really reached over plain http (tenantry switchboard on loopback, tests).
  const secure = opts.secureCookies ?? tlsHere;
  const sessions = new SessionStore(opts.clock, opts.sessions);
  const oidcLogins = new PendingStore<OidcPending>(opts.clock);
  const oidc = opts.oidc ? new OidcSignIn(opts.oidc) : undefined;
  const limit = opts.loginRateLimit ?? { burst: 10, perSecond: 0.2 };
  const byAddress = new RateLimiter(limit, opts.clock);
  const byUser = new RateLimiter(limit, opts.clock);
  const bySession = new RateLimiter(opts.requestRateLimit ?? { burst: 60, perSecond: 10 }, opts.clock);
  let localCode = opts.local?.code;
  const strict = (maxAgeSeconds?: number) => ({
    secure,
    sameSite: 'Strict' as const,
    ...(maxAgeSeconds !== undefined ? { maxAgeSeconds } : {}),
  });

  // Double submit: the form carries the value of its own cookie, which another site can
  // neither read nor set. Kept while it lasts, so a second tab's form stays valid.
  const signIn = (res: ServerResponse, cookies: Record<string, string>, error?: string, status = 200) => {
    const had = cookies[LOGIN_COOKIE];
    const id = had && /^[A-Za-z0-9_-]{43}$/.test(had) ? had : randomId();
    send(res, status, signInPage({ loginCsrf: id, oidc: oidc !== undefined, error }), {
      ...NO_STORE,
      'Set-Cookie': cookie(LOGIN_COOKIE, id, strict(600)),
    });
  };

  const startSession = (res: ServerResponse, who: Identity, via: Session['via'], meta = false) => {
    const s = sessions.create(who, via);
    log.info({ user: userKey(who.user), via }, 'signed in');
    const set = [
      cookie(SESSION_COOKIE, s.id, strict(Math.floor(sessions.limits.absoluteMs / 1000))),
      cookie(LOGIN_COOKIE, '', strict(0)),
      cookie(OIDC_COOKIE, '', { secure, sameSite: 'Lax', maxAgeSeconds: 0 }),
    ];
    // Back from the IdP the navigation is cross-site, so a redirect would arrive without the
    // SameSite=Strict cookie just set: a page of ours navigates on instead.
    if (meta)
      return send(
        res,
        200,
        '<!DOCTYPE html><meta http-equiv="refresh" content="0;url=/tenants"><title>Signed in</title><a href="/tenants">Continue</a>',
        {
          ...NO_STORE,
          'Set-Cookie': set,
        },
      );
    redirect(res, '/tenants', { 'Set-Cookie': set });
  };

  const limited = (
    res: ServerResponse,
    key: string,
    limiter: RateLimiter,
    what = 'Too many sign-in attempts',
  ): boolean => {
    const wait = limiter.take(key);
    if (!wait) return false;
    send(res, 429, errorPage(429, what, `Try again in ${wait} seconds.`), {
      ...NO_STORE,
      'Retry-After': String(wait),
    });
    return true;
  };

  async function login(
    req: IncomingMessage,
    res: ServerResponse,
    address: string,
    cookies: Record<string, string>,
  ) {
    if (limited(res, `addr:${address}`, byAddress)) return;
    const form = await readForm(req);
    if (!cookies[LOGIN_COOKIE] || !sameSecret(form.get('csrf') ?? undefined, cookies[LOGIN_COOKIE]))
      return signIn(res, cookies, 'The sign-in form expired; please sign in again.', 403);
    const token = (form.get('token') ?? '').trim();
    if (!opts.tokens || !token) return signIn(res, cookies, 'Paste a Kubernetes bearer token.', 400);
    let who: Identity | undefined;
    try {
      who = await opts.tokens.review(token);
    } catch (e) {
      log.warn({ err: (e as Error).message }, 'TokenReview failed');
      return signIn(
        res,
        cookies,
        'The token could not be checked (the API server did not answer); try again.',
        503,
      );
    }
    if (!who) return signIn(res, cookies, 'The API server does not accept this token.', 401);
    if (limited(res, `user:${who.user}`, byUser)) return;
    startSession(res, who, 'token');
  }

  async function oidcStart(res: ServerResponse) {
    if (!oidc) return send(res, 404, errorPage(404, 'Not found', 'No identity provider is configured.'));
    const { url, pending } = await oidc.start();
    const id = oidcLogins.put(pending);
    res.writeHead(302, {
      ...NO_STORE,
      Location: url,
      // Lax: it must come back with the IdP's redirect, a cross-site navigation.
      'Set-Cookie': cookie(OIDC_COOKIE, id, { secure, sameSite: 'Lax', maxAgeSeconds: 600 }),
    });
    res.end();
  }

  async function oidcCallback(res: ServerResponse, url: URL, cookies: Record<string, string>) {
    const pending = oidcLogins.take(cookies[OIDC_COOKIE]);
    if (!oidc || !pending)
      return signIn(
        res,
        cookies,
        'The sign-in with your identity provider expired; please start again.',
        400,
      );
    let who: Identity;
    try {
      const base = new URL(oidc.options.redirectUrl);
      who = await oidc.finish(new URL(`${base.origin}${base.pathname}${url.search}`), pending);
    } catch (e) {
      log.warn({ err: (e as Error).message }, 'OIDC sign-in failed');
      return signIn(res, cookies, `Sign-in with your identity provider failed: ${(e as Error).message}`, 401);
    }
    if (limited(res, `user:${who.user}`, byUser)) return;
    startSession(res, who, 'oidc', true);
  }

  async function route(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://console');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const cookies = parseCookies(req.headers.cookie);
    const address = req.socket.remoteAddress ?? '';
    if (path.startsWith('/assets/') && method === 'GET')
      return serveAsset(res, path.slice('/assets/'.length));
    if (path === '/healthz') return send(res, 200, 'ok', { 'Content-Type': 'text/plain' });
    if (path === '/login' && method === 'GET') return signIn(res, cookies);
    if (path === '/favicon.ico') return serveAsset(res, path);
    if (path === '/login' && method === 'POST') return login(req, res, address, cookies);
    if (path === '/login/oidc' && method === 'GET') {
      if (limited(res, `addr:${address}`, byAddress)) return;
      return oidcStart(res);
    }
    if (path === '/login/oidc/callback' && method === 'GET') {
      if (limited(res, `addr:${address}`, byAddress)) return;
      return oidcCallback(res, url, cookies);
    }
    if (path === '/login/local' && method === 'GET' && opts.local) {
      if (limited(res, `addr:${address}`, byAddress)) return;
      if (localCode === undefined || !sameSecret(url.searchParams.get('code') ?? undefined, localCode))
        return signIn(res, cookies, 'That link is not valid (it signs in once).', 403);
      // One sign-in per link: the code may linger in a browser's history or a process list.
      localCode = undefined;
      return startSession(res, opts.local.who, 'local');
    }

    const session = sessions.get(cookies[SESSION_COOKIE]);
    if (!session) {
      if (method === 'GET') return redirect(res, '/login');
      return send(res, 401, errorPage(401, 'Signed out', 'Your session has ended; sign in again.'), NO_STORE);
    }
    const who = session.who;
    // Each page costs reviews, reads and a log write: one session cannot make the operator busy.
    if (limited(res, `session:${session.id}`, bySession, 'Too many requests')) return;
    let form: URLSearchParams | undefined;
    if (method === 'POST') {
      form = await readForm(req);
      // Every state change carries the session's own token; SameSite=Strict is the second lock.
      if (!sameSecret(form.get('csrf') ?? undefined, session.csrf))
        return send(
          res,
          403,
          errorPage(
            403,
            'Forbidden',
            'This form is missing its CSRF token or it is not this session’s; reload the page and try again.',
          ),
          NO_STORE,
        );
    } else if (method !== 'GET') {
      return send(res, 405, errorPage(405, 'Method not allowed', `${method} is not served here.`), {
        Allow: 'GET, POST',
      });
    }
    if (path === '/logout' && method === 'POST') {
      sessions.drop(session.id);
      return redirect(res, '/login', { 'Set-Cookie': cookie(SESSION_COOKIE, '', strict(0)) });
    }
    const admin = await isPlatformAdmin(opts.access, who);
    const viewer: Viewer = { user: who.user, csrf: session.csrf, admin };
    const forbidden = (what: string) =>
      send(res, 403, errorPage(403, 'Forbidden', `${who.user} may not ${what}.`, viewer), NO_STORE);

    if (path === '/' || path === '') return redirect(res, '/tenants');
    if (path === '/tenants' && method === 'GET') {
      const all = await opts.source.tenants();
      const tenants = await visibleTenants(opts.access, who, all, admin);
      const regions = [...new Set(tenants.map((t) => t.spec.region))].sort();
      return send(
        res,
        200,
        tenantsPage({ viewer, tenants, filters: filtersOf(url.searchParams), regions }),
        NO_STORE,
      );
    }
    if (path === '/cohorts' && method === 'GET') {
      if (!admin) return forbidden('list tenants (the cohorts are for platform admins)');
      const sinceText = url.searchParams.get('since') ?? '';
      const since = sinceText ? Date.parse(sinceText) : undefined;
      if (since !== undefined && Number.isNaN(since))
        return send(
          res,
          400,
          errorPage(
            400,
            'Bad request',
            `since must be a date or an RFC 3339 time, got "${sinceText}"`,
            viewer,
          ),
        );
      const now = opts.clock.now();
      const growth = await opts.source.growth();
      const rows = cohortTable(growth, { now, weeks: 8, since });
      const funnel = activationFunnel(growth, { now, period: 'week', since });
      return send(res, 200, cohortsPage({ viewer, rows, funnel, since: sinceText.slice(0, 10) }), NO_STORE);
    }
    const m = TENANT_PATH.exec(path);
    if (!m) return send(res, 404, errorPage(404, 'Not found', 'There is no such page.', viewer), NO_STORE);
    const name = m[1] ?? '';
    const sub = m[3];
    // The review comes first: whether a tenant exists is not told to someone who may not see it.
    if (!(await maySeeTenant(opts.access, who, name))) return forbidden(`see tenant ${name}`);
    const tenant = await opts.source.tenant(name);
    if (!tenant)
      return send(res, 404, errorPage(404, 'Not found', `There is no tenant ${name}.`, viewer), NO_STORE);
    if (sub === '/evidence.json' && method === 'GET') {
      if (!(await mayUse(opts.access, who, name, 'evidence')))
        return forbidden(`get the evidence of ${name}`);
      const doc = await opts.source.evidence(who, name);
      res.writeHead(200, {
        ...NO_STORE,
        'Content-Type': 'application/json',
        'Content-Disposition': `attachment; filename="${name}-evidence.json"`,
        'X-Content-Type-Options': 'nosniff',
      });
      return res.end(`${JSON.stringify(doc, null, 2)}\n`);
    }
    let notice: string | undefined;
    if (sub === '/nudges' && method === 'POST' && form) {
      if (!(await mayUse(opts.access, who, name, 'nudgepreferences', 'update')))
        return forbidden(`change the nudge preferences of ${name}`);
      // The same parsing and checks as a PUT of the tenant API.
      const change = parsePreferences(
        JSON.stringify({ optOutAll: form.get('optOutAll') === 'true', optOut: form.getAll('optOut') }),
        name,
      );
      await opts.source.setPreferences(who, name, change);
      return redirect(res, `/tenants/${encodeURIComponent(name)}?saved=nudges`);
    }
    if (sub !== undefined || method !== 'GET')
      return send(res, 404, errorPage(404, 'Not found', 'There is no such page.', viewer), NO_STORE);
    if (url.searchParams.get('saved') === 'nudges') notice = 'Nudge preferences saved.';
    const view = await tenantView(opts.source, opts.access, who, tenant, opts.clock.now());
    return send(res, 200, tenantPage(viewer, view, notice), NO_STORE);
  }

  const handler = (req: IncomingMessage, res: ServerResponse) => {
    // Once a browser has reached the console over https, it never comes back over http.
    if (secure) res.setHeader('Strict-Transport-Security', 'max-age=31536000');
    route(req, res).catch((e: unknown) => {
      if (e instanceof BodyTooLarge) return send(res, 413, errorPage(413, 'Too large', e.message));
      const status = (e as { code?: number }).code;
      if (typeof status === 'number' && status >= 400 && status < 500 && status !== 404)
        return send(res, status, errorPage(status, 'Refused', (e as Error).message), NO_STORE);
      const id = randomUUID();
      log.error({ err: (e as Error).message, id }, 'console request failed');
      if (!res.headersSent)
        send(
          res,
          500,
          errorPage(
            500,
            'Something went wrong',
            `The console could not answer (error ${id}); the operator's log has the details.`,
          ),
        );
    });
  };
  const pair = opts.tls?.();
  const server = pair
    ? https.createServer({ cert: pair.cert, key: pair.key }, handler)
    : http.createServer(handler);
  server.headersTimeout = 10_000;
  server.requestTimeout = 30_000;
  const listening = await listen(server as http.Server, opts.port, opts.host, (port) =>
    log.info({ port, tls: tlsHere, secureCookies: secure }, 'serving the console (Switchboard)'),
  );
  const host = opts.host && opts.host !== '0.0.0.0' ? opts.host : '127.0.0.1';
  return { ...listening, url: `${tlsHere ? 'https' : 'http'}://${host}:${listening.port}`, sessions };
}
