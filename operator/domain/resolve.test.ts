import dgram from 'node:dgram';
import { afterEach, describe, expect, it } from 'vitest';
import { domainChallenge } from './challenge.ts';
import { judgeError, judgeRecords, verifyDomain } from './resolve.ts';

const challenge = domainChallenge({ tenant: 'acme', uid: 'uid-1', domain: 'acme.example.com' });
const token = challenge.value.slice('tenantry-domain-verification='.length);

describe('judgeRecords', () => {
  it('verifies when any record matches', () => {
    const r = judgeRecords(challenge, [['v=spf1 -all'], [challenge.value]]);
    expect(r).toMatchObject({ verified: true, reason: 'Verified' });
  });

  it('joins the character-strings of one record before comparing', () => {
    const split = [challenge.value.slice(0, 10), challenge.value.slice(10, 30), challenge.value.slice(30)];
    expect(judgeRecords(challenge, [split]).verified).toBe(true);
    // Strings of different records are never joined with each other.
    expect(judgeRecords(challenge, [[split[0] ?? ''], [split.slice(1).join('')]]).verified).toBe(false);
  });

  it('tolerates surrounding whitespace, literal quotes and upper case', () => {
    for (const v of [
      ` ${challenge.value}\t`,
      `"${challenge.value}"`,
      `'${challenge.value}'`,
      ` "${challenge.value.toUpperCase()}" `,
    ]) {
      expect(judgeRecords(challenge, [[v]]).verified, v).toBe(true);
    }
    expect(judgeRecords(challenge, [[`${challenge.value}x`]]).verified).toBe(false);
  });

  it('says what it found and what it expects on a wrong value, truncated', () => {
    const long = `x${'y'.repeat(300)}`;
    const r = judgeRecords(challenge, [['v=spf1 -all'], [long], ['a'], ['b']]);
    expect(r.reason).toBe('WrongValue');
    expect(r.message).toContain('"v=spf1 -all"');
    expect(r.message).toContain(`expected "${challenge.value}"`);
    expect(r.message).toContain('and 1 more');
    expect(r.message).not.toContain('y'.repeat(100));
  });

  it('recognises a challenge of another tenant', () => {
    const r = judgeRecords(challenge, [[`tenantry-domain-verification=${'a'.repeat(token.length)}`]]);
    expect(r.reason).toBe('WrongValue');
    expect(r.message).toMatch(/different Tenant/);
  });

  it('treats an empty answer as a missing record', () => {
    expect(judgeRecords(challenge, []).reason).toBe('RecordMissing');
  });
});

describe('judgeError', () => {
  it.each([
    ['ENODATA', 'RecordMissing'],
    ['ENOTFOUND', 'NXDOMAIN'],
    ['ETIMEOUT', 'Timeout'],
    ['ECANCELLED', 'Timeout'],
    ['ESERVFAIL', 'ServerFailure'],
    ['EREFUSED', 'ServerFailure'],
    ['ECONNREFUSED', 'ServerFailure'],
    ['EWHATEVER', 'ServerFailure'],
  ])('%s → %s', (code, reason) => {
    const r = judgeError(challenge, code, 3000);
    expect(r).toMatchObject({ verified: false, reason });
    expect(r.message).toContain(challenge.recordName);
  });

  it('tells where to publish on NXDOMAIN, with the zone-appending pitfall', () => {
    const { message } = judgeError(challenge, 'ENOTFOUND', 3000);
    expect(message).toContain(`at exactly that name with the value "${challenge.value}"`);
    expect(message).toContain('append the zone name');
    expect(message).toContain('in the zone "example.com", enter "_tenantry-challenge.acme"');
  });

  it('names the server error code', () => {
    expect(judgeError(challenge, 'ESERVFAIL', 3000).message).toContain('SERVFAIL');
    expect(judgeError(challenge, 'EWHATEVER', 3000).message).toContain('EWHATEVER');
  });
});

// A UDP "nameserver" on loopback: answers every query with `rcode`, or swallows it when null.
const sockets: dgram.Socket[] = [];
afterEach(() => {
  for (const s of sockets.splice(0)) s.close();
});

async function fakeServer(rcode: number | null): Promise<string> {
  const socket = dgram.createSocket('udp4');
  sockets.push(socket);
  socket.on('message', (query, peer) => {
    if (rcode === null) return;
    const reply = Buffer.from(query);
    // QR=1 (response), keep opcode and RD; RA=1 and the rcode. The question (and any EDNS OPT
    // record) is echoed as it came, which is a well-formed empty answer.
    reply[2] = (reply[2] ?? 0) | 0x80;
    reply[3] = 0x80 | rcode;
    socket.send(reply, peer.port, peer.address);
  });
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  return `127.0.0.1:${socket.address().port}`;
}

describe('verifyDomain against a scripted nameserver', () => {
  it('maps SERVFAIL to ServerFailure', async () => {
    const server = await fakeServer(2);
    const r = await verifyDomain(challenge, { servers: [server], timeoutMs: 2000 });
    expect(r.reason).toBe('ServerFailure');
    expect(r.message).toContain('ESERVFAIL');
  });

  it('gives up after its budget, however c-ares schedules its retries', async () => {
    const server = await fakeServer(null);
    const start = performance.now();
    const r = await verifyDomain(challenge, { servers: [server], timeoutMs: 400, tries: 3 });
    const elapsed = performance.now() - start;
    expect(r.reason).toBe('Timeout');
    expect(r.message).toContain('400 ms');
    expect(elapsed).toBeGreaterThanOrEqual(350);
    expect(elapsed).toBeLessThan(1000);
  });
});
