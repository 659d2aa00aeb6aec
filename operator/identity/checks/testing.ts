import type { DiscoveryDocument } from '../discovery.ts';
import { type CheckContext, checkContext, type IdentityConfig } from './context.ts';

/** Test fixtures for the checks: a generic OpenID client and its provider's discovery document. */
export const ISSUER = 'https://idp.example.com';

export function testContext(overrides: Partial<IdentityConfig> = {}): CheckContext {
  return checkContext({
    preset: 'oidc',
    issuer: ISSUER,
    clientId: 'tenantry-acme',
    redirectUri: 'https://tenantry.example.com/oidc/callback',
    ...overrides,
  });
}

export function testDoc(overrides: Partial<DiscoveryDocument> = {}): DiscoveryDocument {
  return {
    issuer: ISSUER,
    authorization_endpoint: `${ISSUER}/auth`,
    token_endpoint: `${ISSUER}/token`,
    jwks_uri: `${ISSUER}/jwks`,
    ...overrides,
  };
}
