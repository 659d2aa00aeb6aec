import { describe, expect, it } from 'vitest';
import { classify, httpsRequest, TransportError, transportFix } from './http.ts';

const target = new URL('https://idp.example.com:8443/x');
const err = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('classify', () => {
  it('tells TLS, refused, DNS and timeouts apart', () => {
    const tls = classify(
      err(
        'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
        'unable to verify the first certificate; if the root CA is installed locally, try --use-system-ca',
      ),
      target,
    );
    expect(tls).toMatchObject({
      kind: 'tls',
      message:
        'TLS with idp.example.com:8443 failed: unable to verify the first certificate (UNABLE_TO_VERIFY_LEAF_SIGNATURE)',
    });
    expect(classify(err('ERR_TLS_CERT_ALTNAME_INVALID'), target).kind).toBe('tls');
    expect(classify(err('ECONNREFUSED'), target).kind).toBe('refused');
    expect(classify(err('ENOTFOUND'), target).kind).toBe('dns');
    expect(classify(err('ECONNRESET'), target).kind).toBe('network');
    const ac = new AbortController();
    ac.abort(new TransportError('timeout', 'no answer within 5 ms'));
    expect(
      classify(Object.assign(new Error('aborted'), { name: 'AbortError' }), target, ac.signal).message,
    ).toBe('no answer within 5 ms');
  });

  it('gives a certificate fix for each TLS failure', () => {
    expect(transportFix(new TransportError('tls', '', 'SELF_SIGNED_CERT_IN_CHAIN'))).toContain(
      '--identity-ca-file',
    );
    expect(transportFix(new TransportError('tls', '', 'CERT_HAS_EXPIRED'))).toContain('expired');
    expect(transportFix(new TransportError('tls', '', 'ERR_TLS_CERT_ALTNAME_INVALID'))).toContain(
      'subjectAltName',
    );
  });
});

describe('httpsRequest', () => {
  it('refuses plain http and invalid URLs without sending anything', async () => {
    const signal = new AbortController().signal;
    await expect(httpsRequest('http://idp.example.com/x', { signal })).rejects.toMatchObject({
      kind: 'insecure',
    });
    await expect(httpsRequest('not a url', { signal })).rejects.toMatchObject({ kind: 'invalidUrl' });
  });
});
