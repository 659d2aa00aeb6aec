import { describe, expect, it } from 'vitest';
import { kstatus, setCondition, summarize } from './conditions.ts';
import { FakeClock } from './testing/fake-clock.ts';

describe('setCondition', () => {
  it('stamps the transition time only when the status flips', () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1, 0, 0, 0));
    let c = setCondition([], { type: 'Ready', status: 'False', reason: 'A', message: 'a' }, 1, clock);
    expect(c[0]?.lastTransitionTime).toBe('2026-01-01T00:00:00Z');
    clock.advance(60_000);
    c = setCondition(c, { type: 'Ready', status: 'False', reason: 'B', message: 'b' }, 2, clock);
    expect(c[0]).toMatchObject({
      reason: 'B',
      observedGeneration: 2,
      lastTransitionTime: '2026-01-01T00:00:00Z',
    });
    clock.advance(60_000);
    c = setCondition(c, { type: 'Ready', status: 'True', reason: 'C', message: 'c' }, 2, clock);
    expect(c[0]?.lastTransitionTime).toBe('2026-01-01T00:02:00Z');
    expect(c).toHaveLength(1);
  });

  it('uses whole seconds so an unchanged condition compares equal', () => {
    const clock = new FakeClock(Date.UTC(2026, 0, 1) + 123);
    const c = setCondition([], { type: 'X', status: 'True', reason: 'R', message: '' }, 1, clock);
    expect(c[0]?.lastTransitionTime).toBe('2026-01-01T00:00:00Z');
  });
});

describe('summarize and kstatus', () => {
  const clock = new FakeClock();
  const obj = (conditions: ReturnType<typeof summarize>, generation = 3, observed = 3) => ({
    metadata: { generation },
    status: { observedGeneration: observed, conditions },
  });

  it('reads Ready as Current', () => {
    const c = summarize([], { state: 'ready', message: 'ok' }, 3, clock);
    expect(kstatus(obj(c))).toBe('Current');
    expect(c.map((x) => x.type)).toEqual(['Ready']);
  });

  it('reads progressing as InProgress and stalled as Failed', () => {
    const p = summarize([], { state: 'progressing', reason: 'Waiting', message: 'w' }, 3, clock);
    expect(kstatus(obj(p))).toBe('InProgress');
    const s = summarize(p, { state: 'stalled', reason: 'Invalid', message: 'bad' }, 3, clock);
    expect(s.find((x) => x.type === 'Reconciling')).toBeUndefined();
    expect(kstatus(obj(s))).toBe('Failed');
  });

  it('treats a stale observedGeneration as InProgress', () => {
    const c = summarize([], { state: 'ready', message: 'ok' }, 2, clock);
    expect(kstatus(obj(c, 3, 2))).toBe('InProgress');
  });

  it('treats deletion as Terminating', () => {
    expect(kstatus({ metadata: { deletionTimestamp: 'x' } })).toBe('Terminating');
  });
});
