import { describe, expect, it } from 'vitest';
import {
  type FixContext,
  getPreset,
  groupsClaimFor,
  issuerShapeHint,
  presets,
  scopesFor,
  unfilledPlaceholders,
} from './presets.ts';

const ctx: FixContext = {
  issuer: 'https://idp.example.com',
  clientId: 'tenantry-acme',
  redirectUri: 'https://tenantry.example.com/oidc/callback',
  groupsClaim: 'groups',
  scopes: ['groups'],
};

describe('presets', () => {
  it('covers every IdP of the Tenant API, in a stable order', () => {
    expect(presets.map((p) => p.id)).toEqual(['okta', 'entra', 'google', 'keycloak', 'auth0', 'oidc']);
  });

  it('looks presets up by id and falls back to generic OIDC', () => {
    expect(getPreset('entra').name).toBe('Microsoft Entra ID');
    expect(getPreset('nope').id).toBe('oidc');
    expect(getPreset(undefined).id).toBe('oidc');
    expect(getPreset('toString').id).toBe('oidc');
  });

  it.each(presets.map((p) => [p.id, p] as const))(
    '%s: its own example issuer has the expected shape',
    (_, p) => {
      expect(issuerShapeHint(p, p.issuerExample)).toBeUndefined();
      expect(p.defaultScopes).toContain('openid');
      expect(p.emailClaim).toBe('email');
    },
  );

  it('knows the issuer shapes, trailing slash included', () => {
    expect(getPreset('auth0').issuerTemplate).toBe('https://{tenant}.auth0.com/');
    expect(issuerShapeHint(getPreset('auth0'), 'https://acme.us.auth0.com')).toMatch(
      /https:\/\/\{tenant\}\.auth0\.com\//,
    );
    expect(issuerShapeHint(getPreset('google'), 'https://accounts.google.com/')).toBeDefined();
    expect(
      issuerShapeHint(getPreset('keycloak'), 'https://sso.example.com/auth/realms/acme'),
    ).toBeUndefined();
    expect(issuerShapeHint(getPreset('okta'), 'https://acme.okta.com')).toBeUndefined();
    expect(
      issuerShapeHint(getPreset('entra'), 'https://login.microsoftonline.com/common/v2.0'),
    ).toBeDefined();
  });

  it('finds placeholders left from a template', () => {
    expect(unfilledPlaceholders('https://login.microsoftonline.com/{tenantId}/v2.0')).toEqual(['{tenantId}']);
    expect(unfilledPlaceholders('https://acme.okta.com/oauth2/default')).toEqual([]);
  });

  it('uses configured scopes and groups claim over the preset', () => {
    expect(scopesFor(getPreset('okta'), undefined)).toEqual(['openid', 'email', 'profile', 'groups']);
    expect(scopesFor(getPreset('entra'), [])).toEqual(['openid', 'email', 'profile']);
    expect(scopesFor(getPreset('okta'), ['openid'])).toEqual(['openid']);
    expect(groupsClaimFor(getPreset('google'), undefined)).toBeUndefined();
    expect(groupsClaimFor(getPreset('keycloak'), 'roles')).toBe('roles');
    expect(groupsClaimFor(getPreset('oidc'), undefined)).toBe('groups');
  });

  it("phrases fixes in the IdP's own terms", () => {
    expect(getPreset('okta').fixes.redirectUri(ctx)).toContain(
      'Applications > Applications > your app > General > Sign-in redirect URIs',
    );
    expect(getPreset('entra').fixes.redirectUri(ctx)).toContain(
      'App registrations > your app > Authentication',
    );
    expect(getPreset('entra').fixes.clientSecret(ctx)).toContain('Certificates & secrets');
    expect(getPreset('keycloak').fixes.redirectUri(ctx)).toContain('Valid redirect URIs');
    expect(getPreset('auth0').fixes.redirectUri(ctx)).toContain('Allowed Callback URLs');
    expect(getPreset('google').fixes.redirectUri(ctx)).toContain('Authorized redirect URIs');
    for (const p of presets) {
      expect(p.fixes.redirectUri(ctx)).toContain(ctx.redirectUri);
      for (const fix of Object.values(p.fixes)) expect(fix(ctx).length).toBeGreaterThan(20);
    }
  });

  it('says which IdPs never list the groups claim in discovery', () => {
    expect(presets.filter((p) => p.listsGroupsClaim).map((p) => p.id)).toEqual(['oidc']);
    expect(getPreset('google').groupsClaim).toBeUndefined();
  });
});
