import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServingTls, servingTls } from '../../devcluster/serving-tls.ts';
import {
  type CheckResult,
  type IdentityConfig,
  runIdentityChecks,
  summarize,
} from '../../operator/identity/checks.ts';
import { probeScim } from '../../operator/identity/scim.ts';
import { startTestProvider, type TestProvider } from '../support/oidc-provider.ts';

// Real OpenID provider (oidc-provider) over TLS with a throwaway CA; each misconfiguration must
// produce its own failing check and fix, and nothing else may fail.

const REDIRECT_URI = 'https://tenantry.example.com/oidc/callback';
const SECRET = 'correct-horse-battery-staple';

let tls: ServingTls;
let idp: TestProvider;
let base: IdentityConfig;

beforeAll(async () => {
  tls = await servingTls();
  idp = await startTestProvider({
    tls,
    clients: [{ client_id: 'tenantry-acme', client_secret: SECRET, redirect_uris: [REDIRECT_URI] }],
  });
  base = {
    preset: 'oidc',
    issuer: idp.issuer,
    clientId: 'tenantry-acme',
    clientSecret: SECRET,
    redirectUri: REDIRECT_URI,
  };
});

afterAll(async () => {
  await idp?.stop();
});

const byId = (results: CheckResult[]) => Object.fromEntries(results.map((r) => [r.id, r]));
const statuses = (results: CheckResult[]) => Object.fromEntries(results.map((r) => [r.id, r.status]));
const allPass = {
  discovery: 'pass',
  issuer: 'pass',
  jwks: 'pass',
  scopes: 'pass',
  claims: 'pass',
  redirectUri: 'pass',
  clientCredentials: 'pass',
  clockSkew: 'pass',
};
const skipped = { status: 'skip', message: 'skipped: discovery failed' };

describe('identity checks against a real OpenID provider', () => {
  it('passes every check for a correct configuration, and reports IdentityConnected', async () => {
    const started = performance.now();
    const results = await runIdentityChecks(base, { ca: idp.ca });
    const elapsed = performance.now() - started;
    expect(statuses(results)).toEqual(allPass);
    expect(results.map((r) => r.id)).toEqual(Object.keys(allPass));
    expect(summarize(results)).toEqual({
      connected: true,
      reason: 'AllChecksPassed',
      message: 'all 8 identity checks passed',
    });
    // Eight checks, six HTTPS requests on loopback: well under a second.
    expect(elapsed).toBeLessThan(2000);
    console.info(`identity checks against the local provider took ${elapsed.toFixed(0)} ms`);
  });

  it('fails only the issuer check when the configured issuer has a trailing slash the IdP does not publish', async () => {
    const results = await runIdentityChecks({ ...base, issuer: `${idp.issuer}/` }, { ca: idp.ca });
    expect(statuses(results)).toEqual({ ...allPass, issuer: 'fail' });
    const issuer = byId(results).issuer;
    expect(issuer?.message).toContain('differ only by the trailing slash');
    expect(issuer?.fix).toBe(
      `Set spec.identity.issuer to '${idp.issuer}' exactly: ID tokens carry iss '${idp.issuer}' and it is compared character for character, so the trailing slash matters`,
    );
    expect(summarize(results)).toMatchObject({ connected: false, reason: 'ChecksFailed' });
  });

  it('fails the redirectUri check for an unregistered redirect URI, with the fix in Okta terms', async () => {
    const wrong = 'https://tenantry.example.com/callback';
    const results = await runIdentityChecks({ ...base, preset: 'okta', redirectUri: wrong }, { ca: idp.ca });
    expect(statuses(results)).toEqual({ ...allPass, redirectUri: 'fail' });
    const r = byId(results).redirectUri;
    expect(r?.message).toContain('invalid_redirect_uri');
    expect(r?.fix).toBe(
      `In Applications > Applications > your app > General > Sign-in redirect URIs, add ${wrong} (exact, case-sensitive match)`,
    );
    expect(summarize(results).message).toContain('redirectUri: the provider rejected redirect URI');
  });

  it('fails the clientCredentials check for a wrong secret, with the fix in Entra terms and the Secret to update, never showing the secret', async () => {
    const wrongSecret = 'not-the-secret-at-all';
    const results = await runIdentityChecks(
      {
        ...base,
        preset: 'entra',
        clientSecret: wrongSecret,
        clientSecretRef: { namespace: 'acme-system', name: 'tenantry-idp', key: 'client-secret' },
      },
      { ca: idp.ca },
    );
    expect(statuses(results)).toEqual({ ...allPass, clientCredentials: 'fail' });
    const c = byId(results).clientCredentials;
    expect(c?.message).toContain('invalid_client');
    expect(c?.fix).toContain('Certificates & secrets');
    expect(c?.fix).toContain(
      'then put it in Secret acme-system/tenantry-idp, key client-secret: kubectl -n acme-system create secret generic tenantry-idp --from-file=client-secret=FILE',
    );
    const verdict = summarize(results);
    expect(verdict).toMatchObject({ connected: false, reason: 'ChecksFailed' });
    expect(JSON.stringify({ results, verdict })).not.toContain(wrongSecret);
  });

  it('fails redirectUri and clientCredentials for an unknown client id, both pointing at the client id', async () => {
    const results = await runIdentityChecks(
      { ...base, preset: 'keycloak', clientId: 'no-such-client' },
      { ca: idp.ca },
    );
    expect(statuses(results)).toEqual({ ...allPass, redirectUri: 'fail', clientCredentials: 'fail' });
    const { redirectUri, clientCredentials } = byId(results);
    expect(redirectUri?.message).toContain("does not know client 'no-such-client'");
    expect(redirectUri?.fix).toContain('Use the Client ID (not the internal id) of a client under Clients');
    expect(clientCredentials?.message).toContain('the client id itself is unknown');
    expect(clientCredentials?.fix).toBe(redirectUri?.fix);
  });

  it('warns about a scope the IdP does not support, and fails without openid', async () => {
    const warned = await runIdentityChecks(
      { ...base, scopes: ['openid', 'email', 'offline'] },
      { ca: idp.ca },
    );
    expect(statuses(warned)).toEqual({ ...allPass, scopes: 'warn' });
    expect(byId(warned).scopes?.message).toContain("does not list 'offline'");
    expect(summarize(warned)).toMatchObject({ connected: true, reason: 'PassedWithWarnings' });

    const failed = await runIdentityChecks({ ...base, scopes: ['email', 'profile'] }, { ca: idp.ca });
    expect(byId(failed).scopes).toMatchObject({
      status: 'fail',
      fix: "Add 'openid' to spec.identity.scopes",
    });
  });

  it('fails discovery with a certificate fix when the CA is not trusted, and skips the rest', async () => {
    const results = await runIdentityChecks(base);
    const { discovery, ...rest } = byId(results);
    expect(discovery?.status).toBe('fail');
    expect(discovery?.message).toContain('UNABLE_TO_VERIFY_LEAF_SIGNATURE');
    expect(discovery?.fix).toContain('--identity-ca-file');
    for (const r of Object.values(rest)) expect(r).toMatchObject(skipped);
    const verdict = summarize(results);
    expect(verdict).toMatchObject({ connected: false, reason: 'DiscoveryFailed' });
    // Only discovery failed; the others could not run.
    expect(verdict.message).toMatch(
      /^1 identity check failed: discovery: .*; 7 dependent checks skipped \(issuer, jwks, scopes, claims, redirectUri, clientCredentials, clockSkew\)$/,
    );
  });

  it('fails discovery when the provider is down (connection refused)', async () => {
    const gone = await startTestProvider({ tls, clients: [] });
    await gone.stop();
    const results = await runIdentityChecks({ ...base, issuer: gone.issuer }, { ca: tls.ca });
    expect(byId(results).discovery).toMatchObject({
      status: 'fail',
      message: `cannot fetch ${gone.issuer}/.well-known/openid-configuration: connection to 127.0.0.1:${gone.port} refused`,
    });
    expect(byId(results).jwks).toMatchObject(skipped);
    expect(summarize(results).reason).toBe('DiscoveryFailed');
  });

  it('fails discovery within the per-check timeout when the provider never answers', async () => {
    const { server, url } = await listen(tls, () => {
      // Holds every request open: the check must give up on its own deadline.
    });
    try {
      const started = performance.now();
      const results = await runIdentityChecks({ ...base, issuer: url }, { ca: tls.ca, timeoutMs: 300 });
      expect(performance.now() - started).toBeLessThan(2000);
      expect(byId(results).discovery).toMatchObject({
        status: 'fail',
        message: expect.stringContaining('no answer within 300 ms'),
      });
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('fails only the jwks check when the provider publishes no usable signing key', async () => {
    const broken = await startTestProvider({
      tls,
      clients: [{ client_id: 'tenantry-acme', client_secret: SECRET, redirect_uris: [REDIRECT_URI] }],
      // The real provider for everything but its key set, which holds only an encryption key.
      intercept: (req, res) => {
        if (req.url !== '/jwks') return false;
        const keys = [{ kty: 'RSA', kid: 'enc-1', use: 'enc', alg: 'RSA-OAEP', n: 'AQAB', e: 'AQAB' }];
        res.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify({ keys }));
        return true;
      },
    });
    try {
      const results = await runIdentityChecks({ ...base, issuer: broken.issuer }, { ca: tls.ca });
      expect(statuses(results)).toEqual({ ...allPass, jwks: 'fail' });
      expect(byId(results).jwks?.message).toContain("kid enc-1: use is 'enc', not 'sig'");
      expect(byId(results).jwks?.fix).toContain('signing key');
    } finally {
      await broken.stop();
    }
  });

  it('fails the jwks check when jwks_uri points nowhere', async () => {
    const { server, url } = await listen(tls, (req, res, self) => {
      if (req.url !== '/.well-known/openid-configuration') {
        res.writeHead(404).end();
        return;
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end(
        JSON.stringify({
          issuer: self,
          authorization_endpoint: `${self}/auth`,
          token_endpoint: `${self}/token`,
          jwks_uri: `${self}/missing-jwks`,
          response_types_supported: ['code'],
          subject_types_supported: ['public'],
          id_token_signing_alg_values_supported: ['RS256'],
        }),
      );
    });
    try {
      const results = await runIdentityChecks({ ...base, issuer: url }, { ca: tls.ca });
      expect(byId(results).jwks).toMatchObject({
        status: 'fail',
        message: `jwks_uri ${url}/missing-jwks answered HTTP 404`,
      });
      // A document without scopes_supported or claims_supported can't be verified: warnings.
      expect(byId(results).scopes?.status).toBe('warn');
      expect(byId(results).claims?.status).toBe('warn');
    } finally {
      server.close();
    }
  });

  it("measures clock skew against the provider's Date header", async () => {
    const ahead = await runIdentityChecks(base, { ca: idp.ca, now: () => Date.now() + 10 * 60_000 });
    expect(statuses(ahead)).toEqual({ ...allPass, clockSkew: 'fail' });
    expect(byId(ahead).clockSkew?.message).toMatch(
      /^the local clock is 10 min \d+ s ahead of the identity provider's/,
    );
    expect(byId(ahead).clockSkew?.fix).toContain('NTP');

    const behind = await runIdentityChecks(base, { ca: idp.ca, now: () => Date.now() - 90_000 });
    expect(byId(behind).clockSkew?.status).toBe('warn');
  });
});

describe('SCIM probe against a local SCIM service', () => {
  const TOKEN = 'scim-token-0123456789';
  let server: Server;
  let scimBase: string;

  beforeAll(async () => {
    const users = [
      { schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'], id: 'u1', userName: 'ada@acme.example' },
    ];
    const started = await listen(tls, (req, res) => {
      const json = (status: number, body: unknown) =>
        res.writeHead(status, { 'content-type': 'application/scim+json' }).end(JSON.stringify(body));
      const path = new URL(req.url ?? '/', 'https://x').pathname;
      // RFC 7644 §4: the ServiceProviderConfig may be read without authentication; users may not.
      if (path === '/scim/v2/ServiceProviderConfig') {
        return json(200, {
          schemas: ['urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig'],
          patch: { supported: true },
          bulk: { supported: false, maxOperations: 0, maxPayloadSize: 0 },
          filter: { supported: true, maxResults: 100 },
          changePassword: { supported: false },
          sort: { supported: true },
          etag: { supported: false },
          authenticationSchemes: [{ type: 'oauthbearertoken', name: 'OAuth Bearer Token', description: '' }],
        });
      }
      if (path === '/scim/v2/Users') {
        if (req.headers.authorization !== `Bearer ${TOKEN}`) {
          return json(401, {
            schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'],
            status: '401',
            detail: 'bad token',
          });
        }
        return json(200, {
          schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'],
          totalResults: users.length,
          itemsPerPage: 1,
          startIndex: 1,
          Resources: users,
        });
      }
      return json(404, { status: '404' });
    });
    server = started.server;
    scimBase = `${started.url}/scim/v2`;
  });

  afterAll(() => {
    server?.close();
  });

  it('reports capabilities and user access with a valid token', async () => {
    const results = await probeScim({ baseUrl: scimBase, token: TOKEN, ca: tls.ca });
    expect(results).toEqual([
      {
        id: 'scimServiceProviderConfig',
        title: 'SCIM service capabilities',
        status: 'pass',
        message:
          'SCIM 2.0 service: patch yes, bulk no, filter yes (max 100), etag no, changePassword no, sort yes',
      },
      {
        id: 'scimUsers',
        title: 'SCIM users readable',
        status: 'pass',
        message: 'the token can read users: 1 in total, core User schema',
      },
    ]);
  });

  it('fails the users probe with a token fix for a wrong token, never showing the token', async () => {
    const wrong = 'scim-token-wrong-wrong';
    const results = await probeScim({ baseUrl: `${scimBase}/`, token: wrong, ca: tls.ca });
    expect(results.map((r) => r.status)).toEqual(['pass', 'fail']);
    expect(results[1]).toMatchObject({
      message: '/Users refused the token (HTTP 401)',
      fix: expect.stringContaining('tokenSecretRef'),
    });
    expect(JSON.stringify(results)).not.toContain(wrong);
    expect(summarize(results)).toMatchObject({ connected: false, reason: 'ChecksFailed' });
  });

  it('fails both probes with a certificate fix when the CA is not trusted', async () => {
    const results = await probeScim({ baseUrl: scimBase, token: TOKEN });
    expect(results.map((r) => r.status)).toEqual(['fail', 'fail']);
    expect(results[0]?.fix).toContain('--identity-ca-file');
  });
});

/** A tiny HTTPS server on a free loopback port; the handler also gets the server's own URL. */
async function listen(
  t: ServingTls,
  handler: (
    req: import('node:http').IncomingMessage,
    res: import('node:http').ServerResponse,
    self: string,
  ) => void,
): Promise<{ server: Server; url: string }> {
  let self = '';
  const server = createServer({ cert: t.cert, key: t.key }, (req, res) => handler(req, res, self));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  self = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { server, url: self };
}
