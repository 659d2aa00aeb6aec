import { createHash, randomBytes } from 'node:crypto';
import {
  type AuthorizationOutcome,
  classifyAuthorizationResponse,
  classifyTokenResponse,
} from './classify.ts';
import { assessClockSkew } from './clock.ts';
import { withDeadline } from './deadline.ts';
import { type DiscoveryDocument, discoveryUrl, parseDiscovery } from './discovery.ts';
import { type HttpResponse, httpsRequest, TransportError, transportFix } from './http.ts';
import { assessJwks } from './jwks.ts';
import {
  type FixContext,
  getPreset,
  groupsClaimFor,
  type IdentityPreset,
  issuerShapeHint,
  type Preset,
  scopesFor,
  unfilledPlaceholders,
} from './presets.ts';
import {
  type CheckResult,
  fail,
  pass,
  redact,
  SKIPPED_DISCOVERY,
  toResult,
  type Verdict,
  warn,
} from './result.ts';

export type { CheckResult, CheckStatus } from './result.ts';
export { type IdentityVerdict, summarize } from './summarize.ts';

/** What to check: the tenant's OpenID Connect client at its identity provider. */
export interface IdentityConfig {
  preset: IdentityPreset;
  issuer: string;
  clientId: string;
  clientSecret?: string;
  redirectUri: string;
  scopes?: string[];
  groupsClaim?: string;
}

export interface IdentityCheckOptions {
  /** Per check, from when the check's own requests start. Default 5000. */
  timeoutMs?: number;
  /** Extra CA certificates (PEM) to trust, for private PKI and tests. */
  ca?: string | undefined;
  /** The local clock (ms since the epoch), for clock skew; Date.now by default. */
  now?: () => number;
}

/** The checks, in the order results are returned. */
export const IDENTITY_CHECKS = [
  { id: 'discovery', title: 'OpenID configuration reachable' },
  { id: 'issuer', title: 'Issuer matches' },
  { id: 'jwks', title: 'Signing keys published' },
  { id: 'scopes', title: 'Scopes supported' },
  { id: 'claims', title: 'Email and groups claims' },
  { id: 'redirectUri', title: 'Redirect URI accepted' },
  { id: 'clientCredentials', title: 'Client credentials valid' },
  { id: 'clockSkew', title: 'Clock in sync' },
] as const;

export type IdentityCheckId = (typeof IDENTITY_CHECKS)[number]['id'];

const DEFAULT_TIMEOUT_MS = 5000;
const MAX_REDIRECTS = 3;

interface Ctx {
  config: IdentityConfig;
  preset: Preset;
  fix: FixContext;
  timeoutMs: number;
  ca: string | undefined;
  now: () => number;
}

interface Discovery {
  verdict: Verdict;
  doc?: DiscoveryDocument;
  /** The Date header of the discovery response and the local time it arrived, if one arrived. */
  clock?: { date: string | undefined; receivedAt: number };
}

/**
 * Runs the identity checks: discovery first, then the checks that need its document in
 * parallel, each with its own timeout. Never throws; results come in IDENTITY_CHECKS order.
 */
export async function runIdentityChecks(
  config: IdentityConfig,
  opts: IdentityCheckOptions = {},
): Promise<CheckResult[]> {
  const preset = getPreset(config.preset);
  const groupsClaim = groupsClaimFor(preset, config.groupsClaim);
  const ctx: Ctx = {
    config,
    preset,
    fix: {
      issuer: config.issuer,
      clientId: config.clientId,
      redirectUri: config.redirectUri,
      groupsClaim: groupsClaim ?? 'groups',
      scopes: [],
    },
    timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    ca: opts.ca,
    now: opts.now ?? Date.now,
  };

  const discoveryTarget = `cannot fetch ${discoveryUrl(config.issuer)}`;
  const discovery = withDeadline<Discovery>(
    ctx.timeoutMs,
    (signal) => discover(ctx, signal),
    (err) => ({ verdict: transportVerdict(err, discoveryTarget) }),
  );
  const needsDoc = (
    what: string,
    run: (doc: DiscoveryDocument, signal: AbortSignal) => Promise<Verdict> | Verdict,
  ) =>
    discovery.then((d) =>
      d.doc
        ? withDeadline(
            ctx.timeoutMs,
            async (signal) => run(d.doc as DiscoveryDocument, signal),
            (err) => transportVerdict(err, what),
          )
        : fail(SKIPPED_DISCOVERY),
    );

  let authorization: AuthorizationOutcome | undefined;
  const verdicts: Record<IdentityCheckId, Promise<Verdict>> = {
    discovery: discovery.then((d) => d.verdict),
    issuer: needsDoc('issuer', (doc) => checkIssuer(ctx, doc)),
    jwks: needsDoc('cannot fetch jwks_uri', (doc, signal) => checkJwks(ctx, doc, signal)),
    scopes: needsDoc('scopes', (doc) => checkScopes(ctx, doc)),
    claims: needsDoc('claims', (doc) => checkClaims(ctx, doc)),
    redirectUri: needsDoc('cannot reach the authorization endpoint', async (doc, signal) => {
      const { verdict, outcome } = await checkRedirectUri(ctx, doc, signal);
      authorization = outcome;
      return verdict;
    }),
    clientCredentials: needsDoc('cannot reach the token endpoint', (doc, signal) =>
      checkClientCredentials(ctx, doc, signal),
    ),
    clockSkew: discovery.then((d) =>
      d.clock ? assessClockSkew(d.clock.date, d.clock.receivedAt) : fail(SKIPPED_DISCOVERY),
    ),
  };
  const settled = await Promise.all(IDENTITY_CHECKS.map((c) => verdicts[c.id]));
  let results = IDENTITY_CHECKS.map((c, i) => toResult(c.id, c.title, settled[i] as Verdict));
  results = attributeUnknownClient(ctx, results, authorization);
  return redact(results, [config.clientSecret]);
}

/**
 * Many token endpoints answer a wrong secret and an unknown client id alike
 * (invalid_client). When the authorization endpoint already said the client is unknown,
 * the fix for the token endpoint's refusal is the client id, not the secret.
 */
function attributeUnknownClient(
  ctx: Ctx,
  results: CheckResult[],
  authorization: AuthorizationOutcome | undefined,
): CheckResult[] {
  if (authorization?.kind !== 'clientRejected') return results;
  return results.map((r) =>
    r.id === 'clientCredentials' && r.status === 'fail' && r.message.startsWith('the token endpoint rejected')
      ? {
          ...r,
          message: `${r.message}; the client id itself is unknown (see redirectUri)`,
          fix: ctx.preset.fixes.clientId(ctx.fix),
        }
      : r,
  );
}

// ---------------------------------------------------------------------------------------------
// discovery

async function discover(ctx: Ctx, signal: AbortSignal): Promise<Discovery> {
  const { issuer } = ctx.config;
  const issuerFix = withHint(ctx.preset.fixes.issuer(ctx.fix), issuerShapeHint(ctx.preset, issuer));
  const placeholders = unfilledPlaceholders(issuer);
  if (placeholders.length > 0) {
    return {
      verdict: fail(
        `the issuer '${issuer}' still contains the placeholder${placeholders.length > 1 ? 's' : ''} ${placeholders.join(', ')}`,
        `Replace ${placeholders.join(', ')} in spec.identity.issuer. ${ctx.preset.fixes.issuer(ctx.fix)}`,
      ),
    };
  }
  const url = discoveryUrl(issuer);
  let res: HttpResponse;
  try {
    res = await getFollowing(ctx, url, signal, 'application/json');
  } catch (err) {
    const v = transportVerdict(err);
    return { verdict: fail(`cannot fetch ${url}: ${v.message}`, v.fix) };
  }
  const clock = { date: res.headers.date, receivedAt: ctx.now() };
  if (res.status !== 200) {
    return {
      verdict: fail(`${url} answered HTTP ${res.status}, not the OpenID configuration`, issuerFix),
      clock,
    };
  }
  const parsed = parseDiscovery(res.body);
  if (!parsed.doc) {
    return {
      verdict: fail(`${url} is not a usable OpenID configuration: ${parsed.errors.join('; ')}`, issuerFix),
      clock,
    };
  }
  if (parsed.warnings.length > 0) {
    return {
      verdict: warn(
        `OpenID configuration found at ${url}, with deviations from the spec: ${parsed.warnings.join('; ')}`,
        `Usually nothing to change in Tenantry; if sign-in fails, check the provider's OpenID Connect settings`,
      ),
      doc: parsed.doc,
      clock,
    };
  }
  return { verdict: pass(`OpenID configuration found at ${url}`), doc: parsed.doc, clock };
}

// ---------------------------------------------------------------------------------------------
// issuer

function checkIssuer(ctx: Ctx, doc: DiscoveryDocument): Verdict {
  const configured = ctx.config.issuer;
  const published = doc.issuer;
  if (published === configured) return pass(`the identity provider's issuer is ${published}`);
  const presetFix = ctx.preset.fixes.issuer(ctx.fix);
  if (published.replace(/\/$/, '') === configured.replace(/\/$/, '')) {
    return fail(
      `the identity provider publishes issuer '${published}' but spec.identity.issuer is '${configured}': they differ only by the trailing slash`,
      `Set spec.identity.issuer to '${published}' exactly: ID tokens carry iss '${published}' and it is compared character for character, so the trailing slash matters`,
    );
  }
  if (/\{[^}]*\}/.test(published)) {
    return fail(
      `the identity provider publishes the templated issuer '${published}' (a multi-tenant endpoint), which no ID token matches`,
      presetFix,
    );
  }
  return fail(
    `the identity provider publishes issuer '${published}', not '${configured}'`,
    `Set spec.identity.issuer to '${published}' if that is the provider's public URL. ${presetFix}`,
  );
}

// ---------------------------------------------------------------------------------------------
// jwks

async function checkJwks(ctx: Ctx, doc: DiscoveryDocument, signal: AbortSignal): Promise<Verdict> {
  let res: HttpResponse;
  try {
    res = await getFollowing(ctx, doc.jwks_uri, signal, 'application/jwk-set+json, application/json');
  } catch (err) {
    const v = transportVerdict(err);
    return fail(`cannot fetch jwks_uri ${doc.jwks_uri}: ${v.message}`, v.fix);
  }
  if (res.status !== 200) {
    return fail(`jwks_uri ${doc.jwks_uri} answered HTTP ${res.status}`, ctx.preset.fixes.jwks(ctx.fix));
  }
  const a = assessJwks(res.body);
  if (a.status === 'pass') return pass(a.message);
  return {
    status: a.status,
    message: `jwks_uri ${doc.jwks_uri}: ${a.message}`,
    fix: ctx.preset.fixes.jwks(ctx.fix),
  };
}

// ---------------------------------------------------------------------------------------------
// scopes and claims (from the discovery document alone)

function checkScopes(ctx: Ctx, doc: DiscoveryDocument): Verdict {
  const requested = scopesFor(ctx.preset, ctx.config.scopes);
  if (!requested.includes('openid')) {
    return fail(
      `the requested scopes (${requested.join(' ')}) lack 'openid', so the provider would not issue an ID token`,
      "Add 'openid' to spec.identity.scopes",
    );
  }
  const supported = doc.scopes_supported;
  if (!supported) {
    return warn(
      `the provider does not publish scopes_supported, so the requested scopes (${requested.join(' ')}) can't be checked before sign-in`,
    );
  }
  if (!supported.includes('openid')) {
    return fail(
      "the provider's scopes_supported lacks 'openid': it does not act as an OpenID provider at this issuer",
      ctx.preset.fixes.issuer(ctx.fix),
    );
  }
  const missing = requested.filter((s) => !supported.includes(s));
  if (missing.length > 0) {
    return warn(
      `the provider does not list ${missing.map((s) => `'${s}'`).join(', ')} in scopes_supported (requested: ${requested.join(' ')})`,
      ctx.preset.fixes.scopes({ ...ctx.fix, scopes: missing }),
    );
  }
  return pass(`all requested scopes are supported: ${requested.join(' ')}`);
}

function checkClaims(ctx: Ctx, doc: DiscoveryDocument): Verdict {
  const { preset } = ctx;
  const email = preset.emailClaim;
  const groups = groupsClaimFor(preset, ctx.config.groupsClaim);
  const groupsFix = preset.fixes.groupsClaim(ctx.fix);
  const supported = doc.claims_supported;
  if (!supported) {
    return warn(
      `the provider does not publish claims_supported, so '${email}'${groups ? ` and '${groups}'` : ''} can't be checked before sign-in`,
      groups ? groupsFix : preset.fixes.emailClaim(ctx.fix),
    );
  }
  const found: string[] = [];
  const warnings: string[] = [];
  const fixes: string[] = [];
  const notes: string[] = [];
  if (supported.includes(email)) found.push(`'${email}'`);
  else {
    warnings.push(`'${email}' is not in claims_supported`);
    fixes.push(preset.fixes.emailClaim(ctx.fix));
  }
  if (groups === undefined) {
    notes.push(`${preset.name} ID tokens carry no group membership; owners are matched by email`);
  } else if (preset.id === 'google') {
    // Only reachable when spec.identity.groupsClaim is set: Google never sends one.
    warnings.push(`spec.identity.groupsClaim is '${groups}', but Google ID tokens carry no group membership`);
    fixes.push(groupsFix);
  } else if (supported.includes(groups)) {
    found.push(`'${groups}'`);
  } else if (preset.listsGroupsClaim) {
    warnings.push(`the groups claim '${groups}' is not in claims_supported`);
    fixes.push(groupsFix);
  } else {
    // Okta, Entra, Keycloak and Auth0 list only standard claims there: absence proves nothing.
    notes.push(
      `'${groups}' can't be seen in discovery (${preset.name} lists only standard claims); it must be set up: ${groupsFix}`,
    );
  }
  const head = found.length > 0 ? `${found.join(' and ')} published` : '';
  const message = [head, ...warnings, ...notes].filter(Boolean).join('; ');
  return warnings.length > 0 ? warn(message, fixes.join('. ')) : pass(message);
}

// ---------------------------------------------------------------------------------------------
// redirect URI

async function checkRedirectUri(
  ctx: Ctx,
  doc: DiscoveryDocument,
  signal: AbortSignal,
): Promise<{ verdict: Verdict; outcome?: AuthorizationOutcome }> {
  const { clientId, redirectUri } = ctx.config;
  const url = new URL(doc.authorization_endpoint);
  const verifier = randomBytes(32).toString('base64url');
  // A complete code-flow request (PKCE included), so providers that insist on PKCE or nonce
  // get as far as checking client and redirect URI; nothing here is secret.
  for (const [k, v] of Object.entries({
    response_type: 'code',
    client_id: clientId,
    redirect_uri: redirectUri,
    scope: 'openid',
    state: randomBytes(12).toString('base64url'),
    nonce: randomBytes(12).toString('base64url'),
    code_challenge: createHash('sha256').update(verifier).digest('base64url'),
    code_challenge_method: 'S256',
  })) {
    url.searchParams.set(k, v);
  }
  let res: HttpResponse;
  try {
    res = await httpsRequest(url.href, { ca: ctx.ca, signal, headers: { accept: 'text/html' } });
  } catch (err) {
    const v = transportVerdict(err);
    return { verdict: fail(`cannot reach the authorization endpoint: ${v.message}`, v.fix) };
  }
  const outcome = classifyAuthorizationResponse({
    status: res.status,
    location: res.headers.location,
    body: res.body,
    requestUrl: url.href,
    redirectUri,
  });
  const fixes = ctx.preset.fixes;
  const subject = `redirect URI ${redirectUri} for client '${clientId}'`;
  const verdict = ((): Verdict => {
    switch (outcome.kind) {
      case 'login':
      case 'callback':
        return pass(`the provider accepted ${subject} (${outcome.detail})`);
      case 'codeFlowRejected':
        return fail(
          `the provider accepted ${subject} but refuses the authorization code flow: ${outcome.detail}`,
          fixes.codeFlow(ctx.fix),
        );
      case 'callbackError':
        return warn(
          `the provider accepted ${subject} but reported a problem: ${outcome.detail}`,
          outcome.error === 'invalid_scope' ? fixes.scopes({ ...ctx.fix, scopes: ['openid'] }) : undefined,
        );
      case 'redirectRejected':
        return fail(`the provider rejected ${subject}: ${outcome.detail}`, fixes.redirectUri(ctx.fix));
      case 'clientRejected':
        return fail(
          `the provider does not know client '${clientId}': ${outcome.detail}`,
          fixes.clientId(ctx.fix),
        );
      case 'error':
        return fail(
          `the authorization endpoint refused the sign-in request: ${outcome.detail}`,
          `Open ${url.href} in a browser to see the provider's full error. ${fixes.redirectUri(ctx.fix)}`,
        );
    }
  })();
  return { verdict, outcome };
}

// ---------------------------------------------------------------------------------------------
// client credentials

/**
 * Presents the credentials at the token endpoint with an authorization code that can't exist.
 * RFC 6749 §4.1.3 has the server authenticate the client before it looks at the code, so a
 * wrong id or secret gives invalid_client and a right one invalid_grant, on every provider:
 * the code grant is the one each quick-connect client is registered for. client_credentials
 * would not tell them apart reliably: Google doesn't support it (unsupported_grant_type, with
 * or without valid credentials), and where it is allowed it mints a real token.
 */
async function checkClientCredentials(
  ctx: Ctx,
  doc: DiscoveryDocument,
  signal: AbortSignal,
): Promise<Verdict> {
  const { clientId, clientSecret, redirectUri } = ctx.config;
  if (clientSecret === undefined || clientSecret === '') {
    return warn(
      `no client secret configured: client '${clientId}' is treated as a public client, so its credentials can't be checked`,
      'If the provider registered a confidential (web) client, store its secret in a Secret in the tenant system namespace and reference it from spec.identity.clientSecretRef',
    );
  }
  // The spec's default when the provider doesn't list methods is client_secret_basic.
  const offered = doc.token_endpoint_auth_methods_supported ?? ['client_secret_basic'];
  const methods = (['client_secret_basic', 'client_secret_post'] as const).filter((m) => offered.includes(m));
  if (methods.length === 0) {
    return warn(
      `the token endpoint accepts no client secret (it offers ${offered.join(', ')})`,
      'Allow client_secret_basic or client_secret_post for this client at the provider',
    );
  }
  const fixes = ctx.preset.fixes;
  let refused: string | undefined;
  let unknownClient = false;
  for (const method of methods) {
    let res: HttpResponse;
    try {
      res = await tokenRequest(ctx, doc.token_endpoint, method, signal, {
        clientId,
        clientSecret,
        redirectUri,
      });
    } catch (err) {
      const v = transportVerdict(err);
      return fail(`cannot reach the token endpoint: ${v.message}`, v.fix);
    }
    const outcome = classifyTokenResponse(res.status, res.body);
    switch (outcome.kind) {
      case 'accepted':
        return pass(
          `the token endpoint accepted the credentials of client '${clientId}' with ${method}${refused ? ` (${methods[0]} was refused)` : ''} (a deliberately invalid code got ${outcome.detail})`,
        );
      case 'broken':
        return fail(
          `the token endpoint failed: ${outcome.detail}`,
          'The identity provider has an internal error; retry later or contact its administrator',
        );
      case 'unexpected':
        return warn(
          `the token endpoint's answer doesn't show whether the credentials of client '${clientId}' are valid: ${outcome.detail}`,
        );
      case 'rejected':
        refused = outcome.detail;
        unknownClient ||= outcome.unknownClient;
        // Some providers enforce the registered method: try the other one before blaming the secret.
        continue;
    }
  }
  return fail(
    `the token endpoint rejected the credentials of client '${clientId}' (${methods.join(' and ')}): ${refused}`,
    unknownClient ? fixes.clientId(ctx.fix) : fixes.clientSecret(ctx.fix),
  );
}

function tokenRequest(
  ctx: Ctx,
  endpoint: string,
  method: 'client_secret_basic' | 'client_secret_post',
  signal: AbortSignal,
  c: { clientId: string; clientSecret: string; redirectUri: string },
): Promise<HttpResponse> {
  const form = new URLSearchParams({
    grant_type: 'authorization_code',
    code: `tenantry-probe-${randomBytes(16).toString('base64url')}`,
    redirect_uri: c.redirectUri,
  });
  const headers: Record<string, string> = {
    'content-type': 'application/x-www-form-urlencoded',
    accept: 'application/json',
  };
  if (method === 'client_secret_basic') {
    // RFC 6749 §2.3.1: id and secret are form-encoded before base64.
    const basic = `${formEncode(c.clientId)}:${formEncode(c.clientSecret)}`;
    headers.authorization = `Basic ${Buffer.from(basic).toString('base64')}`;
  } else {
    form.set('client_id', c.clientId);
    form.set('client_secret', c.clientSecret);
  }
  return httpsRequest(endpoint, { method: 'POST', headers, body: form.toString(), ca: ctx.ca, signal });
}

function formEncode(s: string): string {
  return encodeURIComponent(s).replace(/%20/g, '+');
}

// ---------------------------------------------------------------------------------------------
// plumbing

/** GET that follows a few https redirects (discovery and JWKS documents may move). */
async function getFollowing(
  ctx: Ctx,
  url: string,
  signal: AbortSignal,
  accept: string,
): Promise<HttpResponse> {
  let current = url;
  for (let i = 0; ; i++) {
    const res = await httpsRequest(current, { ca: ctx.ca, signal, headers: { accept } });
    const location = res.headers.location;
    if (res.status < 300 || res.status >= 400 || !location || i >= MAX_REDIRECTS) return res;
    current = new URL(location, current).href;
  }
}

/** A request that got no response, as a failed check; `what` says which request it was. */
function transportVerdict(err: unknown, what?: string): Verdict {
  const prefix = what ? `${what}: ` : '';
  if (err instanceof TransportError) return fail(`${prefix}${err.message}`, transportFix(err));
  return fail(`${prefix}unexpected error: ${err instanceof Error ? err.message : String(err)}`);
}

function withHint(fix: string, hint: string | undefined): string {
  return hint ? `${fix} (${hint})` : fix;
}
