import { describe, expect, it } from 'vitest';
import { base32, domainChallenge, normalizeDomain } from './challenge.ts';

const input = { tenant: 'acme', uid: '6f1c0e2a-3b7d-4c2e-9a51-0d7e2f1b9c44', domain: 'acme.example.com' };

describe('domainChallenge', () => {
  it('names the record under the domain and prefixes the value', () => {
    const c = domainChallenge(input);
    expect(c.recordName).toBe('_tenantry-challenge.acme.example.com');
    expect(c.recordType).toBe('TXT');
    expect(c.value).toMatch(/^tenantry-domain-verification=[a-z2-7]{32}$/);
  });

  it('is stable across calls (reconciles, restarts) and across spellings of the domain', () => {
    const a = domainChallenge(input);
    expect(domainChallenge({ ...input })).toEqual(a);
    expect(domainChallenge({ ...input, domain: ' ACME.Example.com. ' })).toEqual(a);
  });

  it('changes with the uid, the domain, the tenant and the secret', () => {
    const base = domainChallenge(input).value;
    const others = [
      domainChallenge({ ...input, uid: 'another-uid' }).value,
      domainChallenge({ ...input, domain: 'acme.example.org' }).value,
      domainChallenge({ ...input, tenant: 'acme2' }).value,
      domainChallenge({ ...input, secret: 'operator-key' }).value,
      domainChallenge({ ...input, secret: 'other-key' }).value,
    ];
    expect(new Set([base, ...others]).size).toBe(others.length + 1);
  });

  it('keeps field boundaries: moving characters between fields changes the token', () => {
    const a = domainChallenge({ tenant: 'ab', uid: 'c', domain: 'x.example' }).value;
    const b = domainChallenge({ tenant: 'a', uid: 'bc', domain: 'x.example' }).value;
    expect(a).not.toBe(b);
  });

  it('uses the punycode form of internationalised domains', () => {
    const c = domainChallenge({ ...input, domain: 'Bücher.example' });
    expect(c.recordName).toBe('_tenantry-challenge.xn--bcher-kva.example');
    expect(c).toEqual(domainChallenge({ ...input, domain: 'xn--bcher-kva.example' }));
  });

  it('refuses what DNS cannot hold, and a missing uid', () => {
    expect(() => domainChallenge({ ...input, uid: '' })).toThrow(/uid/);
    expect(() => domainChallenge({ ...input, domain: 'localhost' })).toThrow(/fully qualified/);
    expect(() => domainChallenge({ ...input, domain: 'a b.example' })).toThrow(/not a valid/);
    expect(() => domainChallenge({ ...input, domain: '-a.example' })).toThrow(/invalid label/);
    expect(() => domainChallenge({ ...input, domain: 'a..example' })).toThrow(/invalid label/);
    expect(() => domainChallenge({ ...input, domain: '10.0.0.1' })).toThrow(/address/);
    const label = 'a'.repeat(63);
    const long = `${label}.${label}.${label}.${label}.com`;
    expect(() => domainChallenge({ ...input, domain: long })).toThrow(/too long/);
  });
});

describe('normalizeDomain', () => {
  it('lower-cases and drops the root dot', () => {
    expect(normalizeDomain('Sub.ACME.example.')).toBe('sub.acme.example');
  });
});

describe('base32', () => {
  // RFC 4648 section 10 test vectors, lower-cased and unpadded.
  it.each([
    ['', ''],
    ['f', 'my'],
    ['fo', 'mzxq'],
    ['foo', 'mzxw6'],
    ['foob', 'mzxw6yq'],
    ['fooba', 'mzxw6ytb'],
    ['foobar', 'mzxw6ytboi'],
  ])('%j → %j', (text, encoded) => {
    expect(base32(Buffer.from(text))).toBe(encoded);
  });
});
