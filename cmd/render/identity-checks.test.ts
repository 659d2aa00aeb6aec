import { describe, expect, it } from 'vitest';
import { identityCheckLines } from './identity-checks.ts';

describe('identityCheckLines', () => {
  it('lists the checks that did not pass, failures with their fix, skipped ones as skipped', () => {
    expect(
      identityCheckLines([
        { id: 'discovery', status: 'fail', message: 'connection refused', fix: 'start the IdP' },
        { id: 'issuer', status: 'skip', message: 'skipped: discovery failed' },
        { id: 'scopes', status: 'warn', message: "no 'offline'" },
        { id: 'jwks', status: 'pass', message: 'ok' },
      ]),
    ).toEqual([
      '      ✗ discovery (fail): connection refused',
      '          fix: start the IdP',
      '      - issuer (skip): skipped: discovery failed',
      "      ! scopes (warn): no 'offline'",
    ]);
  });
});
