import https from 'node:https';
import * as client from 'openid-client';
import type { Identity } from '../tenantapi/authenticate.ts';

/** OIDC sign-in against the platform's IdP, and how its ID token maps to a Kubernetes user. */
export interface OidcOptions {
  issuer: string;
  clientId: string;
  /** Absent: a public client (PKCE alone). */
  clientSecret?: string | undefined;
  /** This console's callback, `https://<console>/login/oidc/callback`, as registered at the IdP. */
  redirectUrl: string;
  /** Extra CA certificates (PEM) for an IdP on a private PKI. */
  ca?: string | undefined;
  /** As the API server's --oidc-username-claim (default sub). */
  usernameClaim?: string | undefined;
  /**
   * As --oidc-username-prefix: put before the user name so an IdP's users never pass for
   * cluster users. Default, as Kubernetes: `<issuer>#` unless the claim is email; `-` for none.
   */
  usernamePrefix?: string | undefined;
  /** As --oidc-groups-claim (default groups). */
  groupsClaim?: string | undefined;
  /** As --oidc-groups-prefix (default none). */
  groupsPrefix?: string | undefined;
  scopes?: string[] | undefined;
}

/** What a login keeps between the redirect to the IdP and the callback. */
export interface OidcPending {
  state: string;
  nonce: string;
  verifier: string;
}

export class OidcLoginError extends Error {}

/** A fetch that trusts the extra CA too: openid-client speaks fetch, Node's takes no CA. */
function fetchWithCa(ca: string): client.CustomFetch {
  return (url, options) =>
    new Promise((resolve, reject) => {
      const req = https.request(
        url,
        {
          method: options.method,
          headers: options.headers as Record<string, string>,
          ca,
          ...(options.signal ? { signal: options.signal } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => {
            const headers = new Headers();
            for (const [k, v] of Object.entries(res.headers))
              for (const one of Array.isArray(v) ? v : v === undefined ? [] : [v]) headers.append(k, one);
            resolve(new Response(Buffer.concat(chunks), { status: res.statusCode ?? 500, headers }));
          });
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      const body = options.body;
      req.end(body instanceof URLSearchParams ? body.toString() : (body as string | Buffer | undefined));
    });
}

/**
 * The claims of an ID token as the API server's OIDC authenticator would take them: the user
 * from the username claim with its prefix (an email only when email_verified is true or
 * absent), the groups from the groups claim with theirs. A claim missing is an error naming
 * it. The console's IdP need not be one the API server trusts, and the SubjectAccessReviews
 * believe whatever identity is built here: so a user or group in Kubernetes' reserved
 * `system:` space (system:masters, a service account) is refused, whatever the prefixes.
 */
export function identityFromClaims(claims: Record<string, unknown>, o: OidcOptions): Identity {
  const claim = o.usernameClaim ?? 'sub';
  const name = claims[claim];
  if (typeof name !== 'string' || name === '')
    throw new OidcLoginError(
      `the ID token has no "${claim}" claim (the console's --console-oidc-username-claim)`,
    );
  if (claim === 'email' && claims.email_verified !== undefined && claims.email_verified !== true)
    throw new OidcLoginError(
      `the ID token's email_verified is ${JSON.stringify(claims.email_verified)}, not true; an unverified email is no user name`,
    );
  // Empty is unset, as for the API server: the default prefix.
  const given = o.usernamePrefix === '' ? undefined : o.usernamePrefix;
  const prefix = given === '-' ? '' : (given ?? (claim === 'email' ? '' : `${o.issuer}#`));
  const groupsClaim = o.groupsClaim ?? 'groups';
  const raw = claims[groupsClaim];
  const groups = (Array.isArray(raw) ? raw : typeof raw === 'string' ? [raw] : []).filter(
    (g): g is string => typeof g === 'string',
  );
  const user = `${prefix}${name}`;
  const mapped = groups.map((g) => `${o.groupsPrefix ?? ''}${g}`);
  const reserved = [user, ...mapped].find((n) => n.startsWith('system:'));
  if (reserved !== undefined)
    throw new OidcLoginError(
      `the ID token maps to "${reserved}", a name Kubernetes reserves (system:); set a prefix (--console-oidc-username-prefix, --console-oidc-groups-prefix) or fix the claim`,
    );
  return { user, groups: [...mapped, 'system:authenticated'], extra: {}, via: 'token' };
}

/** The authorization code flow with PKCE (S256), state and nonce, through openid-client. */
export class OidcSignIn {
  private config: Promise<client.Configuration> | undefined;
  readonly options: OidcOptions;

  constructor(options: OidcOptions) {
    this.options = options;
  }

  private configuration(): Promise<client.Configuration> {
    const o = this.options;
    this.config ??= client
      .discovery(
        new URL(o.issuer),
        o.clientId,
        o.clientSecret ? { client_secret: o.clientSecret } : { token_endpoint_auth_method: 'none' },
        o.clientSecret ? client.ClientSecretBasic(o.clientSecret) : client.None(),
        o.ca ? { [client.customFetch]: fetchWithCa(o.ca) } : {},
      )
      .catch((e: unknown) => {
        // Not cached: the IdP may answer next time.
        this.config = undefined;
        throw e;
      });
    return this.config;
  }

  /** Where to send the browser, and what to keep until it comes back. */
  async start(): Promise<{ url: string; pending: OidcPending }> {
    const config = await this.configuration();
    const pending = {
      state: client.randomState(),
      nonce: client.randomNonce(),
      verifier: client.randomPKCECodeVerifier(),
    };
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: this.options.redirectUrl,
      scope: (this.options.scopes ?? ['openid', 'email', 'profile', 'groups']).join(' '),
      state: pending.state,
      nonce: pending.nonce,
      code_challenge: await client.calculatePKCECodeChallenge(pending.verifier),
      code_challenge_method: 'S256',
    });
    return { url: url.href, pending };
  }

  /** The callback: the code exchanged (checked against state, nonce and verifier), the user mapped. */
  async finish(callbackUrl: URL, pending: OidcPending): Promise<Identity> {
    const config = await this.configuration();
    const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
      pkceCodeVerifier: pending.verifier,
      expectedState: pending.state,
      expectedNonce: pending.nonce,
      idTokenExpected: true,
    });
    const claims = tokens.claims();
    if (!claims) throw new OidcLoginError('the IdP returned no ID token');
    return identityFromClaims(claims as Record<string, unknown>, this.options);
  }
}
