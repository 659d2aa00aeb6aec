import { type DiscoveryDocument, discoveryUrl, parseDiscovery } from '../discovery.ts';
import { getFollowing } from '../get-following.ts';
import type { HttpResponse } from '../http.ts';
import { issuerShapeHint, unfilledPlaceholders } from '../presets.ts';
import { fail, pass, type Verdict, warn } from '../result.ts';
import { transportVerdict } from '../transport-verdict.ts';
import type { CheckContext } from './context.ts';

/** The discovery check's verdict, and what the checks after it need from it. */
export interface Discovery {
  verdict: Verdict;
  doc?: DiscoveryDocument;
  /** The Date header of the discovery response and the local time it arrived, if one arrived. */
  clock?: { date: string | undefined; receivedAt: number };
}

export async function discover(ctx: CheckContext, signal: AbortSignal): Promise<Discovery> {
  const { issuer } = ctx.config;
  const issuerFix = withHint(ctx.preset.fixes.issuer(ctx.fix), issuerShapeHint(ctx.preset, issuer));
  const placeholders = unfilledPlaceholders(issuer);
  if (placeholders.length > 0) {
    return {
      verdict: fail(
        `the issuer '${issuer}' still contains the placeholder${placeholders.length > 1 ? 's' : ''} ${placeholders.join(', ')}`,
        `Replace ${placeholders.join(', ')} in spec.identity.issuer. ${ctx.preset.fixes.issuer(ctx.fix)}`,
      ),
    };
  }
  const url = discoveryUrl(issuer);
  let res: HttpResponse;
  try {
    res = await getFollowing(url, signal, 'application/json', ctx.ca);
  } catch (err) {
    const v = transportVerdict(err);
    return { verdict: fail(`cannot fetch ${url}: ${v.message}`, v.fix) };
  }
  const clock = { date: res.headers.date, receivedAt: ctx.now() };
  if (res.status !== 200) {
    return {
      verdict: fail(`${url} answered HTTP ${res.status}, not the OpenID configuration`, issuerFix),
      clock,
    };
  }
  const parsed = parseDiscovery(res.body);
  if (!parsed.doc) {
    return {
      verdict: fail(`${url} is not a usable OpenID configuration: ${parsed.errors.join('; ')}`, issuerFix),
      clock,
    };
  }
  if (parsed.warnings.length > 0) {
    return {
      verdict: warn(
        `OpenID configuration found at ${url}, with deviations from the spec: ${parsed.warnings.join('; ')}`,
        `Usually nothing to change in Tenantry; if sign-in fails, check the provider's OpenID Connect settings`,
      ),
      doc: parsed.doc,
      clock,
    };
  }
  return { verdict: pass(`OpenID configuration found at ${url}`), doc: parsed.doc, clock };
}

function withHint(fix: string, hint: string | undefined): string {
  return hint ? `${fix} (${hint})` : fix;
}
