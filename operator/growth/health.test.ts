import { describe, expect, it } from 'vitest';
import type { HealthStatus } from '../api/v1alpha1/growth.ts';
import { bandOf, type HealthInputs, healthStatus, renormalise } from './health.ts';

const now = '2026-11-25T12:00:00Z';
const all: HealthInputs = {
  activation: { done: 3, total: 4 },
  activity: { runningNamespaces: 1, workloadNamespaces: 2, meteredUsage: false, apiActions: 4 },
  identity: { pass: 7, warn: 1, fail: 0 },
  domain: { verified: true },
  refusals: { count: 2 },
  nudges: { active: 2, overdue: 1 },
};

const sumOf = (h: HealthStatus) => h.components.reduce((s, c) => s + (c.contributionHundredths ?? 0), 0);

describe('health score v1', () => {
  it('shows each component with weight, raw value, score and a contribution, and the contributions add up', () => {
    const h = healthStatus(all, undefined, now);
    const byName = Object.fromEntries(h.components.map((c) => [c.name, c]));
    expect(byName.activation).toEqual({
      name: 'activation',
      weight: 30,
      effectiveWeight: 30,
      raw: '3/4 checklist items',
      score: 75,
      contributionHundredths: 2250,
    });
    expect(byName.activity?.raw).toBe(
      'running pods in 1/2 namespaces; metered usage in 7 days: none; 4 tenant API actions in 7 days',
    );
    expect(byName.activity?.score).toBe(67); // 2 of 3 signals
    expect(byName.identity?.score).toBe(94); // (7×100 + 50) / 8, rounded
    expect(byName.refusals?.score).toBe(60);
    expect(byName.nudges?.score).toBe(50);
    // 2250 + 67×25 + 94×15 + 100×10 + 60×10 + 50×10 = 2250 + 1675 + 1410 + 1000 + 600 + 500
    expect(h.scoreHundredths).toBe(7435);
    expect(sumOf(h)).toBe(h.scoreHundredths);
    expect(h.score).toBe(74);
    expect(h.band).toBe('healthy');
    expect(h.renormalised).toBe(false);
    expect(h.formulaVersion).toBe('v1');
  });

  it('drops components without data and renormalises the others to exactly 100', () => {
    const h = healthStatus(
      {
        ...all,
        identity: { missing: 'no identity provider (spec.identity)' },
        domain: { missing: 'no domain (spec.domain)' },
      },
      undefined,
      now,
    );
    const identity = h.components.find((c) => c.name === 'identity');
    expect(identity).toEqual({
      name: 'identity',
      weight: 15,
      missing: 'no identity provider (spec.identity)',
    });
    // 30, 25, 10, 10 of 75: 40, 33.3, 13.3, 13.3; the spare point goes to the largest remainder.
    expect(h.components.filter((c) => c.effectiveWeight !== undefined).map((c) => c.effectiveWeight)).toEqual(
      [40, 34, 13, 13],
    );
    expect(h.renormalised).toBe(true);
    expect(sumOf(h)).toBe(h.scoreHundredths);
    expect(h.score).toBe(Math.floor((h.scoreHundredths + 50) / 100));
  });

  it('renormalises any weights to whole numbers adding up to 100', () => {
    for (let n = 0; n < 200; n++) {
      const weights = Array.from({ length: 1 + (n % 6) }, (_, i) => 1 + ((n * 7 + i * 13) % 37));
      const out = renormalise(weights);
      expect(out.reduce((a, b) => a + b, 0)).toBe(100);
      const total = weights.reduce((a, b) => a + b, 0);
      out.forEach((w, i) => {
        expect(Math.abs(w - ((weights[i] ?? 0) * 100) / total)).toBeLessThan(1);
      });
    }
  });

  it('puts scores into bands at 70 and 40', () => {
    expect([100, 70, 69, 40, 39, 0].map(bandOf)).toEqual([
      'healthy',
      'healthy',
      'atRisk',
      'atRisk',
      'critical',
      'critical',
    ]);
  });

  it('keeps the status as it is while the inputs are unchanged, and records the trend when they change', () => {
    const first = healthStatus(all, undefined, now);
    expect(first.trend).toBeUndefined();
    const again = healthStatus(all, structuredClone(first), '2026-11-25T13:00:00Z');
    expect(again).toEqual(first);
    const worse = healthStatus({ ...all, refusals: { count: 5 } }, first, '2026-11-25T14:00:00Z');
    expect(worse).toMatchObject({ previousScore: 74, trend: 'down', computedAt: '2026-11-25T14:00:00Z' });
    expect(worse.score).toBe(68);
    expect(worse.band).toBe('atRisk');
    // Six refusals score 0 points as five do: the inputs changed, the score did not.
    const same = healthStatus({ ...all, refusals: { count: 6 } }, worse, '2026-11-25T15:00:00Z');
    expect(same).toMatchObject({ score: 68, previousScore: 68, trend: 'steady' });
    const better = healthStatus(all, same, '2026-11-25T16:00:00Z');
    expect(better).toMatchObject({ score: 74, previousScore: 68, trend: 'up' });
  });

  it('does not keep a score written into status by hand', () => {
    const honest = healthStatus(all, undefined, now);
    const forged = { ...structuredClone(honest), score: 99, scoreHundredths: 9900, band: 'healthy' as const };
    const repaired = healthStatus(all, forged, '2026-11-25T13:00:00Z');
    expect(repaired.score).toBe(74);
    expect(repaired.scoreHundredths).toBe(7435);
    // The forged number is no previous score either.
    expect(repaired.previousScore).toBeUndefined();
    expect(repaired.computedAt).toBe(now);
  });
});
