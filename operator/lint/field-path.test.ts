import { describe, expect, it } from 'vitest';
import { formatPath } from './field-path.ts';

describe('formatPath', () => {
  it('writes indexes and odd map keys in brackets', () => {
    expect(formatPath(['spec', 'owners', 0, 'kind'])).toBe('spec.owners[0].kind');
    expect(formatPath(['spec', 'quota', 'hard', 'requests.cpu'])).toBe('spec.quota.hard[requests.cpu]');
    expect(formatPath([])).toBe('');
  });

  it('uses the schema to tell map keys from fields', () => {
    const schema = {
      type: 'object',
      properties: { hard: { type: 'object', additionalProperties: { type: 'string' } } },
    };
    expect(formatPath(['hard', 'pods'], schema)).toBe('hard[pods]');
    expect(formatPath(['hard', 'pods'])).toBe('hard.pods');
  });
});
