import { type FrontProxyConfig, isFrontProxy, type Peer } from './front-proxy.ts';
import { StatusError } from './status.ts';

/** Who is calling, as the API server authenticated them. */
export interface Identity {
  user: string;
  uid?: string;
  groups: string[];
  extra: Record<string, string[]>;
  /** How: forwarded by the aggregation layer, or a bearer token sent to the operator directly. */
  via: 'front-proxy' | 'token';
}

/** Asks the API server whose a bearer token is (a TokenReview); undefined when it is no one's. */
export interface TokenReviewer {
  review(token: string): Promise<Identity | undefined>;
}

/** Request headers, lower-case names, every value of a repeated header kept apart. */
export type Headers = Readonly<Record<string, readonly string[] | undefined>>;

/** The identity headers of the usual configuration, refused off the front proxy whatever the cluster names. */
const STANDARD = {
  user: 'x-remote-user',
  uid: 'x-remote-uid',
  group: 'x-remote-group',
  extraPrefix: 'x-remote-extra-',
};

const lower = (names: readonly string[]) => names.map((n) => n.toLowerCase());

/** Names of the identity headers present in the request (names only: values never leave here). */
function identityHeadersIn(headers: Headers, cfg: FrontProxyConfig): string[] {
  const exact = new Set([
    STANDARD.user,
    STANDARD.uid,
    STANDARD.group,
    ...lower(cfg.usernameHeaders),
    ...lower(cfg.uidHeaders),
    ...lower(cfg.groupHeaders),
  ]);
  const prefixes = [STANDARD.extraPrefix, ...lower(cfg.extraHeaderPrefixes)];
  return Object.keys(headers).filter((h) => exact.has(h) || prefixes.some((p) => h.startsWith(p)));
}

const first = (headers: Headers, names: readonly string[]) =>
  lower(names)
    .map((n) => headers[n]?.find((v) => v !== ''))
    .find((v) => v !== undefined);

/** The extra key of a header after its prefix: lower case, %-escapes decoded (as Kubernetes sends them). */
function extraKey(rest: string): string {
  try {
    return decodeURIComponent(rest);
  } catch {
    return rest;
  }
}

/**
 * The identity the aggregation layer forwards. It always stamps X-Remote-User, -Uid, -Group and
 * -Extra-* (removing whatever the caller sent under those names), whatever header names the
 * cluster's front proxy is configured with, and passes any other header through untouched: so
 * only those names are read here, and a configured name like X-Forwarded-Groups, which a
 * caller could send through the aggregator herself, never is.
 */
function forwardedIdentity(headers: Headers): Identity {
  const user = first(headers, [STANDARD.user]);
  if (user === undefined)
    throw new StatusError('Unauthorized', `the front proxy sent no user (no ${STANDARD.user} header)`);
  const uid = first(headers, [STANDARD.uid]);
  const groups = (headers[STANDARD.group] ?? []).filter((v) => v !== '');
  const extra: Record<string, string[]> = {};
  for (const [name, values] of Object.entries(headers)) {
    if (!name.startsWith(STANDARD.extraPrefix) || !values) continue;
    const key = extraKey(name.slice(STANDARD.extraPrefix.length));
    extra[key] = [...(extra[key] ?? []), ...values];
  }
  return { user, ...(uid !== undefined ? { uid } : {}), groups, extra, via: 'front-proxy' };
}

/**
 * Authenticates a request. Identity headers count only on the front proxy's connection (see
 * isFrontProxy); anywhere else their mere presence is refused, so a forged X-Remote-User is
 * never mistaken for, or silently dropped in favour of, another credential. Off the proxy, a
 * bearer token is checked with a TokenReview. Failures are 401 `Status` errors that name the
 * headers involved, never their values.
 */
export async function authenticate(
  headers: Headers,
  peer: Peer,
  cfg: FrontProxyConfig,
  reviewer: TokenReviewer,
): Promise<Identity> {
  if (isFrontProxy(peer, cfg)) return forwardedIdentity(headers);
  const forged = identityHeadersIn(headers, cfg);
  if (forged.length)
    throw new StatusError(
      'Unauthorized',
      `identity headers (${forged.join(', ')}) are accepted only from the Kubernetes API server's front proxy, over a connection with its client certificate; call the tenant API through the API server (kubectl get --raw /apis/api.tenantry.dev/v1alpha1/...)`,
    );
  const authorization = headers.authorization?.[0];
  if (authorization === undefined)
    throw new StatusError(
      'Unauthorized',
      'no credentials: call the tenant API through the Kubernetes API server (kubectl get --raw /apis/api.tenantry.dev/v1alpha1/...) or send a bearer token',
    );
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
  if (!m?.[1]) throw new StatusError('Unauthorized', 'the Authorization header must be "Bearer <token>"');
  const who = await reviewer.review(m[1]);
  if (!who)
    throw new StatusError(
      'Unauthorized',
      'the bearer token is not valid (the API server did not authenticate it)',
    );
  return who;
}
