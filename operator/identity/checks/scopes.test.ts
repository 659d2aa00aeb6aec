import { describe, expect, it } from 'vitest';
import { checkScopes } from './scopes.ts';
import { testContext, testDoc } from './testing.ts';

describe('checkScopes', () => {
  it("fails requested scopes without 'openid' before looking at the provider", () => {
    expect(checkScopes(testContext({ scopes: ['email'] }), testDoc())).toEqual({
      status: 'fail',
      message: "the requested scopes (email) lack 'openid', so the provider would not issue an ID token",
      fix: "Add 'openid' to spec.identity.scopes",
    });
  });

  it('warns, without a fix, when the provider publishes no scopes_supported', () => {
    expect(checkScopes(testContext(), testDoc())).toEqual({
      status: 'warn',
      message:
        "the provider does not publish scopes_supported, so the requested scopes (openid email profile groups) can't be checked before sign-in",
      fix: undefined,
    });
  });

  it("fails a provider whose scopes_supported lacks 'openid'", () => {
    const v = checkScopes(testContext(), testDoc({ scopes_supported: ['email'] }));
    expect(v.status).toBe('fail');
    expect(v.message).toContain("scopes_supported lacks 'openid'");
  });

  it('warns about the missing scopes only, with a fix naming them', () => {
    const ctx = testContext();
    const v = checkScopes(ctx, testDoc({ scopes_supported: ['openid', 'email', 'profile'] }));
    expect(v).toEqual({
      status: 'warn',
      message:
        "the provider does not list 'groups' in scopes_supported (requested: openid email profile groups)",
      fix: ctx.preset.fixes.scopes({ ...ctx.fix, scopes: ['groups'] }),
    });
  });

  it('passes when every requested scope is supported', () => {
    const v = checkScopes(
      testContext({ scopes: ['openid', 'email'] }),
      testDoc({ scopes_supported: ['openid', 'email'] }),
    );
    expect(v).toEqual({ status: 'pass', message: 'all requested scopes are supported: openid email' });
  });
});
