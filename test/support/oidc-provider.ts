import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { type ServingTls, servingTls } from '../../devcluster/serving-tls.ts';

/** A client registered with the test provider (oidc-provider's client metadata names). */
export interface TestClient {
  client_id: string;
  /** Omit for a public client (then token_endpoint_auth_method must be 'none'). */
  client_secret?: string;
  redirect_uris: string[];
  grant_types?: string[];
  response_types?: string[];
  token_endpoint_auth_method?: 'client_secret_basic' | 'client_secret_post' | 'none';
}

export interface TestProviderOptions {
  clients: TestClient[];
  /** Reuse a CA and certificate (e.g. to start several providers with one CA); made when omitted. */
  tls?: ServingTls;
  /** Scopes beyond openid and offline_access and the claim scopes below. */
  scopes?: string[];
  /**
   * Claims by scope, as oidc-provider's `claims` configuration takes them. Defaults to
   * openid (sub), email, profile and groups.
   */
  claims?: Record<string, string[]>;
  /**
   * Sees each request before the provider; return true when it answered, e.g. to serve a
   * broken JWKS while discovery and the other endpoints stay the real provider's.
   */
  intercept?: (req: IncomingMessage, res: ServerResponse) => boolean;
  /**
   * Sign in as this account (and consent to what the client asks) whenever the provider asks
   * for an interaction, as a person at its sign-in page would: for authorization code flows
   * driven by a browser. Without it, the sign-in page is a stub.
   */
  signInAs?: string;
}

export interface TestProvider {
  /** `https://127.0.0.1:PORT`, no trailing slash, as oidc-provider publishes it. */
  issuer: string;
  port: number;
  /** PEM of the CA that signed the provider's certificate. */
  ca: string;
  tls: ServingTls;
  stop(): Promise<void>;
}

const DEFAULT_CLAIMS: Record<string, string[]> = {
  openid: ['sub'],
  email: ['email', 'email_verified'],
  profile: ['name', 'preferred_username'],
  groups: ['groups'],
};

/** The little of oidc-provider's API used here (it ships no type declarations). */
interface ProviderInstance {
  callback(): (req: IncomingMessage, res: ServerResponse) => void;
  interactionDetails(
    req: IncomingMessage,
    res: ServerResponse,
  ): Promise<{ prompt: { name: string }; params: { client_id: string; scope: string }; grantId?: string }>;
  interactionFinished(
    req: IncomingMessage,
    res: ServerResponse,
    result: Record<string, unknown>,
    opts: { mergeWithLastSubmission: boolean },
  ): Promise<void>;
  Grant: new (o: {
    accountId: string;
    clientId: string;
  }) => {
    addOIDCScope(scope: string): void;
    save(): Promise<string>;
  };
}
type ProviderConstructor = new (issuer: string, configuration: Record<string, unknown>) => ProviderInstance;

// A variable specifier keeps tsc from looking for declarations oidc-provider doesn't have;
// the modules are loaded lazily so unit test runs never pay for them.
const PROVIDER_MODULE: string = 'oidc-provider';
const MEMORY_ADAPTER_MODULE: string = 'oidc-provider/lib/adapters/memory_adapter.js';

/**
 * Starts a real OpenID provider (panva's oidc-provider) over TLS on 127.0.0.1 and a free port.
 * Its quick-start pieces that print warnings (dev signing keys, the default memory adapter
 * class, dev interactions, the default error page and account lookup) are replaced by
 * equivalents configured here, so test output stays clean.
 */
export async function startTestProvider(opts: TestProviderOptions): Promise<TestProvider> {
  const [{ default: Provider }, { createMemoryAdapter }, tls] = await Promise.all([
    import(PROVIDER_MODULE) as Promise<{ default: ProviderConstructor }>,
    import(MEMORY_ADAPTER_MODULE) as Promise<{ createMemoryAdapter: () => unknown }>,
    opts.tls ? Promise.resolve(opts.tls) : servingTls(),
  ]);

  // The provider needs its issuer, which needs the port: listen first, attach the handler after.
  let provider: ProviderInstance | undefined;
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  const server: Server = createServer({ cert: tls.cert, key: tls.key }, (req, res) => {
    if (opts.intercept?.(req, res)) return;
    if (req.url?.startsWith('/interaction/'))
      return opts.signInAs && provider
        ? void finishInteraction(provider, opts.signInAs, req, res)
        : loginPage(res);
    if (handler) return handler(req, res);
    res.writeHead(503).end();
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `https://127.0.0.1:${port}`;

  const claims = opts.claims ?? DEFAULT_CLAIMS;
  provider = new Provider(issuer, {
    clients: opts.clients,
    claims,
    scopes: ['openid', 'offline_access', ...(opts.scopes ?? [])],
    jwks: { keys: [signingJwk()] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    // The factory form of the bundled memory adapter: same storage, no "dev-only" warning.
    adapter: createMemoryAdapter(),
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
    },
    interactions: { url: (_ctx: unknown, interaction: { uid: string }) => `/interaction/${interaction.uid}` },
    findAccount: async (_ctx: unknown, sub: string) => ({
      accountId: sub,
      claims: async () => ({ sub, email: `${sub}@example.test`, email_verified: true, groups: ['admins'] }),
    }),
    // Same content as the default error page (error and error_description), minus its notice.
    renderError: async (ctx: { type: string; body: string }, out: Record<string, string>) => {
      ctx.type = 'html';
      ctx.body = `<!DOCTYPE html><html><head><title>oops! something went wrong</title></head><body>${Object.entries(
        out,
      )
        .map(([k, v]) => `<pre><strong>${k}</strong>: ${escapeHtml(v)}</pre>`)
        .join('')}</body></html>`;
    },
    clientBasedCORS: () => false,
    ttl: {
      AccessToken: 600,
      AuthorizationCode: 60,
      ClientCredentials: 600,
      IdToken: 600,
      Interaction: 600,
      Session: 3600,
      Grant: 3600,
      RefreshToken: 3600,
    },
  });
  handler = provider.callback();

  return {
    issuer,
    port,
    ca: tls.ca,
    tls,
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/** The sign-in page's work: the account signs in, then consents to the scopes asked for. */
async function finishInteraction(
  provider: ProviderInstance,
  accountId: string,
  req: IncomingMessage,
  res: ServerResponse,
): Promise<void> {
  try {
    const details = await provider.interactionDetails(req, res);
    if (details.prompt.name === 'login') {
      await provider.interactionFinished(
        req,
        res,
        { login: { accountId } },
        { mergeWithLastSubmission: false },
      );
      return;
    }
    const grant = new provider.Grant({ accountId, clientId: details.params.client_id });
    grant.addOIDCScope(details.params.scope);
    const grantId = await grant.save();
    await provider.interactionFinished(req, res, { consent: { grantId } }, { mergeWithLastSubmission: true });
  } catch (e) {
    res.writeHead(500, { 'content-type': 'text/plain' }).end(String(e));
  }
}

/** An RSA signing key as a private JWK with kid, alg and use, as a production provider publishes. */
function signingJwk(): Record<string, unknown> {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return {
    ...privateKey.export({ format: 'jwk' }),
    kid: randomBytes(8).toString('hex'),
    alg: 'RS256',
    use: 'sig',
  };
}

/** Stands in for the IdP's sign-in page that the authorization endpoint redirects to. */
function loginPage(res: ServerResponse): void {
  res
    .writeHead(200, { 'content-type': 'text/html' })
    .end('<!DOCTYPE html><title>Sign in</title><form></form>');
}

function escapeHtml(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}
