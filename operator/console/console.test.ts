import { describe, expect, it } from 'vitest';
import type { Tenant } from '../api/v1alpha1/index.ts';
import { namedOwner } from './access.ts';
import { cookie, parseCookies } from './http.ts';
import { identityFromClaims } from './oidc.ts';
import { filtersOf, tenantsPage } from './pages/tenants.ts';
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
    const email = { ...o, usernameClaim: 'email' };
    expect(() => identityFromClaims({ email: 'a@x', email_verified: false }, email)).toThrow(
      /email_verified/,
    );
    // Only true (or no claim) is verified: a string "false" is not.
    expect(() => identityFromClaims({ email: 'a@x', email_verified: 'false' }, email)).toThrow(
      /email_verified/,
    );
    expect(identityFromClaims({ email: 'a@x', email_verified: true }, email).user).toBe('a@x');
  });
  it("refuse names in Kubernetes' reserved system: space, whatever the prefixes", () => {
    expect(() => identityFromClaims({ sub: 'u1', groups: ['system:masters'] }, o)).toThrow(
      /maps to "system:masters", a name Kubernetes reserves/,
    );
    expect(() =>
      identityFromClaims({ sub: 'system:serviceaccount:kube-system:x' }, { ...o, usernamePrefix: '-' }),
    ).toThrow(/system:serviceaccount:kube-system:x/);
    // A prefix keeps them out of it.
    expect(
      identityFromClaims({ sub: 'u1', groups: ['system:masters'] }, { ...o, groupsPrefix: 'idp:' }).groups,
    ).toEqual(['idp:system:masters', 'system:authenticated']);
    // An empty username prefix is unset: the issuer's.
    expect(identityFromClaims({ sub: 'u1' }, { ...o, usernamePrefix: '' }).user).toBe('https://idp#u1');
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

describe('the Tenants page', () => {
  const tenants = Array.from(
    { length: 250 },
    (_, i) =>
      ({
        metadata: { name: `t${String(i).padStart(3, '0')}` },
        spec: { displayName: `T ${i}`, region: i % 2 ? 'eu-west-1' : 'us-east-1', owners: [] },
      }) as unknown as Tenant,
  );
  const render = (query: string) =>
    tenantsPage({
      viewer: { user: 'admin', csrf: 'x', admin: true },
      tenants,
      filters: filtersOf(new URLSearchParams(query)),
      regions: ['eu-west-1', 'us-east-1'],
    });
  it('shows a page of rows at a time, with links that keep the filters', () => {
    const first = render('');
    expect(first).toContain('1–100 of 250 matching of 250 tenants');
    expect(first).toContain('href="/tenants?page=2" rel="next"');
    expect(first).not.toContain('t100');
    const filtered = render('region=eu-west-1&page=2');
    expect(filtered).toContain('101–125 of 125 matching');
    expect(filtered).toContain('href="/tenants?region=eu-west-1" rel="prev"');
    expect(filtered).not.toContain('rel="next"');
    // Past the end is the last page; nonsense is the first.
    expect(render('page=99')).toContain('201–250 of 250 matching');
    expect(render('page=-3')).toContain('1–100 of 250 matching');
  });
});
