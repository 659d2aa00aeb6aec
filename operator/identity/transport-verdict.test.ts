import { describe, expect, it } from 'vitest';
import { TransportError, transportFix } from './http.ts';
import { transportVerdict } from './transport-verdict.ts';

describe('transportVerdict', () => {
  it('fails with the transport error and its fix, prefixed by the request when named', () => {
    const err = new TransportError('refused', 'connection to idp.example.com refused');
    expect(transportVerdict(err, 'cannot fetch jwks_uri')).toEqual({
      status: 'fail',
      message: 'cannot fetch jwks_uri: connection to idp.example.com refused',
      fix: transportFix(err),
    });
    expect(transportVerdict(err).message).toBe('connection to idp.example.com refused');
  });

  it('reports any other error as unexpected, without a fix', () => {
    expect(transportVerdict(new Error('boom'), 'scopes')).toEqual({
      status: 'fail',
      message: 'scopes: unexpected error: boom',
      fix: undefined,
    });
    expect(transportVerdict('odd').message).toBe('unexpected error: odd');
  });
});
