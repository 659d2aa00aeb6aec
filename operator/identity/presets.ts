import type { IdentityPreset } from '../api/v1alpha1/index.ts';

export type { IdentityPreset };

/** Values a fix can name, so it reads "add https://… as a redirect URI" rather than "add it". */
export interface FixContext {
  issuer: string;
  clientId: string;
  redirectUri: string;
  groupsClaim: string;
  /** Scopes the check found missing. */
  scopes: string[];
}

type Fix = (c: FixContext) => string;

/** Kinds of misconfiguration a check can attribute, each with a fix in the IdP's own terms. */
export interface PresetFixes {
  /** Wrong issuer URL (discovery not found, or its `issuer` differs). */
  issuer: Fix;
  /** The IdP refused the redirect URI for this client. */
  redirectUri: Fix;
  /** The IdP doesn't know the client id. */
  clientId: Fix;
  /** The token endpoint refused the client secret. */
  clientSecret: Fix;
  /** The client may not use the authorization code flow. */
  codeFlow: Fix;
  /** Requested scopes the IdP doesn't support. */
  scopes: Fix;
  /** The email claim isn't released. */
  emailClaim: Fix;
  /** The groups claim isn't released. */
  groupsClaim: Fix;
  /** No usable signing key in the JWKS. */
  jwks: Fix;
}

export interface Preset {
  id: IdentityPreset;
  /** The IdP's product name. */
  name: string;
  /** Issuer URL with placeholders in braces, as the IdP documents it. */
  issuerTemplate: string;
  /** A filled-in issuer, to show the exact shape (including any trailing slash). */
  issuerExample: string;
  /** Loose shape of a well-formed issuer; a mismatch only adds a hint, it never fails a check. */
  issuerPattern: RegExp;
  /** Scopes requested when spec.identity.scopes is empty. */
  defaultScopes: readonly string[];
  /** Claim with the user's email address. */
  emailClaim: string;
  /** Claim with group membership, if the IdP can put groups in the ID token at all. */
  groupsClaim: string | undefined;
  /**
   * Whether discovery's claims_supported lists the groups claim once it is set up. Most IdPs
   * list only standard claims there, so a missing groups claim is normal for them and the
   * claims check can only point at where it is configured.
   */
  listsGroupsClaim: boolean;
  fixes: PresetFixes;
}

const quoteList = (xs: string[]) => xs.map((x) => `'${x}'`).join(', ');

/** Fixes phrased for any OpenID provider; presets override the ones they can say better. */
const genericFixes: PresetFixes = {
  issuer: (c) =>
    `Set spec.identity.issuer to the issuer your IdP publishes; ${c.issuer.replace(/\/$/, '')}/.well-known/openid-configuration must serve its OpenID configuration`,
  redirectUri: (c) =>
    `Register ${c.redirectUri} as a redirect URI of client '${c.clientId}' in the IdP (exact match)`,
  clientId: (c) =>
    `Client '${c.clientId}' is unknown to ${c.issuer}: copy the client id of the application registered there`,
  clientSecret: (c) =>
    `Copy the current client secret of client '${c.clientId}' from the IdP (it may have been rotated or expired)`,
  codeFlow: (c) => `Allow the authorization code grant for client '${c.clientId}' in the IdP`,
  scopes: (c) => `Enable scopes ${quoteList(c.scopes)} at the IdP, or remove them from spec.identity.scopes`,
  emailClaim: () => `Release the 'email' claim to this client (request the 'email' scope)`,
  groupsClaim: (c) =>
    `Configure the IdP to put group membership in the '${c.groupsClaim}' claim of the ID token, or set spec.identity.groupsClaim to the claim it uses`,
  jwks: () => `The IdP must publish an active RS256 or ES256 signing key with a kid at its jwks_uri`,
};

const okta: Preset = {
  id: 'okta',
  name: 'Okta',
  issuerTemplate: 'https://{yourOktaDomain}/oauth2/default',
  issuerExample: 'https://acme.okta.com/oauth2/default',
  issuerPattern: /^https:\/\/[^/]+(\/oauth2\/[A-Za-z0-9]+)?$/,
  defaultScopes: ['openid', 'email', 'profile', 'groups'],
  emailClaim: 'email',
  groupsClaim: 'groups',
  listsGroupsClaim: false,
  fixes: {
    ...genericFixes,
    issuer: () =>
      'Use the Issuer URI shown in Security > API > Authorization Servers (for example https://{yourOktaDomain}/oauth2/default), or https://{yourOktaDomain} for the org authorization server, exactly and without a trailing slash',
    redirectUri: (c) =>
      `In Applications > Applications > your app > General > Sign-in redirect URIs, add ${c.redirectUri} (exact, case-sensitive match)`,
    clientId: () =>
      'Copy the Client ID from Applications > Applications > your app > General > Client Credentials',
    clientSecret: () =>
      'In Applications > Applications > your app > General > Client Credentials, use Client authentication "Client secret" and copy the current secret (or generate a new one)',
    codeFlow: () =>
      'In Applications > Applications > your app > General > General Settings, enable the Authorization Code grant type',
    scopes: (c) =>
      `Okta rejects unknown scopes with invalid_scope: add ${quoteList(c.scopes)} under Security > API > Authorization Servers > your server > Scopes (and allow them in its Access Policies), or remove them from spec.identity.scopes`,
    groupsClaim: (c) =>
      `In Security > API > Authorization Servers > your server > Claims, add a claim '${c.groupsClaim}' included in the ID Token with value type Groups and a filter (e.g. Matches regex .*); for the org authorization server set the Groups claim filter in Applications > your app > Sign On`,
  },
};

const entra: Preset = {
  id: 'entra',
  name: 'Microsoft Entra ID',
  issuerTemplate: 'https://login.microsoftonline.com/{tenantId}/v2.0',
  issuerExample: 'https://login.microsoftonline.com/72f988bf-86f1-41af-91ab-2d7cd011db47/v2.0',
  issuerPattern:
    /^https:\/\/login\.microsoftonline\.(com|us)\/[0-9a-f]{8}(-[0-9a-f]{4}){3}-[0-9a-f]{12}\/v2\.0$/i,
  // Groups are not a scope in Entra: they come from the app's token configuration.
  defaultScopes: ['openid', 'email', 'profile'],
  emailClaim: 'email',
  groupsClaim: 'groups',
  listsGroupsClaim: false,
  fixes: {
    ...genericFixes,
    issuer: () =>
      "Use https://login.microsoftonline.com/{tenantId}/v2.0 with the Directory (tenant) ID from App registrations > your app > Overview; the 'common' and 'organizations' endpoints publish a placeholder issuer that tokens never match",
    redirectUri: (c) =>
      `In App registrations > your app > Authentication, add ${c.redirectUri} as a Redirect URI of the Web platform (error AADSTS50011 means it is missing)`,
    clientId: (c) =>
      `Copy the Application (client) ID from App registrations > your app > Overview; the app must be registered in the tenant of ${c.issuer} or allow accounts in any organizational directory (error AADSTS700016 means it was not found)`,
    clientSecret: () =>
      'In App registrations > your app > Certificates & secrets > Client secrets, create a new secret and store its Value (not the Secret ID); secrets expire, so check the expiry date (error AADSTS7000215)',
    codeFlow: (c) =>
      `In App registrations > your app > Authentication, register ${c.redirectUri} under the Web platform (not Single-page application or Mobile and desktop), so the code flow with a client secret is allowed`,
    scopes: (c) =>
      `Entra ID's OpenID Connect scopes are openid, profile, email and offline_access: remove ${quoteList(c.scopes)} from spec.identity.scopes (groups come from Token configuration, not a scope)`,
    emailClaim: () =>
      'In App registrations > your app > Token configuration, Add optional claim > ID > email, and request the email scope (users also need an email address in Entra ID)',
    groupsClaim: (c) =>
      `In App registrations > your app > Token configuration, Add groups claim (for example Security groups) so ID tokens carry '${c.groupsClaim}' with group object IDs; users in many groups get an overage reference instead`,
    jwks: () =>
      'Entra ID manages its signing keys; make sure outbound HTTPS to login.microsoftonline.com is not intercepted by a proxy',
  },
};

const google: Preset = {
  id: 'google',
  name: 'Google Workspace',
  issuerTemplate: 'https://accounts.google.com',
  issuerExample: 'https://accounts.google.com',
  issuerPattern: /^https:\/\/accounts\.google\.com$/,
  defaultScopes: ['openid', 'email', 'profile'],
  emailClaim: 'email',
  // Google ID tokens carry no group membership.
  groupsClaim: undefined,
  listsGroupsClaim: false,
  fixes: {
    ...genericFixes,
    issuer: () => 'Use https://accounts.google.com exactly, without a trailing slash',
    redirectUri: (c) =>
      `In Google Cloud console > APIs & Services > Credentials > your OAuth 2.0 Client ID, add ${c.redirectUri} to Authorized redirect URIs (error redirect_uri_mismatch)`,
    clientId: () =>
      'Copy the Client ID (ending in .apps.googleusercontent.com) of a Web application client from Google Cloud console > APIs & Services > Credentials > OAuth 2.0 Client IDs',
    clientSecret: () =>
      'In Google Cloud console > APIs & Services > Credentials > your OAuth 2.0 Client ID, add a client secret and store it (older secrets may have been disabled)',
    codeFlow: () =>
      'Use an OAuth 2.0 Client ID of type Web application (APIs & Services > Credentials); other types cannot use the code flow with a secret',
    scopes: (c) =>
      `Google's OpenID Connect scopes are openid, email and profile: remove ${quoteList(c.scopes)} from spec.identity.scopes`,
    emailClaim: () => "Request the 'email' scope; Google then releases the email claim",
    groupsClaim: () =>
      'Google ID tokens carry no group membership: name tenant owners by email (kind User), or sync groups through SCIM; leave spec.identity.groupsClaim unset',
    jwks: () =>
      'Google manages its signing keys; make sure outbound HTTPS to www.googleapis.com is not intercepted by a proxy',
  },
};

const keycloak: Preset = {
  id: 'keycloak',
  name: 'Keycloak',
  issuerTemplate: 'https://{host}/realms/{realm}',
  issuerExample: 'https://sso.example.com/realms/acme',
  issuerPattern: /^https:\/\/[^/]+(\/[^/]+)*\/realms\/[^/]+$/,
  defaultScopes: ['openid', 'email', 'profile'],
  emailClaim: 'email',
  groupsClaim: 'groups',
  listsGroupsClaim: false,
  fixes: {
    ...genericFixes,
    issuer: () =>
      "Use https://{host}/realms/{realm} (Keycloak before version 17: https://{host}/auth/realms/{realm}); Realm settings > General > Endpoints links the OpenID Endpoint Configuration. Behind a proxy, set Keycloak's hostname option so it publishes its public URL",
    redirectUri: (c) =>
      `In Clients > your client > Settings > Valid redirect URIs, add ${c.redirectUri} (Keycloak answers "Invalid parameter: redirect_uri")`,
    clientId: (c) =>
      `Use the Client ID (not the internal id) of a client under Clients in the realm of ${c.issuer}; clients belong to one realm`,
    clientSecret: () =>
      'In Clients > your client > Settings, turn Client authentication on; then copy the secret from the Credentials tab (Client Authenticator "Client Id and Secret")',
    codeFlow: () => 'In Clients > your client > Settings > Capability config, enable Standard flow',
    scopes: (c) =>
      `Create ${quoteList(c.scopes)} under Client scopes and add them in Clients > your client > Client scopes, or remove them from spec.identity.scopes`,
    emailClaim: () => "In Clients > your client > Client scopes, assign the 'email' client scope as Default",
    groupsClaim: (c) =>
      `In Clients > your client > Client scopes > the client's dedicated scope, Add mapper > By configuration > Group Membership with Token Claim Name '${c.groupsClaim}' and Add to ID token on (Full group path off for plain group names)`,
    jwks: () => 'In Realm settings > Keys, make sure an active RS256 key provider (rsa-generated) is enabled',
  },
};

const auth0: Preset = {
  id: 'auth0',
  name: 'Auth0',
  issuerTemplate: 'https://{tenant}.auth0.com/',
  issuerExample: 'https://acme.us.auth0.com/',
  issuerPattern: /^https:\/\/[^/]+\/$/,
  defaultScopes: ['openid', 'email', 'profile'],
  emailClaim: 'email',
  groupsClaim: 'groups',
  listsGroupsClaim: false,
  fixes: {
    ...genericFixes,
    issuer: () =>
      'Use https://{yourDomain}/ with the trailing slash: the Domain from Applications > Applications > your app > Settings (or your custom domain, if one is configured)',
    redirectUri: (c) =>
      `In Applications > Applications > your app > Settings > Allowed Callback URLs, add ${c.redirectUri} (Auth0 reports "Callback URL mismatch")`,
    clientId: () => 'Copy the Client ID from Applications > Applications > your app > Settings',
    clientSecret: () =>
      'Copy the Client Secret from Applications > Applications > your app > Settings (a Regular Web Application); its authentication method must be Client Secret (Basic or Post)',
    codeFlow: () =>
      'In Applications > Applications > your app > Settings > Advanced Settings > Grant Types, enable Authorization Code',
    scopes: (c) =>
      `Remove ${quoteList(c.scopes)} from spec.identity.scopes; Auth0 adds custom claims through Actions, not OpenID scopes`,
    emailClaim: () => "Request the 'email' scope; the user's connection must provide an email address",
    groupsClaim: (c) =>
      `Auth0 has no built-in groups claim: add a post-login Action that calls api.idToken.setCustomClaim('${c.groupsClaim}', …) with the user's groups or roles`,
  },
};

const oidc: Preset = {
  id: 'oidc',
  name: 'OpenID provider',
  issuerTemplate: 'https://{issuer}',
  issuerExample: 'https://idp.example.com',
  issuerPattern: /^https:\/\//,
  defaultScopes: ['openid', 'email', 'profile', 'groups'],
  emailClaim: 'email',
  groupsClaim: 'groups',
  listsGroupsClaim: true,
  fixes: genericFixes,
};

const PRESETS: Record<IdentityPreset, Preset> = { okta, entra, google, keycloak, auth0, oidc };

/** All presets, in the order a UI would offer them. */
export const presets: readonly Preset[] = [okta, entra, google, keycloak, auth0, oidc];

/** The preset for an id; unknown ids get the generic OpenID preset rather than an error. */
export function getPreset(id: string | undefined): Preset {
  return (id !== undefined && Object.hasOwn(PRESETS, id) ? PRESETS[id as IdentityPreset] : undefined) ?? oidc;
}

/** Scopes to request: the configured ones, or the preset's. */
export function scopesFor(preset: Preset, configured: readonly string[] | undefined): string[] {
  return configured && configured.length > 0 ? [...configured] : [...preset.defaultScopes];
}

/** The groups claim to expect: the configured one, or the preset's (none for Google). */
export function groupsClaimFor(preset: Preset, configured: string | undefined): string | undefined {
  return configured || preset.groupsClaim;
}

/** Placeholders like `{tenantId}` left over from a template. */
export function unfilledPlaceholders(issuer: string): string[] {
  return [...issuer.matchAll(/\{([^}]*)\}/g)].map((m) => m[0]);
}

/**
 * A hint when the issuer doesn't have the preset's usual shape, e.g. an Auth0 issuer without its
 * trailing slash. Undefined when it matches.
 */
export function issuerShapeHint(preset: Preset, issuer: string): string | undefined {
  if (preset.issuerPattern.test(issuer)) return undefined;
  return `${preset.name} issuers look like ${preset.issuerTemplate} (for example ${preset.issuerExample})`;
}
