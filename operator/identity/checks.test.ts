import { describe, expect, it } from 'vitest';
import { IDENTITY_CHECKS, runIdentityChecks } from './checks.ts';

// Cases that are refused before any request is sent; the real provider is in
// test/integration/identity-checks.test.ts.
const base = {
  preset: 'entra' as const,
  issuer: 'https://login.microsoftonline.com/{tenantId}/v2.0',
  clientId: 'app',
  clientSecret: 'super-secret-value',
  redirectUri: 'https://tenantry.example.com/oidc/callback',
};

describe('runIdentityChecks without a reachable provider', () => {
  it('fails discovery for a template placeholder left in the issuer, and skips the rest', async () => {
    const results = await runIdentityChecks(base);
    expect(results.map((r) => r.id)).toEqual(IDENTITY_CHECKS.map((c) => c.id));
    expect(results[0]).toMatchObject({
      id: 'discovery',
      status: 'fail',
      message:
        "the issuer 'https://login.microsoftonline.com/{tenantId}/v2.0' still contains the placeholder {tenantId}",
      fix: expect.stringContaining('Directory (tenant) ID'),
    });
    for (const r of results.slice(1))
      expect(r).toMatchObject({ status: 'skip', message: 'skipped: discovery failed' });
  });

  it('refuses a plain http issuer', async () => {
    const results = await runIdentityChecks({ ...base, preset: 'oidc', issuer: 'http://idp.example.com' });
    expect(results[0]).toMatchObject({
      status: 'fail',
      message:
        'cannot fetch http://idp.example.com/.well-known/openid-configuration: http://idp.example.com/.well-known/openid-configuration is not an https:// URL',
      fix: expect.stringContaining('https://'),
    });
  });
});
