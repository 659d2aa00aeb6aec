import { createHash, createPublicKey, generateKeyPairSync } from 'node:crypto';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import {
  generateSigningKey,
  keyIdOf,
  privateKeyPem,
  publicKeyFromPem,
  publicKeyPem,
  signingKeyFromPem,
} from './keys.ts';

describe('signing keys', () => {
  it('are ECDSA P-256 with the key id = hex sha256 of the SPKI DER', () => {
    const key = generateSigningKey();
    expect(key.privateKey.asymmetricKeyDetails?.namedCurve).toBe('prime256v1');
    const der = createPublicKey(publicKeyPem(key)).export({ type: 'spki', format: 'der' });
    expect(key.keyId).toBe(createHash('sha256').update(der).digest('hex'));
    expect(keyIdOf(publicKeyPem(key))).toBe(key.keyId);
    expect(keyIdOf(key.privateKey)).toBe(key.keyId);
  });

  it('round-trip through PEM', () => {
    const key = generateSigningKey();
    const pem = privateKeyPem(key);
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect(signingKeyFromPem(pem).keyId).toBe(key.keyId);
    expect(publicKeyPem(key)).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    expect(keyIdOf(publicKeyFromPem(publicKeyPem(key)))).toBe(key.keyId);
  });

  it('refuse other algorithms and garbage without quoting the input', () => {
    const ed = generateKeyPairSync('ed25519');
    expect(() =>
      signingKeyFromPem(ed.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
    ).toThrow(/not an ECDSA P-256 key/);
    expect(() => publicKeyFromPem(ed.publicKey.export({ type: 'spki', format: 'pem' }).toString())).toThrow(
      /not an ECDSA P-256 key/,
    );
    const secretish = '-----BEGIN PRIVATE KEY-----\nc2VjcmV0\n-----END PRIVATE KEY-----';
    expect(() => signingKeyFromPem(secretish)).toThrow('signing key is not a valid PEM private key');
  });

  it('print no key material when logged or serialised by mistake', () => {
    const key = generateSigningKey();
    const body = privateKeyPem(key).split('\n')[1] ?? '';
    expect(inspect(key, { depth: 5 })).not.toContain(body);
    expect(JSON.stringify(key)).not.toContain(body);
    expect(JSON.stringify(key)).not.toMatch(/PRIVATE/);
  });
});
