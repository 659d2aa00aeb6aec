import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signature, verifySignature } from './webhook-signature.ts';

const SECRET = 'a-receiver-secret-of-at-least-32-chars!';
const BODY = '{"specversion":"1.0","id":"abc"}';
const NOW = Date.parse('2026-12-01T12:00:00Z');
const TS = NOW / 1000;

describe('webhook signatures', () => {
  it('are HMAC-SHA256 over "<timestamp>.<body>", hex, prefixed sha256=', () => {
    const expected = createHmac('sha256', SECRET).update(`${TS}.${BODY}`).digest('hex');
    expect(signature(SECRET, TS, BODY)).toBe(`sha256=${expected}`);
  });

  it('verify the exact body, secret and timestamp, and refuse replays outside the tolerance', () => {
    const sig = signature(SECRET, TS, BODY);
    const ok = { secret: SECRET, body: BODY, signature: sig, timestamp: String(TS), now: NOW };
    expect(verifySignature(ok)).toBeUndefined();
    expect(verifySignature({ ...ok, body: BODY.replace('abc', 'abd') })).toMatch(/does not match/);
    expect(verifySignature({ ...ok, secret: `${SECRET}x` })).toMatch(/does not match/);
    // The same signature under another timestamp: the timestamp is signed too.
    expect(verifySignature({ ...ok, timestamp: String(TS + 1) })).toMatch(/does not match/);
    expect(verifySignature({ ...ok, now: NOW + 5 * 60_000 + 1000 })).toMatch(/too far from now/);
    expect(verifySignature({ ...ok, timestamp: undefined })).toMatch(/missing or malformed/);
    expect(verifySignature({ ...ok, signature: undefined })).toMatch(/does not match/);
  });
});
