import { createHash, randomBytes } from 'node:crypto';
import { type AuthorizationOutcome, classifyAuthorizationResponse } from '../classify.ts';
import type { DiscoveryDocument } from '../discovery.ts';
import { type HttpResponse, httpsRequest } from '../http.ts';
import { fail, pass, type Verdict, warn } from '../result.ts';
import { transportVerdict } from '../transport-verdict.ts';
import type { CheckContext } from './context.ts';

/** The verdict, and how the authorization endpoint answered (the client credentials check uses it). */
export async function checkRedirectUri(
  ctx: CheckContext,
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
  return { verdict: redirectUriVerdict(ctx, outcome, url.href), outcome };
}

/** Judges the authorization endpoint's answer to the request sent to `requestUrl`. Pure. */
export function redirectUriVerdict(
  ctx: CheckContext,
  outcome: AuthorizationOutcome,
  requestUrl: string,
): Verdict {
  const { clientId, redirectUri } = ctx.config;
  const fixes = ctx.preset.fixes;
  const subject = `redirect URI ${redirectUri} for client '${clientId}'`;
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
        `Open ${requestUrl} in a browser to see the provider's full error. ${fixes.redirectUri(ctx.fix)}`,
      );
  }
}
