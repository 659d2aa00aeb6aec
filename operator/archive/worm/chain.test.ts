import { describe, expect, it } from 'vitest';
import { firstFailure, type WormCheck } from './chain.ts';
import { fail } from './failure.ts';
import { found } from './findings.ts';
import { findings } from './testing.ts';

describe('firstFailure', () => {
  it('runs the checks in order and stops at the first failure', async () => {
    const ran: string[] = [];
    const pass =
      (name: string): WormCheck =>
      () => {
        ran.push(name);
        return undefined;
      };
    const refuse: WormCheck = async () => {
      ran.push('refuse');
      return fail('ProbeDeletable', 'no');
    };
    expect(await firstFailure([pass('a'), refuse, pass('b')], findings())).toEqual(
      fail('ProbeDeletable', 'no'),
    );
    expect(ran).toEqual(['a', 'refuse']);
    expect(await firstFailure([pass('c')], findings())).toBeUndefined();
  });
});

describe('found', () => {
  it('refuses a finding no earlier check made', () => {
    expect(found(0, 'zero')).toBe(0);
    expect(() => found(undefined, 'the probe')).toThrow(/out of order: the probe/);
  });
});
