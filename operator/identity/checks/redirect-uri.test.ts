import { describe, expect, it } from 'vitest';
import type { AuthorizationOutcome } from '../classify.ts';
import { redirectUriVerdict } from './redirect-uri.ts';
import { testContext } from './testing.ts';

const ctx = testContext();
const fixes = ctx.preset.fixes;
const requestUrl = 'https://idp.example.com/auth?client_id=tenantry-acme';
const subject = "redirect URI https://tenantry.example.com/oidc/callback for client 'tenantry-acme'";
const verdict = (outcome: AuthorizationOutcome) => redirectUriVerdict(ctx, outcome, requestUrl);

describe('redirectUriVerdict', () => {
  it('passes when the provider starts its sign-in or calls back', () => {
    expect(verdict({ kind: 'login', detail: 'login page' })).toEqual({
      status: 'pass',
      message: `the provider accepted ${subject} (login page)`,
    });
    expect(verdict({ kind: 'callback', detail: 'back' }).status).toBe('pass');
  });

  it('attributes each refusal to its own fix', () => {
    expect(verdict({ kind: 'redirectRejected', detail: 'mismatch' })).toEqual({
      status: 'fail',
      message: `the provider rejected ${subject}: mismatch`,
      fix: fixes.redirectUri(ctx.fix),
    });
    expect(verdict({ kind: 'clientRejected', detail: 'unknown' })).toEqual({
      status: 'fail',
      message: "the provider does not know client 'tenantry-acme': unknown",
      fix: fixes.clientId(ctx.fix),
    });
    expect(verdict({ kind: 'codeFlowRejected', detail: 'no code' }).fix).toBe(fixes.codeFlow(ctx.fix));
  });

  it('offers a scopes fix only for invalid_scope at the callback', () => {
    expect(verdict({ kind: 'callbackError', detail: 'bad scope', error: 'invalid_scope' })).toMatchObject({
      status: 'warn',
      fix: fixes.scopes({ ...ctx.fix, scopes: ['openid'] }),
    });
    expect(verdict({ kind: 'callbackError', detail: 'bad request', error: 'invalid_request' })).toEqual({
      status: 'warn',
      message: `the provider accepted ${subject} but reported a problem: bad request`,
      fix: undefined,
    });
  });

  it('points an unexplained error at the request URL', () => {
    const v = verdict({ kind: 'error', detail: 'HTTP 400' });
    expect(v.message).toBe('the authorization endpoint refused the sign-in request: HTTP 400');
    expect(v.fix).toMatch(/^Open https:\/\/idp.example.com\/auth\?client_id=tenantry-acme in a browser/);
  });
});
