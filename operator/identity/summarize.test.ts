import { describe, expect, it } from 'vitest';
import { type CheckResult, redact, SKIPPED_DISCOVERY } from './result.ts';
import { summarize } from './summarize.ts';

const ok = (id: string): CheckResult => ({ id, title: id, status: 'pass', message: 'fine' });

describe('summarize', () => {
  it('is connected when nothing failed', () => {
    expect(summarize([ok('discovery'), ok('issuer')])).toEqual({
      connected: true,
      reason: 'AllChecksPassed',
      message: 'all 2 identity checks passed',
    });
    const w = summarize([
      ok('discovery'),
      { id: 'claims', title: '', status: 'warn', message: 'no groups', fix: 'add it' },
    ]);
    expect(w).toEqual({
      connected: true,
      reason: 'PassedWithWarnings',
      message: 'no identity check failed; 1 warning: claims: no groups (fix: add it)',
    });
  });

  it('names the failing checks and their fixes', () => {
    const s = summarize([
      ok('discovery'),
      { id: 'redirectUri', title: '', status: 'fail', message: 'rejected', fix: 'register it' },
      { id: 'clientCredentials', title: '', status: 'fail', message: 'bad secret', fix: 'rotate it' },
    ]);
    expect(s).toEqual({
      connected: false,
      reason: 'ChecksFailed',
      message:
        '2 identity checks failed: redirectUri: rejected (fix: register it); clientCredentials: bad secret (fix: rotate it)',
    });
  });

  it('reports DiscoveryFailed and counts the skipped checks instead of repeating them', () => {
    const s = summarize([
      { id: 'discovery', title: '', status: 'fail', message: 'refused', fix: 'start it' },
      { id: 'issuer', title: '', status: 'skip', message: SKIPPED_DISCOVERY },
      { id: 'jwks', title: '', status: 'skip', message: SKIPPED_DISCOVERY },
    ]);
    expect(s.reason).toBe('DiscoveryFailed');
    expect(s.message).toBe(
      '1 identity check failed: discovery: refused (fix: start it); 2 dependent checks skipped (issuer, jwks)',
    );
  });

  it('never counts a skipped check as a failure, nor as a pass', () => {
    const one = summarize([
      { id: 'discovery', title: '', status: 'fail', message: 'refused' },
      { id: 'clockSkew', title: '', status: 'skip', message: SKIPPED_DISCOVERY },
    ]);
    expect(one.message).toBe(
      '1 identity check failed: discovery: refused; 1 dependent check skipped (clockSkew)',
    );
    const unverified = summarize([ok('discovery'), { id: 'jwks', title: '', status: 'skip', message: 'x' }]);
    expect(unverified).toEqual({
      connected: true,
      reason: 'PassedWithWarnings',
      message: 'no identity check failed; 1 dependent check skipped (jwks)',
    });
  });

  it('caps long messages and handles no results', () => {
    const many = Array.from({ length: 100 }, (_, i) => ({
      id: `c${i}`,
      title: '',
      status: 'fail' as const,
      message: 'x'.repeat(100),
    }));
    expect(summarize(many).message.length).toBeLessThanOrEqual(4096);
    expect(summarize([])).toMatchObject({ connected: false, reason: 'NoChecks' });
  });
});

describe('redact', () => {
  it('removes secrets from messages and fixes', () => {
    const r = redact(
      [{ id: 'x', title: '', status: 'fail', message: 'got s3cr3t back', fix: 'not s3cr3t' }],
      ['s3cr3t'],
    );
    expect(r[0]).toMatchObject({ message: 'got [redacted] back', fix: 'not [redacted]' });
    expect(redact([ok('a')], [undefined])).toEqual([ok('a')]);
  });
});
