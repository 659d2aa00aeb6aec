import { describe, expect, it } from 'vitest';
import { discoveryUrl, parseDiscovery } from './discovery.ts';

const valid = {
  issuer: 'https://idp.example.com',
  authorization_endpoint: 'https://idp.example.com/auth',
  token_endpoint: 'https://idp.example.com/token',
  jwks_uri: 'https://idp.example.com/jwks',
  response_types_supported: ['code'],
  subject_types_supported: ['public'],
  id_token_signing_alg_values_supported: ['RS256'],
  scopes_supported: ['openid', 'email'],
};

describe('discoveryUrl', () => {
  it('drops one trailing slash before the well-known path (Auth0 issuers end in /)', () => {
    expect(discoveryUrl('https://acme.us.auth0.com/')).toBe(
      'https://acme.us.auth0.com/.well-known/openid-configuration',
    );
    expect(discoveryUrl('https://sso.example.com/realms/acme')).toBe(
      'https://sso.example.com/realms/acme/.well-known/openid-configuration',
    );
  });
});

describe('parseDiscovery', () => {
  it('accepts a complete document', () => {
    const p = parseDiscovery(JSON.stringify(valid));
    expect(p.errors).toEqual([]);
    expect(p.warnings).toEqual([]);
    expect(p.doc?.scopes_supported).toEqual(['openid', 'email']);
  });

  it('refuses non-JSON and documents without the endpoints Tenantry uses', () => {
    expect(parseDiscovery('<html>').errors).toEqual(['the response is not JSON']);
    expect(parseDiscovery('[]').errors).toEqual(['the response is not a JSON object']);
    const p = parseDiscovery(
      JSON.stringify({ ...valid, jwks_uri: undefined, token_endpoint: 'http://idp/token' }),
    );
    expect(p.doc).toBeUndefined();
    expect(p.errors).toEqual([
      "token_endpoint 'http://idp/token' is not an https:// URL",
      'jwks_uri is missing',
    ]);
  });

  it('warns about spec deviations that sign-in may survive', () => {
    const p = parseDiscovery(
      JSON.stringify({
        ...valid,
        response_types_supported: ['id_token'],
        subject_types_supported: undefined,
        claims_supported: 'email',
      }),
    );
    expect(p.doc).toBeDefined();
    expect(p.doc?.claims_supported).toBeUndefined();
    expect(p.warnings).toEqual([
      'claims_supported is not a list of strings; ignored',
      'subject_types_supported is missing',
      "response_types_supported lacks 'code' (the authorization code flow)",
    ]);
  });
});
