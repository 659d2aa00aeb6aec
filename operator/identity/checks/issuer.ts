import type { DiscoveryDocument } from '../discovery.ts';
import { fail, pass, type Verdict } from '../result.ts';
import type { CheckContext } from './context.ts';

export function checkIssuer(ctx: CheckContext, doc: DiscoveryDocument): Verdict {
  const configured = ctx.config.issuer;
  const published = doc.issuer;
  if (published === configured) return pass(`the identity provider's issuer is ${published}`);
  const presetFix = ctx.preset.fixes.issuer(ctx.fix);
  if (published.replace(/\/$/, '') === configured.replace(/\/$/, '')) {
    return fail(
      `the identity provider publishes issuer '${published}' but spec.identity.issuer is '${configured}': they differ only by the trailing slash`,
      `Set spec.identity.issuer to '${published}' exactly: ID tokens carry iss '${published}' and it is compared character for character, so the trailing slash matters`,
    );
  }
  if (/\{[^}]*\}/.test(published)) {
    return fail(
      `the identity provider publishes the templated issuer '${published}' (a multi-tenant endpoint), which no ID token matches`,
      presetFix,
    );
  }
  return fail(
    `the identity provider publishes issuer '${published}', not '${configured}'`,
    `Set spec.identity.issuer to '${published}' if that is the provider's public URL. ${presetFix}`,
  );
}
