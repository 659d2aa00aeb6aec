import { checkClaims } from './checks/claims.ts';
import { attributeUnknownClient, checkClientCredentials } from './checks/client-credentials.ts';
import { checkContext, type IdentityCheckOptions, type IdentityConfig } from './checks/context.ts';
import { type Discovery, discover } from './checks/discovery.ts';
import { checkIssuer } from './checks/issuer.ts';
import { checkJwks } from './checks/jwks.ts';
import { checkRedirectUri } from './checks/redirect-uri.ts';
import { checkScopes } from './checks/scopes.ts';
import type { AuthorizationOutcome } from './classify.ts';
import { assessClockSkew } from './clock.ts';
import { withDeadline } from './deadline.ts';
import { type DiscoveryDocument, discoveryUrl } from './discovery.ts';
import { type CheckResult, redact, SKIPPED_DISCOVERY, skip, toResult, type Verdict } from './result.ts';
import { transportVerdict } from './transport-verdict.ts';

export type { IdentityCheckOptions, IdentityConfig } from './checks/context.ts';
export type { CheckResult, CheckStatus } from './result.ts';
export { type IdentityVerdict, summarize } from './summarize.ts';

/** The checks, in the order results are returned. */
export const IDENTITY_CHECKS = [
  { id: 'discovery', title: 'OpenID configuration reachable' },
  { id: 'issuer', title: 'Issuer matches' },
  { id: 'jwks', title: 'Signing keys published' },
  { id: 'scopes', title: 'Scopes supported' },
  { id: 'claims', title: 'Email and groups claims' },
  { id: 'redirectUri', title: 'Redirect URI accepted' },
  { id: 'clientCredentials', title: 'Client credentials valid' },
  { id: 'clockSkew', title: 'Clock in sync' },
] as const;

export type IdentityCheckId = (typeof IDENTITY_CHECKS)[number]['id'];

/**
 * Runs the identity checks: discovery first, then the checks that need its document in
 * parallel, each with its own timeout. Never throws; results come in IDENTITY_CHECKS order.
 */
export async function runIdentityChecks(
  config: IdentityConfig,
  opts: IdentityCheckOptions = {},
): Promise<CheckResult[]> {
  const ctx = checkContext(config, opts);

  const discoveryTarget = `cannot fetch ${discoveryUrl(config.issuer)}`;
  const discovery = withDeadline<Discovery>(
    ctx.timeoutMs,
    (signal) => discover(ctx, signal),
    (err) => ({ verdict: transportVerdict(err, discoveryTarget) }),
  );
  const needsDoc = (
    what: string,
    run: (doc: DiscoveryDocument, signal: AbortSignal) => Promise<Verdict> | Verdict,
  ) =>
    discovery.then((d) =>
      d.doc
        ? withDeadline(
            ctx.timeoutMs,
            async (signal) => run(d.doc as DiscoveryDocument, signal),
            (err) => transportVerdict(err, what),
          )
        : skip(SKIPPED_DISCOVERY),
    );

  let authorization: AuthorizationOutcome | undefined;
  const verdicts: Record<IdentityCheckId, Promise<Verdict>> = {
    discovery: discovery.then((d) => d.verdict),
    issuer: needsDoc('issuer', (doc) => checkIssuer(ctx, doc)),
    jwks: needsDoc('cannot fetch jwks_uri', (doc, signal) => checkJwks(ctx, doc, signal)),
    scopes: needsDoc('scopes', (doc) => checkScopes(ctx, doc)),
    claims: needsDoc('claims', (doc) => checkClaims(ctx, doc)),
    redirectUri: needsDoc('cannot reach the authorization endpoint', async (doc, signal) => {
      const { verdict, outcome } = await checkRedirectUri(ctx, doc, signal);
      authorization = outcome;
      return verdict;
    }),
    clientCredentials: needsDoc('cannot reach the token endpoint', (doc, signal) =>
      checkClientCredentials(ctx, doc, signal),
    ),
    clockSkew: discovery.then((d) =>
      d.clock ? assessClockSkew(d.clock.date, d.clock.receivedAt) : skip(SKIPPED_DISCOVERY),
    ),
  };
  const settled = await Promise.all(IDENTITY_CHECKS.map((c) => verdicts[c.id]));
  let results = IDENTITY_CHECKS.map((c, i) => toResult(c.id, c.title, settled[i] as Verdict));
  results = attributeUnknownClient(ctx, results, authorization);
  return redact(results, [config.clientSecret]);
}
