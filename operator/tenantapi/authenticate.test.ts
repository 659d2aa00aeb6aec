import { describe, expect, it } from 'vitest';
import { authenticate, type Headers, type Identity, type TokenReviewer } from './authenticate.ts';
import { frontProxyConfigOf, NO_FRONT_PROXY, type Peer } from './front-proxy.ts';
import { StatusError } from './status.ts';
import { AUTHENTICATION_DATA, FIXTURE_CA_FINGERPRINT } from './testing.ts';

const cfg = frontProxyConfigOf(AUTHENTICATION_DATA);
const proxy: Peer = { authorized: true, commonName: 'front-proxy-client', anchor: FIXTURE_CA_FINGERPRINT };
const plain: Peer = { authorized: false };

/** A TokenReview that knows one token, and counts how often it was asked. */
function reviewer(): TokenReviewer & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    async review(token) {
      asked.push(token);
      return token === 'good-token'
        ? {
            user: 'system:serviceaccount:acme-system:ci',
            groups: ['system:serviceaccounts'],
            extra: {},
            via: 'token',
          }
        : undefined;
    },
  };
}

/** The 401 a request is refused with. */
async function refusal(p: Promise<Identity>): Promise<StatusError> {
  const e = await p.catch((err: unknown) => err);
  expect(e).toBeInstanceOf(StatusError);
  expect((e as StatusError).code).toBe(401);
  return e as StatusError;
}

const forged: Headers = { 'x-remote-user': ['mallory'], 'x-remote-group': ['system:masters'] };

describe('authenticating a tenant API request', () => {
  it('takes the identity the front proxy forwards: user, every group, extra with its key decoded', async () => {
    const who = await authenticate(
      {
        'x-remote-user': ['alice'],
        'x-remote-group': ['acme-admins', 'system:authenticated'],
        'x-remote-extra-scopes': ['a', 'b'],
        'x-remote-extra-acme.example%2fteam': ['billing'],
        // The aggregator stamps the uid too (and removes any a caller sent).
        'x-remote-uid': ['u-1'],
      },
      proxy,
      cfg,
      reviewer(),
    );
    expect(who).toEqual({
      user: 'alice',
      uid: 'u-1',
      groups: ['acme-admins', 'system:authenticated'],
      extra: { scopes: ['a', 'b'], 'acme.example/team': ['billing'] },
      via: 'front-proxy',
    });
  });

  it('refuses a forged X-Remote-User on a plain connection, naming the headers but not their values', async () => {
    const r = reviewer();
    const e = await refusal(authenticate(forged, plain, cfg, r));
    expect(e.message).toContain('identity headers (x-remote-user, x-remote-group) are accepted only from');
    expect(e.message).not.toContain('mallory');
    expect(r.asked).toEqual([]);
  });

  it('refuses identity headers beside a valid bearer token rather than dropping either', async () => {
    const e = await refusal(
      authenticate({ ...forged, authorization: ['Bearer good-token'] }, plain, cfg, reviewer()),
    );
    expect(e.message).toMatch(/accepted only from the Kubernetes API server's front proxy/);
  });

  it('refuses headers from a certificate that verified but is not the front proxy’s', async () => {
    await refusal(authenticate(forged, { ...proxy, anchor: 'AA:BB' }, cfg, reviewer()));
    await refusal(authenticate(forged, { ...proxy, commonName: 'alice' }, cfg, reviewer()));
    await refusal(authenticate(forged, proxy, NO_FRONT_PROXY, reviewer()));
  });

  it('refuses the standard headers even where the cluster names others', async () => {
    const other = frontProxyConfigOf({
      ...AUTHENTICATION_DATA,
      'requestheader-username-headers': '["X-Forwarded-User"]',
    });
    await refusal(authenticate({ 'x-remote-user': ['mallory'] }, plain, other, reviewer()));
    await refusal(authenticate({ 'x-forwarded-user': ['mallory'] }, plain, other, reviewer()));
  });

  it('refuses the front proxy forwarding no user', async () => {
    const e = await refusal(authenticate({ 'x-remote-group': ['g'] }, proxy, cfg, reviewer()));
    expect(e.message).toContain('the front proxy sent no user (no x-remote-user header)');
  });

  it('reads only the names the aggregator stamps, not other configured ones a caller can send through it', async () => {
    const configured = {
      ...cfg,
      usernameHeaders: ['X-Forwarded-User'],
      groupHeaders: ['X-Forwarded-Groups'],
    };
    const who = await authenticate(
      {
        'x-remote-user': ['alice'],
        'x-remote-group': ['acme-admins'],
        // Passed through the aggregator untouched, as the caller wrote them.
        'x-forwarded-user': ['admin'],
        'x-forwarded-groups': ['system:masters'],
      },
      proxy,
      configured,
      reviewer(),
    );
    expect([who.user, who.groups]).toEqual(['alice', ['acme-admins']]);
  });

  it('checks a bearer token sent directly with a TokenReview', async () => {
    const r = reviewer();
    const who = await authenticate({ authorization: ['Bearer good-token'] }, plain, cfg, r);
    expect(who.user).toBe('system:serviceaccount:acme-system:ci');
    expect(r.asked).toEqual(['good-token']);
    const bad = await refusal(authenticate({ authorization: ['Bearer stolen'] }, plain, cfg, r));
    expect(bad.message).not.toContain('stolen');
  });

  it('refuses no credentials and a malformed Authorization header', async () => {
    expect((await refusal(authenticate({}, plain, cfg, reviewer()))).message).toMatch(/^no credentials/);
    const e = await refusal(authenticate({ authorization: ['Basic YWxpY2U6cHc='] }, plain, cfg, reviewer()));
    expect(e.message).toBe('the Authorization header must be "Bearer <token>"');
  });
});
