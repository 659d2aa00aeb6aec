import dgram from 'node:dgram';
import { Resolver } from 'node:dns/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { domainChallenge } from '../../operator/domain/challenge.ts';
import { verifyDomain } from '../../operator/domain/resolve.ts';
import { type Dnsmasq, startDnsmasq } from '../support/dnsmasq.ts';
import { waitFor } from '../support/wait.ts';

// Each test has its own domain under the zone dnsmasq answers for, so records do not mix.
const challengeFor = (label: string) =>
  domainChallenge({ tenant: label, uid: `uid-${label}`, domain: `${label}.test.example` });

const ok = challengeFor('ok');
const multi = challengeFor('multi');
const wrong = challengeFor('wrong');
const otherType = challengeFor('othertype');
const otherName = challengeFor('othername');
const below = challengeFor('below');
const appended = challengeFor('appended');
const stale = challengeFor('stale');

describe('verifyDomain against dnsmasq', () => {
  let dns: Dnsmasq;
  beforeAll(async () => {
    dns = await startDnsmasq({
      records: {
        [ok.recordName]: ['v=spf1 -all', ok.value],
        // One record of three character-strings, as consoles split long values.
        [multi.recordName]: [[multi.value.slice(0, 12), multi.value.slice(12, 40), multi.value.slice(40)]],
        [wrong.recordName]: ['google-site-verification=abc123'],
        // TXT at the domain itself, not at the challenge name.
        'othername.test.example': [otherName.value],
        // Only a name below the challenge name: the challenge name exists but holds nothing.
        [`sub.${below.recordName}`]: [below.value],
        // What a console that appends the zone makes of the full name.
        [`${appended.recordName}.test.example`]: [appended.value],
        [stale.recordName]: [challengeFor('someone-else').value],
        // Characters dnsmasq's option parser treats specially.
        'quoting.test.example': [['a "quoted", \\ value', ' padded ']],
      },
      addresses: { [otherType.recordName]: '127.0.0.2' },
    });
  });
  afterAll(async () => {
    await dns?.stop();
  });

  const verify = (c: typeof ok, timeoutMs = 3000) => verifyDomain(c, { servers: [dns.server], timeoutMs });

  it('serves TXT strings exactly as given (the helper quotes for dnsmasq)', async () => {
    const resolver = new Resolver();
    resolver.setServers([dns.server]);
    expect(await resolver.resolveTxt('quoting.test.example')).toEqual([['a "quoted", \\ value', ' padded ']]);
  });

  it('verifies the right record among others', async () => {
    expect(await verify(ok)).toMatchObject({ verified: true, reason: 'Verified' });
  });

  it('verifies a record split into several strings', async () => {
    expect(await verify(multi)).toMatchObject({ verified: true, reason: 'Verified' });
  });

  it('reports a wrong value with what it found and what it expects', async () => {
    const r = await verify(wrong);
    expect(r).toMatchObject({ verified: false, reason: 'WrongValue' });
    expect(r.message).toContain('"google-site-verification=abc123"');
    expect(r.message).toContain(`expected "${wrong.value}"`);
  });

  it("recognises another tenant's challenge value", async () => {
    const r = await verify(stale);
    expect(r.reason).toBe('WrongValue');
    expect(r.message).toMatch(/different Tenant/);
  });

  it('reports RecordMissing when the name exists with another type (ENODATA)', async () => {
    const r = await verify(otherType);
    expect(r).toMatchObject({ verified: false, reason: 'RecordMissing' });
    expect(r.message).toContain(otherType.recordName);
  });

  it('reports RecordMissing when only names below the challenge name exist', async () => {
    expect((await verify(below)).reason).toBe('RecordMissing');
  });

  it('reports NXDOMAIN when the TXT is at another name', async () => {
    const r = await verify(otherName);
    expect(r).toMatchObject({ verified: false, reason: 'NXDOMAIN' });
    expect(r.message).toContain(`at exactly that name with the value "${otherName.value}"`);
  });

  it('reports NXDOMAIN, with the console hint, when the zone was appended twice', async () => {
    const r = await verify(appended);
    expect(r.reason).toBe('NXDOMAIN');
    expect(r.message).toContain('append the zone name');
  });

  it('reports ServerFailure when the server refuses a zone it does not serve (EREFUSED)', async () => {
    const outside = domainChallenge({ tenant: 'x', uid: 'uid-x', domain: 'elsewhere.example' });
    const r = await verify(outside);
    expect(r).toMatchObject({ verified: false, reason: 'ServerFailure' });
    expect(r.message).toContain('EREFUSED');
  });
});

describe('verifyDomain when the nameserver is unreachable', () => {
  let swallow: dgram.Socket;
  let closedPort: number;
  beforeAll(async () => {
    // Bound, so no ICMP "port unreachable" comes back, but it never replies.
    swallow = dgram.createSocket('udp4');
    swallow.on('message', () => {});
    await new Promise<void>((resolve) => swallow.bind(0, '127.0.0.1', resolve));
    // Bound and closed again: nothing listens there.
    const probe = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => probe.bind(0, '127.0.0.1', resolve));
    closedPort = probe.address().port;
    await new Promise<void>((resolve) => probe.close(resolve));
  });
  afterAll(() => swallow.close());

  it('reports Timeout within the configured timeout when nobody answers', async () => {
    const start = performance.now();
    const r = await verifyDomain(ok, { servers: [`127.0.0.1:${swallow.address().port}`], timeoutMs: 800 });
    const elapsed = performance.now() - start;
    expect(r).toMatchObject({ verified: false, reason: 'Timeout' });
    expect(elapsed).toBeGreaterThanOrEqual(750);
    expect(elapsed).toBeLessThan(1500);
  });

  it('reports ServerFailure when the port is closed (ECONNREFUSED)', async () => {
    const r = await verifyDomain(ok, { servers: [`127.0.0.1:${closedPort}`], timeoutMs: 2000 });
    expect(r).toMatchObject({ verified: false, reason: 'ServerFailure' });
    expect(r.message).toContain('ECONNREFUSED');
  });
});

describe('a record published after the first check', () => {
  let dns: Dnsmasq;
  afterAll(async () => {
    await dns?.stop();
  });

  it('flips to Verified on a later check', async () => {
    const late = challengeFor('late');
    dns = await startDnsmasq({ records: { 'late.test.example': ['v=spf1 -all'] } });
    const check = () => verifyDomain(late, { servers: [dns.server], timeoutMs: 2000 });
    expect((await check()).reason).toBe('NXDOMAIN');

    // The tenant first gets the value wrong, then fixes it.
    await dns.setRecords({ 'late.test.example': ['v=spf1 -all'], [late.recordName]: ['paste error'] });
    expect((await check()).reason).toBe('WrongValue');

    const fixed = dns.setRecords({ 'late.test.example': ['v=spf1 -all'], [late.recordName]: [late.value] });
    // Poll as the controller would, against the address captured before the restarts: each
    // check is a fresh lookup, and dnsmasq comes back on the same port.
    const result = await waitFor(
      'the challenge to verify',
      async () => {
        const r = await check();
        return r.verified ? r : undefined;
      },
      { timeoutMs: 15_000, intervalMs: 200 },
    );
    await fixed;
    expect(result.reason).toBe('Verified');
  });
});
