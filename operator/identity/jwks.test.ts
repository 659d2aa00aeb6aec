import { describe, expect, it } from 'vitest';
import { assessJwks, unusableReason } from './jwks.ts';

const rsa = { kty: 'RSA', kid: 'k1', alg: 'RS256', use: 'sig', n: 'abc', e: 'AQAB' };
const ec = { kty: 'EC', kid: 'k2', crv: 'P-256', x: 'x', y: 'y' };

describe('assessJwks', () => {
  it('passes with a usable RSA or EC signing key', () => {
    expect(assessJwks(JSON.stringify({ keys: [rsa] }))).toEqual({
      status: 'pass',
      message: '1 usable signing key (RS256 kid k1)',
    });
    expect(assessJwks(JSON.stringify({ keys: [ec, { ...rsa, use: 'enc' }] })).status).toBe('pass');
  });

  it('fails without usable keys, saying why each key is unusable', () => {
    expect(assessJwks('nope')).toMatchObject({ status: 'fail', message: 'the JWKS response is not JSON' });
    expect(assessJwks('{}')).toMatchObject({ status: 'fail', message: "the JWKS has no 'keys' array" });
    expect(assessJwks('{"keys":[]}')).toMatchObject({ status: 'fail', message: 'the JWKS has no keys' });
    const r = assessJwks(
      JSON.stringify({
        keys: [
          { ...rsa, use: 'enc' },
          { kty: 'oct', kid: 'h', k: 'secret' },
        ],
      }),
    );
    expect(r.status).toBe('fail');
    expect(r.message).toContain("kid k1: use is 'enc', not 'sig'");
    expect(r.message).toContain('kid h: kty oct is not RSA or EC');
  });

  it('warns when several keys have no kid', () => {
    const { kid: _a, ...noKid } = rsa;
    expect(assessJwks(JSON.stringify({ keys: [noKid, { ...noKid, n: 'def' }] })).status).toBe('warn');
    expect(assessJwks(JSON.stringify({ keys: [noKid] })).status).toBe('pass');
  });

  it('rejects keys that are not for verifying signatures', () => {
    expect(unusableReason({ ...rsa, alg: 'RSA-OAEP' })).toBe('alg RSA-OAEP is not a signing algorithm');
    expect(unusableReason({ ...rsa, key_ops: ['encrypt'] })).toBe("key_ops lacks 'verify'");
    expect(unusableReason({ ...ec, crv: 'secp256k1' })).toBe('EC key without a supported curve or x/y');
    expect(unusableReason({ ...rsa, d: 'private' })).toBe('the key includes its private part');
    expect(unusableReason(rsa)).toBeUndefined();
  });
});
