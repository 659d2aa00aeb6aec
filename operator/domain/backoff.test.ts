import { describe, expect, it } from 'vitest';
import { nextCheckDelay, REVERIFY_MS } from './backoff.ts';

describe('nextCheckDelay', () => {
  it('starts at 5 s and doubles up to 10 min for record problems', () => {
    const delays = Array.from({ length: 10 }, (_, i) => nextCheckDelay(i, 'RecordMissing'));
    expect(delays).toEqual([
      5_000, 10_000, 20_000, 40_000, 80_000, 160_000, 320_000, 600_000, 600_000, 600_000,
    ]);
    expect(nextCheckDelay(3, 'WrongValue')).toBe(40_000);
    expect(nextCheckDelay(3, 'NXDOMAIN')).toBe(40_000);
  });

  it('retries server trouble sooner, with a lower cap', () => {
    expect(nextCheckDelay(0, 'Timeout')).toBe(2_000);
    expect(nextCheckDelay(0, 'ServerFailure')).toBeLessThan(nextCheckDelay(0, 'RecordMissing'));
    expect(nextCheckDelay(50, 'ServerFailure')).toBe(120_000);
    expect(nextCheckDelay(50, 'Timeout')).toBeLessThan(nextCheckDelay(50, 'RecordMissing'));
  });

  it('rechecks a verified domain hourly', () => {
    expect(nextCheckDelay(0, 'Verified')).toBe(REVERIFY_MS);
  });

  it('never overflows and treats odd attempts as the first', () => {
    expect(nextCheckDelay(10_000, 'RecordMissing')).toBe(600_000);
    expect(nextCheckDelay(Number.POSITIVE_INFINITY, 'RecordMissing')).toBe(600_000);
    expect(nextCheckDelay(-3, 'RecordMissing')).toBe(5_000);
    expect(nextCheckDelay(Number.NaN, 'RecordMissing')).toBe(5_000);
    expect(nextCheckDelay(1.7, 'RecordMissing')).toBe(10_000);
  });

  it('jitters by at most ±10 % and is deterministic in its random input', () => {
    expect(nextCheckDelay(0, 'RecordMissing', 0)).toBe(4_500);
    expect(nextCheckDelay(0, 'RecordMissing', 0.999999)).toBe(5_500);
    expect(nextCheckDelay(7, 'RecordMissing', 0)).toBe(540_000);
    expect(nextCheckDelay(2, 'Timeout', 0.25)).toBe(nextCheckDelay(2, 'Timeout', 0.25));
    expect(nextCheckDelay(0, 'RecordMissing', 7)).toBe(5_500);
  });
});
