import { describe, expect, it } from 'vitest';
import { assessClockSkew } from './clock.ts';

const remote = Date.parse('2026-03-01T12:00:00Z');
const header = new Date(remote).toUTCString();

describe('assessClockSkew', () => {
  it('passes within a minute, warns beyond, fails beyond five minutes', () => {
    expect(assessClockSkew(header, remote + 400).status).toBe('pass');
    expect(assessClockSkew(header, remote + 30_000)).toMatchObject({
      status: 'pass',
      message: "the local clock is 30 s ahead of the identity provider's",
    });
    expect(assessClockSkew(header, remote - 90_000)).toMatchObject({
      status: 'warn',
      message: "the local clock is 90 s behind the identity provider's (more than 60 s)",
    });
    const f = assessClockSkew(header, remote + 3_600_000);
    expect(f.status).toBe('fail');
    expect(f.message).toContain('60 min 0 s ahead');
    expect(f.fix).toContain('NTP');
  });

  it('warns when the skew cannot be measured', () => {
    expect(assessClockSkew(undefined, remote).status).toBe('warn');
    expect(assessClockSkew('yesterday-ish', remote).status).toBe('warn');
  });
});
