import { describe, expect, it } from 'vitest';
import type { CheckResult } from '../result.ts';
import {
  attributeUnknownClient,
  checkClientCredentials,
  clientSecretFix,
  tokenRequest,
} from './client-credentials.ts';
import { testContext, testDoc } from './testing.ts';

// The token endpoint is never reached here: these cases end before a request, or are pure.
const signal = new AbortController().signal;
const doc = testDoc({ token_endpoint: 'http://unreachable.invalid/token' });

describe('checkClientCredentials before any request', () => {
  it('treats a client without a secret as public', async () => {
    const v = await checkClientCredentials(testContext(), doc, signal);
    expect(v.status).toBe('warn');
    expect(v.message).toBe(
      "no client secret configured: client 'tenantry-acme' is treated as a public client, so its credentials can't be checked",
    );
  });

  it('warns when the token endpoint offers no secret-based method', async () => {
    const ctx = testContext({ clientSecret: 's3cret' });
    const v = await checkClientCredentials(
      ctx,
      { ...doc, token_endpoint_auth_methods_supported: ['private_key_jwt', 'none'] },
      signal,
    );
    expect(v).toEqual({
      status: 'warn',
      message: 'the token endpoint accepts no client secret (it offers private_key_jwt, none)',
      fix: 'Allow client_secret_basic or client_secret_post for this client at the provider',
    });
  });
});

describe('clientSecretFix', () => {
  it('names the Secret and key to update, with a command that reads the value from a file', () => {
    const ctx = testContext({
      preset: 'keycloak',
      clientSecret: 'wrong',
      clientSecretRef: { namespace: 'acme-system', name: 'tenantry-idp', key: 'client-secret' },
    });
    expect(clientSecretFix(ctx)).toBe(
      `${ctx.preset.fixes.clientSecret(ctx.fix)}; then put it in Secret acme-system/tenantry-idp, key client-secret: kubectl -n acme-system create secret generic tenantry-idp --from-file=client-secret=FILE --dry-run=client -o yaml | kubectl apply -f -`,
    );
    expect(clientSecretFix(ctx)).not.toContain('wrong');
  });

  it('points at spec.identity.clientSecretRef when the caller did not say where the secret is kept', () => {
    expect(clientSecretFix(testContext({ clientSecret: 'x' }))).toBe(
      "Copy the current client secret of client 'tenantry-acme' from the IdP (it may have been rotated or expired); then put it in the Secret and key spec.identity.clientSecretRef names",
    );
  });
});

describe('tokenRequest', () => {
  const c = { clientId: 'app id', clientSecret: 'p@ss:word', redirectUri: 'https://t.example.com/cb' };

  it('form-encodes id and secret before base64 for client_secret_basic (RFC 6749 §2.3.1)', () => {
    const { headers, body } = tokenRequest('client_secret_basic', c);
    expect(headers.authorization).toBe(`Basic ${Buffer.from('app+id:p%40ss%3Aword').toString('base64')}`);
    const form = new URLSearchParams(body);
    expect(form.get('grant_type')).toBe('authorization_code');
    expect(form.get('code')).toMatch(/^tenantry-probe-[A-Za-z0-9_-]{22}$/);
    expect(form.get('redirect_uri')).toBe(c.redirectUri);
    expect(form.has('client_secret')).toBe(false);
  });

  it('puts the credentials in the form for client_secret_post', () => {
    const { headers, body } = tokenRequest('client_secret_post', c);
    expect(headers).toEqual({
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
    });
    const form = new URLSearchParams(body);
    expect(form.get('client_id')).toBe('app id');
    expect(form.get('client_secret')).toBe('p@ss:word');
  });
});

describe('attributeUnknownClient', () => {
  const ctx = testContext();
  const rejected: CheckResult = {
    id: 'clientCredentials',
    title: 'Client credentials valid',
    status: 'fail',
    message:
      "the token endpoint rejected the credentials of client 'tenantry-acme' (client_secret_basic): HTTP 401",
    fix: clientSecretFix(ctx),
  };

  it('blames the client id when the authorization endpoint did not know the client', () => {
    const [r] = attributeUnknownClient(ctx, [rejected], { kind: 'clientRejected', detail: 'unknown' });
    expect(r).toEqual({
      ...rejected,
      message: `${rejected.message}; the client id itself is unknown (see redirectUri)`,
      fix: ctx.preset.fixes.clientId(ctx.fix),
    });
  });

  it('leaves the results alone otherwise', () => {
    const results = [rejected];
    expect(attributeUnknownClient(ctx, results, undefined)).toBe(results);
    expect(attributeUnknownClient(ctx, results, { kind: 'login', detail: 'ok' })).toBe(results);
    const other = { ...rejected, message: 'the token endpoint failed: HTTP 500' };
    expect(attributeUnknownClient(ctx, [other], { kind: 'clientRejected', detail: 'x' })).toEqual([other]);
  });
});
