import { randomBytes } from 'node:crypto';
import { type AuthorizationOutcome, classifyTokenResponse } from '../classify.ts';
import type { DiscoveryDocument } from '../discovery.ts';
import { type HttpResponse, httpsRequest } from '../http.ts';
import { type CheckResult, fail, pass, type Verdict, warn } from '../result.ts';
import { secretCommand, secretName } from '../secret-location.ts';
import { transportVerdict } from '../transport-verdict.ts';
import type { CheckContext } from './context.ts';

type SecretMethod = 'client_secret_basic' | 'client_secret_post';

interface Credentials {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
}

/**
 * Presents the credentials at the token endpoint with an authorization code that can't exist.
 * RFC 6749 §4.1.3 has the server authenticate the client before it looks at the code, so a
 * wrong id or secret gives invalid_client and a right one invalid_grant, on every provider:
 * the code grant is the one each quick-connect client is registered for. client_credentials
 * would not tell them apart reliably: Google doesn't support it (unsupported_grant_type, with
 * or without valid credentials), and where it is allowed it mints a real token.
 */
export async function checkClientCredentials(
  ctx: CheckContext,
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
      res = await httpsRequest(doc.token_endpoint, {
        method: 'POST',
        ...tokenRequest(method, { clientId, clientSecret, redirectUri }),
        ca: ctx.ca,
        signal,
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
    unknownClient ? fixes.clientId(ctx.fix) : clientSecretFix(ctx),
  );
}

/**
 * The fix for a secret the provider refused: where to get the current one, in the provider's
 * terms, and which Secret and key of the cluster to put it in, when the caller said.
 */
export function clientSecretFix(ctx: CheckContext): string {
  const ref = ctx.config.clientSecretRef;
  const where = ref
    ? `${secretName(ref)}: ${secretCommand(ref)}`
    : 'the Secret and key spec.identity.clientSecretRef names';
  return `${ctx.preset.fixes.clientSecret(ctx.fix)}; then put it in ${where}`;
}

/** Headers and form of the probing token request, with the credentials sent by `method`. */
export function tokenRequest(
  method: SecretMethod,
  c: Credentials,
): { headers: Record<string, string>; body: string } {
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
  return { headers, body: form.toString() };
}

function formEncode(s: string): string {
  return encodeURIComponent(s).replace(/%20/g, '+');
}

/**
 * Many token endpoints answer a wrong secret and an unknown client id alike
 * (invalid_client). When the authorization endpoint already said the client is unknown,
 * the fix for the token endpoint's refusal is the client id, not the secret.
 */
export function attributeUnknownClient(
  ctx: CheckContext,
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
