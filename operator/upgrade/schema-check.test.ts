import { describe, expect, it } from 'vitest';
import type { OpenApiSchema } from '../api/openapi-schema.ts';
import { checkValue } from './schema-check.ts';

function violations(schema: OpenApiSchema, value: unknown) {
  return checkValue(schema, value).violations.map((v) => [v.rule, v.path, v.message]);
}

const spec = (properties: Record<string, OpenApiSchema>, required: string[] = []): OpenApiSchema => ({
  type: 'object',
  properties,
  required,
});

describe('checkValue', () => {
  it('refuses a missing required field, unless it has a default or is only null', () => {
    expect(violations(spec({ a: { type: 'string' } }, ['a']), {})).toEqual([
      ['requiredMissing', '.a', 'is required and has no default'],
    ]);
    expect(violations(spec({ a: { type: 'string' } }, ['a']), { a: null })).toHaveLength(1);
    expect(violations(spec({ a: { type: 'string', default: 'x' } }, ['a']), {})).toEqual([]);
    expect(violations(spec({ a: { type: 'string' } }, ['a']), { a: 'x' })).toEqual([]);
  });

  it('refuses a value of the wrong type and checks nothing else about it', () => {
    expect(violations(spec({ n: { type: 'integer', maximum: 1 } }), { n: 'many' })).toEqual([
      ['typeMismatch', '.n', 'must be integer, is string'],
    ]);
    expect(violations(spec({ n: { type: 'integer' } }), { n: 1.5 })).toEqual([
      ['typeMismatch', '.n', 'must be integer, is number'],
    ]);
    const quantity: OpenApiSchema = { 'x-kubernetes-int-or-string': true };
    expect(violations(spec({ q: quantity }), { q: 3 })).toEqual([]);
    expect(violations(spec({ q: quantity }), { q: '3Gi' })).toEqual([]);
    expect(violations(spec({ q: quantity }), { q: true })).toHaveLength(1);
  });

  it('lets null through only where the schema is nullable', () => {
    expect(violations({ type: 'string', nullable: true, enum: ['a'] }, null)).toEqual([]);
    expect(violations({ type: 'string' }, null)).toEqual([['typeMismatch', '', 'must be string, is null']]);
  });

  it('refuses an enum value not allowed', () => {
    expect(violations(spec({ k: { type: 'string', enum: ['User', 'Group'] } }), { k: 'Robot' })).toEqual([
      ['enumNotAllowed', '.k', 'must be one of "User", "Group"'],
    ]);
    expect(violations(spec({ k: { type: 'string', enum: ['User'] } }), { k: 'User' })).toEqual([]);
  });

  it('checks numeric bounds, exclusive ones too', () => {
    const days: OpenApiSchema = { type: 'integer', minimum: 1, maximum: 10 };
    expect(violations(days, 0)).toEqual([['boundExceeded', '', 'must be at least 1']]);
    expect(violations(days, 11)).toEqual([['boundExceeded', '', 'must be at most 10']]);
    expect(violations(days, 10)).toEqual([]);
    expect(violations({ ...days, exclusiveMaximum: true }, 10)).toEqual([
      ['boundExceeded', '', 'must be less than 10'],
    ]);
  });

  it('counts string length in code points, as the API server does', () => {
    const short: OpenApiSchema = { type: 'string', maxLength: 2 };
    expect(violations(short, '😀😀')).toEqual([]);
    expect(violations(short, 'abc')).toEqual([['boundExceeded', '', 'must have at most 2 characters']]);
  });

  it('checks the size of lists and maps', () => {
    expect(violations({ type: 'array', minItems: 1, items: { type: 'string' } }, [])).toEqual([
      ['boundExceeded', '', 'must have at least 1 items'],
    ]);
    expect(violations({ type: 'object', maxProperties: 1 }, { a: 1, b: 2 })).toEqual([
      ['boundExceeded', '', 'must have at most 1 entries'],
    ]);
  });

  it('matches patterns as a search, with the u flag', () => {
    const region: OpenApiSchema = { type: 'string', pattern: '^[a-z0-9-]+$' };
    expect(violations(region, 'eu-west-1')).toEqual([]);
    expect(violations(region, 'EU')).toEqual([['patternMismatch', '', 'must match ^[a-z0-9-]+$']]);
    expect(violations({ type: 'string', pattern: 'b' }, 'abc')).toEqual([]);
  });

  it('reports an RE2-only pattern unchecked instead of guessing', () => {
    const check = checkValue(spec({ s: { type: 'string', pattern: '(?i)^abc$' } }), { s: 'ABC' });
    expect(check.violations).toEqual([]);
    expect([...check.uncheckedPatterns]).toEqual(['.s: (?i)^abc$']);
  });

  it('walks list items and map values with [*] paths', () => {
    const schema = spec({
      owners: { type: 'array', items: spec({ kind: { type: 'string', enum: ['User'] } }) },
      hard: { type: 'object', additionalProperties: { type: 'string', maxLength: 2 } },
    });
    expect(
      violations(schema, { owners: [{ kind: 'User' }, { kind: 'Group' }], hard: { pods: '100' } }),
    ).toEqual([
      ['enumNotAllowed', '.owners[*].kind', 'must be one of "User"'],
      ['boundExceeded', '.hard[*]', 'must have at most 2 characters'],
    ]);
  });

  it('ignores fields the schema does not know: the API server prunes them', () => {
    expect(violations(spec({}), { gone: 42 })).toEqual([]);
  });
});
