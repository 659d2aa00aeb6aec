import type { DiscoveryDocument } from '../discovery.ts';
import { getFollowing } from '../get-following.ts';
import type { HttpResponse } from '../http.ts';
import { assessJwks } from '../jwks.ts';
import { fail, pass, type Verdict } from '../result.ts';
import { transportVerdict } from '../transport-verdict.ts';
import type { CheckContext } from './context.ts';

export async function checkJwks(
  ctx: CheckContext,
  doc: DiscoveryDocument,
  signal: AbortSignal,
): Promise<Verdict> {
  let res: HttpResponse;
  try {
    res = await getFollowing(doc.jwks_uri, signal, 'application/jwk-set+json, application/json', ctx.ca);
  } catch (err) {
    const v = transportVerdict(err);
    return fail(`cannot fetch jwks_uri ${doc.jwks_uri}: ${v.message}`, v.fix);
  }
  if (res.status !== 200) {
    return fail(`jwks_uri ${doc.jwks_uri} answered HTTP ${res.status}`, ctx.preset.fixes.jwks(ctx.fix));
  }
  const a = assessJwks(res.body);
  if (a.status === 'pass') return pass(a.message);
  return {
    status: a.status,
    message: `jwks_uri ${doc.jwks_uri}: ${a.message}`,
    fix: ctx.preset.fixes.jwks(ctx.fix),
  };
}
