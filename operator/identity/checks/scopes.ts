import type { DiscoveryDocument } from '../discovery.ts';
import { scopesFor } from '../presets.ts';
import { fail, pass, type Verdict, warn } from '../result.ts';
import type { CheckContext } from './context.ts';

/** Judged from the discovery document alone. */
export function checkScopes(ctx: CheckContext, doc: DiscoveryDocument): Verdict {
  const requested = scopesFor(ctx.preset, ctx.config.scopes);
  if (!requested.includes('openid')) {
    return fail(
      `the requested scopes (${requested.join(' ')}) lack 'openid', so the provider would not issue an ID token`,
      "Add 'openid' to spec.identity.scopes",
    );
  }
  const supported = doc.scopes_supported;
  if (!supported) {
    return warn(
      `the provider does not publish scopes_supported, so the requested scopes (${requested.join(' ')}) can't be checked before sign-in`,
    );
  }
  if (!supported.includes('openid')) {
    return fail(
      "the provider's scopes_supported lacks 'openid': it does not act as an OpenID provider at this issuer",
      ctx.preset.fixes.issuer(ctx.fix),
    );
  }
  const missing = requested.filter((s) => !supported.includes(s));
  if (missing.length > 0) {
    return warn(
      `the provider does not list ${missing.map((s) => `'${s}'`).join(', ')} in scopes_supported (requested: ${requested.join(' ')})`,
      ctx.preset.fixes.scopes({ ...ctx.fix, scopes: missing }),
    );
  }
  return pass(`all requested scopes are supported: ${requested.join(' ')}`);
}
