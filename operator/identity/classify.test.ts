import { describe, expect, it } from 'vitest';
import { classifyAuthorizationResponse, classifyTokenResponse, errorInfo } from './classify.ts';

const requestUrl = 'https://idp.example.com/authorize?client_id=app';
const redirectUri = 'https://tenantry.example.com/oidc/callback';
const authz = (status: number, body = '', location?: string) =>
  classifyAuthorizationResponse({ status, body, location, requestUrl, redirectUri });

describe('classifyAuthorizationResponse', () => {
  it('accepts redirects to the sign-in page, relative or on another host', () => {
    // oidc-provider
    expect(authz(303, 'Redirecting', '/interaction/abc').kind).toBe('login');
    // Okta, Google, Auth0 style
    expect(
      authz(302, '', 'https://idp.example.com/login/login.htm?fromURI=%2Foauth2%2Fv1%2Fauthorize%2Fredirect')
        .kind,
    ).toBe('login');
    expect(
      authz(
        302,
        '',
        'https://accounts.google.com/v3/signin/identifier?continue=https%3A%2F%2Fx%3Fredirect_uri%3Dy',
      ).kind,
    ).toBe('login');
  });

  it('accepts sign-in pages rendered directly, even when their scripts mention redirect_uri', () => {
    expect(
      authz(200, '<html><script>var c={"redirect_uri":"x","client_id":"y"}</script><form>Sign in</form>')
        .kind,
    ).toBe('login');
  });

  it('accepts a redirect back to the redirect URI, with a code or a login-flow error', () => {
    expect(authz(302, '', `${redirectUri}?code=abc&state=s`).kind).toBe('callback');
    expect(authz(302, '', `${redirectUri}?error=login_required&state=s`)).toMatchObject({
      kind: 'callback',
      error: 'login_required',
    });
    expect(authz(302, '', `${redirectUri}#error=access_denied`).kind).toBe('callback');
  });

  it('tells errors at the redirect URI that break sign-in', () => {
    expect(authz(302, '', `${redirectUri}?error=unauthorized_client&error_description=no+code+flow`)).toEqual(
      {
        kind: 'codeFlowRejected',
        detail: 'the IdP redirected back with unauthorized_client: no code flow',
      },
    );
    expect(authz(303, '', `${redirectUri}?error=invalid_scope`)).toMatchObject({
      kind: 'callbackError',
      error: 'invalid_scope',
    });
  });

  it("recognizes oidc-provider's error pages", () => {
    const page = (error: string, description: string) =>
      `<!DOCTYPE html><html><head><title>oops! something went wrong</title></head><body><pre><strong>error</strong>: ${error}</pre><pre><strong>error_description</strong>: ${description}</pre><pre><strong>state</strong>: st</pre></body></html>`;
    expect(
      authz(
        400,
        page(
          'invalid_redirect_uri',
          'redirect_uri did not match any of the client&#39;s registered redirect_uris',
        ),
      ),
    ).toEqual({
      kind: 'redirectRejected',
      detail:
        "HTTP 400: invalid_redirect_uri: redirect_uri did not match any of the client's registered redirect_uris",
    });
    expect(authz(400, page('invalid_client', 'client is invalid'))).toEqual({
      kind: 'clientRejected',
      detail: 'HTTP 400: invalid_client: client is invalid',
    });
  });

  it("recognizes other IdPs' ways of refusing a redirect URI", () => {
    // Okta
    expect(
      authz(
        400,
        "<h1>400 Bad Request</h1><p>The 'redirect_uri' parameter must be a Login redirect URI in the client app settings</p>",
      ).kind,
    ).toBe('redirectRejected');
    // Google
    expect(authz(400, '<p>Error 400: redirect_uri_mismatch</p>').kind).toBe('redirectRejected');
    // Entra shows its errors with 200
    expect(
      authz(200, "<div>AADSTS50011: The redirect URI 'x' specified in the request does not match</div>").kind,
    ).toBe('redirectRejected');
    // Keycloak
    expect(authz(400, '<p>Invalid parameter: redirect_uri</p>').kind).toBe('redirectRejected');
    // Auth0 redirects to its error page
    expect(
      authz(
        302,
        '',
        'https://acme.auth0.com/error?error=unauthorized_client&error_description=Callback%20URL%20mismatch.',
      ).kind,
    ).toBe('redirectRejected');
  });

  it("recognizes other IdPs' ways of refusing an unknown client", () => {
    expect(
      authz(200, "<div>AADSTS700016: Application with identifier 'x' was not found in the directory</div>")
        .kind,
    ).toBe('clientRejected');
    expect(authz(400, '<p>Client not found.</p>').kind).toBe('clientRejected');
    expect(authz(401, '<p>Error 401: invalid_client</p><p>The OAuth client was not found.</p>').kind).toBe(
      'clientRejected',
    );
  });

  it('reports anything else as an unexplained error', () => {
    expect(authz(500, 'Internal Server Error')).toEqual({
      kind: 'error',
      detail: 'HTTP 500: Internal Server Error',
    });
    expect(authz(302, '', 'https://idp.example.com/oops?error=server_error').kind).toBe('error');
  });
});

describe('classifyTokenResponse', () => {
  const json = (o: unknown) => JSON.stringify(o);

  it('reads invalid_grant and similar as accepted credentials', () => {
    expect(
      classifyTokenResponse(
        400,
        json({ error: 'invalid_grant', error_description: 'grant request is invalid' }),
      ),
    ).toEqual({
      kind: 'accepted',
      detail: 'HTTP 400: invalid_grant: grant request is invalid',
    });
    expect(classifyTokenResponse(400, json({ error: 'unauthorized_client' })).kind).toBe('accepted');
    expect(classifyTokenResponse(200, json({ access_token: 'x', token_type: 'Bearer' })).kind).toBe(
      'accepted',
    );
  });

  it('reads invalid_client and HTTP 401 as refused credentials', () => {
    expect(
      classifyTokenResponse(
        401,
        json({ error: 'invalid_client', error_description: 'client authentication failed' }),
      ),
    ).toEqual({
      kind: 'rejected',
      detail: 'HTTP 401: invalid_client: client authentication failed',
      unknownClient: false,
    });
    // Keycloak answers a wrong secret with unauthorized_client and 401.
    expect(
      classifyTokenResponse(
        401,
        json({
          error: 'unauthorized_client',
          error_description: 'Invalid client or Invalid client credentials',
        }),
      ).kind,
    ).toBe('rejected');
    expect(
      classifyTokenResponse(
        400,
        json({
          error: 'invalid_request',
          error_description: 'AADSTS7000215: Invalid client secret provided.',
        }),
      ).kind,
    ).toBe('rejected');
    expect(
      classifyTokenResponse(
        400,
        json({
          error: 'unauthorized_client',
          error_description: "AADSTS700016: Application with identifier 'x' was not found",
        }),
      ),
    ).toMatchObject({ kind: 'rejected', unknownClient: true });
  });

  it('separates broken endpoints from unclear answers', () => {
    expect(classifyTokenResponse(502, '<html>Bad Gateway</html>')).toEqual({
      kind: 'broken',
      detail: 'HTTP 502: Bad Gateway',
    });
    expect(classifyTokenResponse(400, json({ error: 'unsupported_grant_type' })).kind).toBe('unexpected');
  });
});

describe('errorInfo', () => {
  it('reads JSON and HTML errors', () => {
    expect(errorInfo('{"error":"invalid_client","error_description":"nope"}')).toMatchObject({
      error: 'invalid_client',
      description: 'nope',
    });
    expect(errorInfo('<p><b>error</b>: access_denied</p>')).toMatchObject({ error: 'access_denied' });
  });
});
