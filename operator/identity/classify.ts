/**
 * Reads what an identity provider answered to the probes of the redirectUri and
 * clientCredentials checks. Providers phrase errors differently (status codes, HTML pages,
 * redirects to their own error page), so each classification combines the status code, the
 * Location header and hints in the body. Pure functions.
 */

/** The OAuth error of a response, and a short text for messages. */
export interface ErrorInfo {
  error?: string;
  description?: string;
  /** Readable text of the response (tags stripped, collapsed), for hints and excerpts. */
  text: string;
}

export type AuthorizationOutcome =
  /** The IdP started its sign-in flow (login page shown, or a redirect to it). */
  | { kind: 'login'; detail: string }
  /** The IdP sent the browser back to the redirect URI, so it trusts URI and client. */
  | { kind: 'callback'; detail: string; error?: string }
  /** Back at the redirect URI, but with an error that breaks sign-in for this client. */
  | { kind: 'codeFlowRejected'; detail: string }
  /** Back at the redirect URI with another error worth a look (scope, request). */
  | { kind: 'callbackError'; detail: string; error: string }
  | { kind: 'redirectRejected'; detail: string }
  | { kind: 'clientRejected'; detail: string }
  /** Any other answer: an unexplained error page or status. */
  | { kind: 'error'; detail: string };

export interface AuthorizationResponse {
  status: number;
  location?: string | undefined;
  body: string;
  /** The authorization request URL (to resolve a relative Location). */
  requestUrl: string;
  redirectUri: string;
}

/** Error codes or phrases that only appear when the redirect URI is refused. */
const REDIRECT_STRONG = [
  'redirect_uri_mismatch', // Google, many others
  'invalid_redirect_uri', // oidc-provider
  'redirect_uri did not match', // oidc-provider
  'aadsts50011', // Entra: reply URL does not match
  'aadsts500113', // Entra: no reply address registered
  'callback url mismatch', // Auth0
  'not in the list of allowed callback urls', // Auth0
  'invalid parameter: redirect_uri', // Keycloak
  'must be a login redirect uri', // Okta
];
/** Error codes or phrases that only appear when the client id is unknown. */
const CLIENT_STRONG = [
  'aadsts700016', // Entra: application not found in the directory
  'client not found', // Keycloak
  'unknown client', // Auth0
  'oauth client was not found', // Google
];
/** OAuth error codes, when the response names one. */
const REDIRECT_CODES = new Set(['invalid_redirect_uri', 'redirect_uri_mismatch']);
/**
 * Weaker hints, trusted only on pages that are errors anyway (4xx/5xx or an error redirect): a
 * sign-in page may well mention `invalid_client` or `redirect_uri` in its scripts.
 */
const CLIENT_CODE_HINT = 'invalid_client';
const REDIRECT_WEAK = ['redirect_uri', 'redirect uri', 'callback url', 'reply url', 'reply address'];
const CLIENT_WEAK = ['client_id', 'client id'];

/** Errors at the redirect URI that are just the sign-in flow going on without a user. */
const LOGIN_FLOW_ERRORS = new Set([
  'login_required',
  'interaction_required',
  'consent_required',
  'account_selection_required',
  'access_denied',
]);
const CODE_FLOW_ERRORS = new Set(['unauthorized_client', 'unsupported_response_type']);

export function classifyAuthorizationResponse(r: AuthorizationResponse): AuthorizationOutcome {
  const redirect = r.status >= 300 && r.status < 400 && r.location;
  if (redirect) {
    let to: URL;
    try {
      to = new URL(r.location as string, r.requestUrl);
    } catch {
      return { kind: 'error', detail: `HTTP ${r.status} to an invalid Location '${r.location}'` };
    }
    const params = locationParams(to);
    const error = params.get('error') ?? undefined;
    const description = params.get('error_description') ?? undefined;
    const said = describe(error, description);
    if (sameEndpoint(to, r.redirectUri)) {
      if (!error) return { kind: 'callback', detail: `HTTP ${r.status} back to the redirect URI` };
      if (LOGIN_FLOW_ERRORS.has(error)) {
        return { kind: 'callback', detail: `HTTP ${r.status} back to the redirect URI (${said})`, error };
      }
      if (CODE_FLOW_ERRORS.has(error)) {
        return { kind: 'codeFlowRejected', detail: `the IdP redirected back with ${said}` };
      }
      return { kind: 'callbackError', detail: `the IdP redirected back with ${said}`, error };
    }
    // Elsewhere: the IdP's own error page carries the error in the query (Auth0 does this),
    // anything else is its sign-in page, possibly on another host (Entra, Google do this).
    const hints = `${error ?? ''} ${description ?? ''} ${decodeSafe(to.pathname + to.search)}`.toLowerCase();
    const rejected = rejection(hints, error, error !== undefined || /\berror\b/.test(to.pathname));
    if (rejected)
      return {
        kind: rejected,
        detail: `HTTP ${r.status} to an error page (${said || to.origin + to.pathname})`,
      };
    if (error)
      return { kind: 'error', detail: `HTTP ${r.status} to ${to.origin}${to.pathname} with ${said}` };
    return { kind: 'login', detail: `HTTP ${r.status} to the sign-in page ${to.origin}${to.pathname}` };
  }
  const info = errorInfo(r.body);
  const said = describe(info.error, info.description) || excerpt(info.text);
  if (r.status >= 200 && r.status < 300) {
    // Entra and Keycloak render their sign-in page directly (200), and Entra also shows its
    // errors with 200; only unambiguous error codes count on such a page.
    const rejected = rejection(info.text.toLowerCase(), info.error, false);
    if (rejected) return { kind: rejected, detail: `an error page (${said})` };
    return { kind: 'login', detail: `HTTP ${r.status}: the IdP shows its sign-in page` };
  }
  const rejected = rejection(info.text.toLowerCase(), info.error, true);
  if (rejected) return { kind: rejected, detail: `HTTP ${r.status}: ${said}` };
  return { kind: 'error', detail: `HTTP ${r.status}: ${said || 'no error description'}` };
}

/** Which misconfiguration the hints point at; weak hints only count on known error pages. */
function rejection(
  hints: string,
  error: string | undefined,
  isErrorPage: boolean,
): 'redirectRejected' | 'clientRejected' | undefined {
  if (error && REDIRECT_CODES.has(error)) return 'redirectRejected';
  if (error === 'invalid_client') return 'clientRejected';
  if (REDIRECT_STRONG.some((h) => hints.includes(h))) return 'redirectRejected';
  if (CLIENT_STRONG.some((h) => hints.includes(h))) return 'clientRejected';
  if (!isErrorPage) return undefined;
  if (hints.includes(CLIENT_CODE_HINT)) return 'clientRejected';
  if (REDIRECT_WEAK.some((h) => hints.includes(h))) return 'redirectRejected';
  if (CLIENT_WEAK.some((h) => hints.includes(h))) return 'clientRejected';
  return undefined;
}

export type TokenOutcome =
  /** The token endpoint authenticated the client and refused only the (deliberately bogus) grant. */
  | { kind: 'accepted'; detail: string }
  /** Client authentication failed. */
  | { kind: 'rejected'; detail: string; unknownClient: boolean }
  /** An answer that says nothing certain about the credentials. */
  | { kind: 'unexpected'; detail: string }
  /** The endpoint is broken (5xx). */
  | { kind: 'broken'; detail: string };

/** Errors that come after client authentication succeeded (RFC 6749 §5.2). */
const AFTER_CLIENT_AUTH = new Set([
  'invalid_grant',
  'unauthorized_client',
  'invalid_scope',
  'invalid_request',
]);
const CLIENT_AUTH_FAILED = [
  'client authentication failed', // oidc-provider, Okta
  'invalid client secret', // Keycloak (older), Entra AADSTS7000215
  'invalid client credentials', // Keycloak: unauthorized_client with HTTP 401
  'aadsts7000215',
  'aadsts7000222', // Entra: the secret expired
];
const CLIENT_UNKNOWN = ['aadsts700016', 'client not found', 'unknown client', 'client_id not found'];

/**
 * Classifies the token endpoint's answer to a token request with a bogus authorization code.
 * invalid_client, or HTTP 401 (RFC 6749 §5.2 reserves it for failed client authentication;
 * Keycloak says unauthorized_client with 401 for a wrong secret), means the credentials were
 * refused; invalid_grant and the like mean they were accepted.
 */
export function classifyTokenResponse(status: number, body: string): TokenOutcome {
  const info = errorInfo(body);
  const said = describe(info.error, info.description) || excerpt(info.text) || `HTTP ${status}`;
  const hints = `${info.error ?? ''} ${info.description ?? ''} ${info.text}`.toLowerCase();
  if (status >= 200 && status < 300 && /"access_token"/.test(body)) {
    return { kind: 'accepted', detail: 'the token endpoint issued a token' };
  }
  const unknownClient = CLIENT_UNKNOWN.some((h) => hints.includes(h));
  if (
    info.error === 'invalid_client' ||
    status === 401 ||
    unknownClient ||
    CLIENT_AUTH_FAILED.some((h) => hints.includes(h))
  ) {
    return { kind: 'rejected', detail: `HTTP ${status}: ${said}`, unknownClient };
  }
  if (status >= 500) return { kind: 'broken', detail: `HTTP ${status}: ${said}` };
  if (info.error && AFTER_CLIENT_AUTH.has(info.error)) {
    return { kind: 'accepted', detail: `HTTP ${status}: ${said}` };
  }
  return { kind: 'unexpected', detail: `HTTP ${status}: ${said}` };
}

/** The OAuth error in a JSON or HTML body. */
export function errorInfo(body: string): ErrorInfo {
  try {
    const j = JSON.parse(body) as Record<string, unknown>;
    if (j && typeof j === 'object') {
      return {
        ...(typeof j.error === 'string' ? { error: j.error } : {}),
        ...(typeof j.error_description === 'string' ? { description: j.error_description } : {}),
        text: body.slice(0, 2000),
      };
    }
  } catch {
    // not JSON: an HTML or text page
  }
  const text = htmlText(body);
  const error = /\berror\s*[:=]\s*([a-z_]{3,64})\b/i.exec(text)?.[1];
  const description =
    /\berror_description\s*[:=]\s*([^\n]{1,300}?)(?:\s+\b(?:state|iss|error_uri)\s*:|$)/i.exec(text)?.[1];
  return { ...(error ? { error } : {}), ...(description ? { description: description.trim() } : {}), text };
}

function htmlText(body: string): string {
  return body
    .slice(0, 200_000)
    .replace(/<(script|style)[\s\S]*?<\/\1>/gi, ' ')
    .replace(/<[^>]+>/g, ' ')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
    .replace(/\s+/g, ' ')
    .trim();
}

/** Query and fragment parameters of a redirect (fragment for implicit-style responses). */
function locationParams(u: URL): URLSearchParams {
  const p = new URLSearchParams(u.search);
  if (u.hash.length > 1)
    for (const [k, v] of new URLSearchParams(u.hash.slice(1))) if (!p.has(k)) p.set(k, v);
  return p;
}

/** Redirect URIs match on scheme, host, port and path; the IdP adds its own query parameters. */
function sameEndpoint(to: URL, redirectUri: string): boolean {
  try {
    const ru = new URL(redirectUri);
    return to.origin === ru.origin && to.pathname === ru.pathname;
  } catch {
    return false;
  }
}

function describe(error: string | undefined, description: string | undefined): string {
  if (!error) return description ? excerpt(description) : '';
  return description ? `${error}: ${excerpt(description)}` : error;
}

function excerpt(s: string, max = 200): string {
  const t = s.replace(/\s+/g, ' ').trim();
  return t.length > max ? `${t.slice(0, max - 1)}…` : t;
}

function decodeSafe(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}
