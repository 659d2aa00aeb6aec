import { describe, expect, it } from 'vitest';
import type { ProbeRetention } from './findings.ts';
import { lockUnstampedProbe, probeCompliance, probeRetainedLongEnough } from './probe-retention.ts';
import { findings, writtenProbe } from './testing.ts';

const probe = writtenProbe();
const retained = (retention: ProbeRetention) => findings({ probe, retention });

describe('probe retention policies', () => {
  it('require COMPLIANCE on the probe version', () => {
    expect(probeCompliance(retained({ mode: 'GOVERNANCE', until: probe.minUntil }))).toEqual({
      ok: false,
      reason: 'NotCompliance',
      message: `probe object ${probe.key} in bucket b has retention mode GOVERNANCE, not COMPLIANCE`,
    });
    expect(probeCompliance(findings({ probe }))).toMatchObject({
      message: expect.stringContaining('mode none'),
    });
    expect(probeCompliance(retained({ mode: 'COMPLIANCE', until: probe.minUntil }))).toBeUndefined();
  });

  it('allow the retain-until a second short of the minimum, for servers that store seconds', () => {
    const until = (ms: number) =>
      retained({ mode: 'COMPLIANCE', until: new Date(probe.minUntil.getTime() + ms) });
    expect(probeRetainedLongEnough(until(-1000))).toBeUndefined();
    expect(probeRetainedLongEnough(until(-1001))).toEqual({
      ok: false,
      reason: 'RetentionTooShort',
      message: `probe object ${probe.key} in bucket b is retained until 2027-11-25T11:59:58.999Z, before the required 2027-11-25T12:00:00.000Z`,
    });
    expect(probeRetainedLongEnough(retained({ mode: 'COMPLIANCE', until: undefined }))).toMatchObject({
      message: expect.stringContaining('retained until never'),
    });
  });
});

describe('lockUnstampedProbe', () => {
  it('leaves a probe the server stamped alone', async () => {
    // The fake client throws on any call, so passing proves none was made.
    const f = retained({ mode: 'COMPLIANCE', until: probe.minUntil });
    expect(await lockUnstampedProbe(f)).toBeUndefined();
    expect(f.retentionSource).toBe('bucket-default');
  });
});
