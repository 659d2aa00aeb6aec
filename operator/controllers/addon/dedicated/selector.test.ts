import { describe, expect, it } from 'vitest';
import { matchesSelector } from './selector.ts';

describe('matchesSelector', () => {
  const labels = { tier: 'gpu', zone: 'a' };
  it('matches everything with an empty or missing selector', () => {
    expect(matchesSelector(undefined, labels)).toBe(true);
    expect(matchesSelector({}, {})).toBe(true);
  });
  it('requires matchLabels exactly', () => {
    expect(matchesSelector({ matchLabels: { tier: 'gpu' } }, labels)).toBe(true);
    expect(matchesSelector({ matchLabels: { tier: 'cpu' } }, labels)).toBe(false);
    expect(matchesSelector({ matchLabels: { other: '' } }, labels)).toBe(false);
  });
  it('evaluates In, NotIn, Exists, DoesNotExist and ANDs them', () => {
    expect(
      matchesSelector({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['a', 'b'] }] }, labels),
    ).toBe(true);
    expect(
      matchesSelector({ matchExpressions: [{ key: 'zone', operator: 'In', values: ['b'] }] }, labels),
    ).toBe(false);
    expect(
      matchesSelector({ matchExpressions: [{ key: 'nope', operator: 'In', values: [''] }] }, labels),
    ).toBe(false);
    expect(
      matchesSelector({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['b'] }] }, labels),
    ).toBe(true);
    expect(
      matchesSelector({ matchExpressions: [{ key: 'nope', operator: 'NotIn', values: ['b'] }] }, labels),
    ).toBe(true);
    expect(
      matchesSelector({ matchExpressions: [{ key: 'zone', operator: 'NotIn', values: ['a'] }] }, labels),
    ).toBe(false);
    expect(matchesSelector({ matchExpressions: [{ key: 'tier', operator: 'Exists' }] }, labels)).toBe(true);
    expect(matchesSelector({ matchExpressions: [{ key: 'nope', operator: 'Exists' }] }, labels)).toBe(false);
    expect(matchesSelector({ matchExpressions: [{ key: 'nope', operator: 'DoesNotExist' }] }, labels)).toBe(
      true,
    );
    expect(matchesSelector({ matchExpressions: [{ key: 'tier', operator: 'DoesNotExist' }] }, labels)).toBe(
      false,
    );
    expect(
      matchesSelector(
        {
          matchLabels: { tier: 'gpu' },
          matchExpressions: [
            { key: 'zone', operator: 'In', values: ['a'] },
            { key: 'tier', operator: 'NotIn', values: ['gpu'] },
          ],
        },
        labels,
      ),
    ).toBe(false);
  });
  it('matches nothing with an unknown operator', () => {
    expect(
      matchesSelector({ matchExpressions: [{ key: 'tier', operator: 'Gt' as 'In', values: ['1'] }] }, labels),
    ).toBe(false);
  });
});
