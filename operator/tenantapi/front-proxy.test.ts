import { describe, expect, it } from 'vitest';
import { frontProxyConfigOf, isFrontProxy, NO_FRONT_PROXY } from './front-proxy.ts';
import { AUTHENTICATION_DATA, FIXTURE_CA_FINGERPRINT } from './testing.ts';

describe('the front proxy trust from extension-apiserver-authentication', () => {
  it('reads the CA, the allowed names and the header names', () => {
    const cfg = frontProxyConfigOf(AUTHENTICATION_DATA);
    expect([...cfg.caFingerprints]).toEqual([FIXTURE_CA_FINGERPRINT]);
    expect(cfg.allowedNames).toEqual(['front-proxy-client']);
    expect(cfg.usernameHeaders).toEqual(['X-Remote-User']);
    expect(cfg.uidHeaders).toEqual([]);
    expect(cfg.extraHeaderPrefixes).toEqual(['X-Remote-Extra-']);
  });

  it('has no front proxy without a request-header CA, whatever else is set', () => {
    const { 'requestheader-client-ca-file': _, ...rest } = AUTHENTICATION_DATA;
    expect(frontProxyConfigOf(rest)).toBe(NO_FRONT_PROXY);
    expect(frontProxyConfigOf(undefined)).toBe(NO_FRONT_PROXY);
  });

  it('names the key that is malformed', () => {
    expect(() =>
      frontProxyConfigOf({ ...AUTHENTICATION_DATA, 'requestheader-allowed-names': 'front-proxy-client' }),
    ).toThrow('requestheader-allowed-names is not a JSON list of strings');
  });
});

describe('whether a connection is the front proxy', () => {
  const cfg = frontProxyConfigOf(AUTHENTICATION_DATA);
  const proxy = { authorized: true, commonName: 'front-proxy-client', anchor: FIXTURE_CA_FINGERPRINT };

  it('is, with a verified certificate anchored in the request-header CA and an allowed name', () => {
    expect(isFrontProxy(proxy, cfg)).toBe(true);
  });

  it('is not, when the certificate did not verify, or is anchored elsewhere, or has another name', () => {
    expect(isFrontProxy({ ...proxy, authorized: false }, cfg)).toBe(false);
    expect(isFrontProxy({ ...proxy, anchor: 'AA:BB' }, cfg)).toBe(false);
    expect(isFrontProxy({ ...proxy, commonName: 'alice' }, cfg)).toBe(false);
    expect(isFrontProxy({ authorized: false }, cfg)).toBe(false);
  });

  it('accepts any name of the CA when the cluster lists none, as Kubernetes does', () => {
    const anyName = frontProxyConfigOf({ ...AUTHENTICATION_DATA, 'requestheader-allowed-names': '[]' });
    expect(isFrontProxy({ ...proxy, commonName: 'whoever' }, anyName)).toBe(true);
  });

  it('never is without a configured CA, even for a certificate the TLS stack verified', () => {
    expect(isFrontProxy(proxy, NO_FRONT_PROXY)).toBe(false);
  });
});
