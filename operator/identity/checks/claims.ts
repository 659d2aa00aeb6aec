import type { DiscoveryDocument } from '../discovery.ts';
import { groupsClaimFor } from '../presets.ts';
import { pass, type Verdict, warn } from '../result.ts';
import type { CheckContext } from './context.ts';

/** Judged from the discovery document alone. */
export function checkClaims(ctx: CheckContext, doc: DiscoveryDocument): Verdict {
  const { preset } = ctx;
  const email = preset.emailClaim;
  const groups = groupsClaimFor(preset, ctx.config.groupsClaim);
  const groupsFix = preset.fixes.groupsClaim(ctx.fix);
  const supported = doc.claims_supported;
  if (!supported) {
    return warn(
      `the provider does not publish claims_supported, so '${email}'${groups ? ` and '${groups}'` : ''} can't be checked before sign-in`,
      groups ? groupsFix : preset.fixes.emailClaim(ctx.fix),
    );
  }
  const found: string[] = [];
  const warnings: string[] = [];
  const fixes: string[] = [];
  const notes: string[] = [];
  if (supported.includes(email)) found.push(`'${email}'`);
  else {
    warnings.push(`'${email}' is not in claims_supported`);
    fixes.push(preset.fixes.emailClaim(ctx.fix));
  }
  if (groups === undefined) {
    notes.push(`${preset.name} ID tokens carry no group membership; owners are matched by email`);
  } else if (preset.id === 'google') {
    // Only reachable when spec.identity.groupsClaim is set: Google never sends one.
    warnings.push(`spec.identity.groupsClaim is '${groups}', but Google ID tokens carry no group membership`);
    fixes.push(groupsFix);
  } else if (supported.includes(groups)) {
    found.push(`'${groups}'`);
  } else if (preset.listsGroupsClaim) {
    warnings.push(`the groups claim '${groups}' is not in claims_supported`);
    fixes.push(groupsFix);
  } else {
    // Okta, Entra, Keycloak and Auth0 list only standard claims there: absence proves nothing.
    notes.push(
      `'${groups}' can't be seen in discovery (${preset.name} lists only standard claims); it must be set up: ${groupsFix}`,
    );
  }
  const head = found.length > 0 ? `${found.join(' and ')} published` : '';
  const message = [head, ...warnings, ...notes].filter(Boolean).join('; ');
  return warnings.length > 0 ? warn(message, fixes.join('. ')) : pass(message);
}
