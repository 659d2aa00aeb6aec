import { describe, expect, it } from 'vitest';
import type { Entitlement } from '../../api/v1alpha1/index.ts';
import { graceMs, meteringDue } from './metering.ts';

const HOUR = 3_600_000;
const ent = (status: Entitlement['status'], generation = 1) =>
  ({
    metadata: { name: 'acme', generation },
    spec: { tenantRef: { name: 'acme' }, plan: 'team' },
    status,
  }) as Entitlement;

describe('meteringDue', () => {
  const wm = Date.parse('2026-11-25T10:00:00Z');
  it('meters first, after a spec change, and once the next window has closed past the grace', () => {
    expect(meteringDue(ent(undefined), wm, HOUR)).toBe(true);
    const seen = { observedGeneration: 1, watermark: '2026-11-25T10:00:00Z' };
    expect(meteringDue(ent(seen, 2), wm, HOUR)).toBe(true);
    expect(meteringDue(ent(seen), wm + HOUR, HOUR)).toBe(false);
    expect(meteringDue(ent(seen), wm + HOUR + graceMs(HOUR), HOUR)).toBe(true);
  });
  it('waits at most 30 s, and half a short window', () => {
    expect(graceMs(HOUR)).toBe(30_000);
    expect(graceMs(2000)).toBe(1000);
  });
});
