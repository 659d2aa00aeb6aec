import { describe, expect, it } from 'vitest';
import { checkIssuer } from './issuer.ts';
import { ISSUER, testContext, testDoc } from './testing.ts';

describe('checkIssuer', () => {
  it('passes when the published issuer is the configured one exactly', () => {
    expect(checkIssuer(testContext(), testDoc())).toEqual({
      status: 'pass',
      message: `the identity provider's issuer is ${ISSUER}`,
    });
  });

  it('names the trailing slash when that is the only difference', () => {
    const v = checkIssuer(testContext(), testDoc({ issuer: `${ISSUER}/` }));
    expect(v).toMatchObject({
      status: 'fail',
      message: `the identity provider publishes issuer '${ISSUER}/' but spec.identity.issuer is '${ISSUER}': they differ only by the trailing slash`,
    });
    expect(v.fix).toContain(`Set spec.identity.issuer to '${ISSUER}/' exactly`);
  });

  it("refuses a templated multi-tenant issuer with the preset's issuer fix", () => {
    const ctx = testContext({ preset: 'entra', issuer: 'https://login.microsoftonline.com/common/v2.0' });
    const v = checkIssuer(ctx, testDoc({ issuer: 'https://login.microsoftonline.com/{tenantid}/v2.0' }));
    expect(v).toMatchObject({
      status: 'fail',
      message:
        "the identity provider publishes the templated issuer 'https://login.microsoftonline.com/{tenantid}/v2.0' (a multi-tenant endpoint), which no ID token matches",
      fix: ctx.preset.fixes.issuer(ctx.fix),
    });
  });

  it('suggests the published issuer when it is another URL', () => {
    const v = checkIssuer(testContext(), testDoc({ issuer: 'https://internal.example.com' }));
    expect(v.status).toBe('fail');
    expect(v.message).toBe(
      `the identity provider publishes issuer 'https://internal.example.com', not '${ISSUER}'`,
    );
    expect(v.fix).toMatch(/^Set spec.identity.issuer to 'https:\/\/internal.example.com' if that is/);
  });
});
