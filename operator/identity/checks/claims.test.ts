import { describe, expect, it } from 'vitest';
import { checkClaims } from './claims.ts';
import { testContext, testDoc } from './testing.ts';

describe('checkClaims', () => {
  it('warns when the provider publishes no claims_supported, with the groups fix', () => {
    const ctx = testContext();
    expect(checkClaims(ctx, testDoc())).toEqual({
      status: 'warn',
      message:
        "the provider does not publish claims_supported, so 'email' and 'groups' can't be checked before sign-in",
      fix: ctx.preset.fixes.groupsClaim(ctx.fix),
    });
  });

  it('passes when both claims are published', () => {
    const v = checkClaims(testContext(), testDoc({ claims_supported: ['sub', 'email', 'groups'] }));
    expect(v).toEqual({ status: 'pass', message: "'email' and 'groups' published" });
  });

  it('warns about each missing claim when the preset lists its groups claim', () => {
    const ctx = testContext();
    const v = checkClaims(ctx, testDoc({ claims_supported: ['sub'] }));
    expect(v).toEqual({
      status: 'warn',
      message: "'email' is not in claims_supported; the groups claim 'groups' is not in claims_supported",
      fix: `${ctx.preset.fixes.emailClaim(ctx.fix)}. ${ctx.preset.fixes.groupsClaim(ctx.fix)}`,
    });
  });

  it('only notes a groups claim that discovery of the preset never lists', () => {
    const v = checkClaims(testContext({ preset: 'keycloak' }), testDoc({ claims_supported: ['email'] }));
    expect(v.status).toBe('pass');
    expect(v.message).toMatch(
      /^'email' published; 'groups' can't be seen in discovery \(Keycloak lists only standard claims\); it must be set up: /,
    );
  });

  it('notes that Google sends no groups, and warns when a groups claim is configured anyway', () => {
    const doc = testDoc({ claims_supported: ['email'] });
    expect(checkClaims(testContext({ preset: 'google' }), doc)).toEqual({
      status: 'pass',
      message:
        "'email' published; Google Workspace ID tokens carry no group membership; owners are matched by email",
    });
    const v = checkClaims(testContext({ preset: 'google', groupsClaim: 'groups' }), doc);
    expect(v.status).toBe('warn');
    expect(v.message).toBe(
      "'email' published; spec.identity.groupsClaim is 'groups', but Google ID tokens carry no group membership",
    );
  });
});
