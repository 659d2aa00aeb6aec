import { describe, expect, it } from 'vitest';
import type { Tenant } from '../api/v1alpha1/index.ts';
import { namedOwner } from './access.ts';
import { cookie, parseCookies } from './http.ts';
import { identityFromClaims } from './oidc.ts';
import { PendingStore, SessionStore } from './sessions.ts';

const clockAt = (t: { now: number }) => ({ now: () => t.now });
const who = { user: 'alice', groups: ['acme'], extra: {}, via: 'token' as const };

describe('sessions', () => {
  it('expire when idle and at the absolute limit, and keep at most max', () => {
    const t = { now: 0 };
    const store = new SessionStore(clockAt(t) as never, { idleMs: 100, absoluteMs: 250, max: 2 });
    const s = store.create(who, 'token');
    t.now = 90;
    expect(store.get(s.id)?.who.user).toBe('alice');
    t.now = 180;
    expect(store.get(s.id)).toBeDefined();
    t.now = 260;
    expect(store.get(s.id)).toBeUndefined();
    const [a, b, c] = [store.create(who, 'token'), store.create(who, 'token'), store.create(who, 'token')];
    expect([store.get(a.id), store.get(b.id)?.id, store.get(c.id)?.id]).toEqual([undefined, b.id, c.id]);
  });

  it('hand out a pending login once', () => {
    const store = new PendingStore<string>(clockAt({ now: 0 }) as never);
    const id = store.put('state');
    expect(store.take(id)).toBe('state');
    expect(store.take(id)).toBeUndefined();
  });
});

describe('cookies', () => {
  it('are HttpOnly, Secure over TLS, and parse back', () => {
    const c = cookie('s', 'v', { secure: true, sameSite: 'Strict' });
    expect(c).toBe('s=v; Path=/; HttpOnly; SameSite=Strict; Secure');
    expect(parseCookies('a=1; s=v; a=2')).toEqual({ a: '1', s: 'v' });
  });
});

describe('OIDC claims', () => {
  const o = { issuer: 'https://idp', clientId: 'c', redirectUrl: 'https://c/cb' };
  it('map to a user as the API server would: issuer prefix, groups', () => {
    expect(identityFromClaims({ sub: 'u1', groups: ['g'] }, o)).toMatchObject({
      user: 'https://idp#u1',
      groups: ['g', 'system:authenticated'],
    });
    expect(
      identityFromClaims(
        { email: 'a@x', groups: 'g' },
        { ...o, usernameClaim: 'email', groupsPrefix: 'oidc:' },
      ),
    ).toMatchObject({
      user: 'a@x',
      groups: ['oidc:g', 'system:authenticated'],
    });
  });
  it('refuse a missing claim or an unverified email, naming it', () => {
    expect(() => identityFromClaims({}, o)).toThrow(/"sub" claim/);
    expect(() =>
      identityFromClaims({ email: 'a@x', email_verified: false }, { ...o, usernameClaim: 'email' }),
    ).toThrow(/email_verified/);
  });
});

describe('owners', () => {
  const t = (owners: Tenant['spec']['owners']) => ({ spec: { owners } }) as Tenant;
  it('match her user, a group of hers or her ServiceAccount, nothing else', () => {
    expect(namedOwner(t([{ name: 'alice' }]), who)).toBe(true);
    expect(namedOwner(t([{ kind: 'Group', name: 'acme' }]), who)).toBe(true);
    expect(namedOwner(t([{ kind: 'Group', name: 'alice' }]), who)).toBe(false);
    const sa = { ...who, user: 'system:serviceaccount:ns:bot' };
    expect(namedOwner(t([{ kind: 'ServiceAccount', name: 'bot', namespace: 'ns' }]), sa)).toBe(true);
    expect(namedOwner(t([{ name: 'bob' }]), who)).toBe(false);
  });
});
