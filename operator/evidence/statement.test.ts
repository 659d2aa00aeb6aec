import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  assertStatement,
  canonicalJson,
  makeStatement,
  normalizeSha256,
  STATEMENT_TYPE,
  subjectFromBytes,
  subjectFromJson,
} from './statement.ts';

describe('canonicalJson', () => {
  it('sorts keys at every depth and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: 'x' } })).toBe(
      '{"a":{"c":"x","d":[3,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('gives the same text whatever the insertion order', () => {
    expect(canonicalJson({ x: 1, y: [true, null] })).toBe(canonicalJson({ y: [true, null], x: 1 }));
  });

  it('omits undefined properties and writes undefined array items as null, like JSON.stringify', () => {
    expect(canonicalJson({ a: undefined, b: [undefined] })).toBe('{"b":[null]}');
  });

  it('uses toJSON (dates) and escapes strings as JSON does', () => {
    expect(canonicalJson({ t: new Date(0), s: 'é"\n' })).toBe(
      '{"s":"é\\"\\n","t":"1970-01-01T00:00:00.000Z"}',
    );
  });

  it('refuses values JSON cannot carry faithfully', () => {
    expect(() => canonicalJson({ n: Number.NaN })).toThrow(/\$\.n is NaN/);
    expect(() => canonicalJson({ n: 1n })).toThrow(/bigint/);
  });
});

describe('subjects', () => {
  it('digests bytes with sha256', () => {
    const want = createHash('sha256').update('hello').digest('hex');
    expect(subjectFromBytes('f', Buffer.from('hello'))).toEqual({ name: 'f', digest: { sha256: want } });
  });

  it('digests JSON values by their canonical form', () => {
    expect(subjectFromJson('v', { b: 2, a: 1 }).digest.sha256).toBe(
      subjectFromBytes('v', '{"a":1,"b":2}').digest.sha256,
    );
  });

  it('normalises digests written by hand', () => {
    expect(normalizeSha256(' SHA256:ABCdef ')).toBe('abcdef');
  });
});

describe('statements', () => {
  const subject = subjectFromBytes('f', 'x');

  it('builds an in-toto Statement v1', () => {
    expect(makeStatement([subject], 'https://example.com/p/v1', { a: 1 })).toEqual({
      _type: STATEMENT_TYPE,
      subject: [subject],
      predicateType: 'https://example.com/p/v1',
      predicate: { a: 1 },
    });
  });

  it.each([
    ['no subject', { subject: [] }, /no subject/],
    [
      'a subject without sha256',
      { subject: [{ name: 'a', digest: { sha512: 'x' } }] },
      /subject\[0\] has no sha256/,
    ],
    ['an upper-case digest', { subject: [{ name: 'a', digest: { sha256: 'A'.repeat(64) } }] }, /sha256/],
    ['no predicate type', { predicateType: '' }, /no predicateType/],
    ['an old statement type', { _type: 'https://in-toto.io/Statement/v0.1' }, /_type/],
  ])('refuses %s', (_, patch, message) => {
    const s = { _type: STATEMENT_TYPE, subject: [subject], predicateType: 'p', predicate: {}, ...patch };
    expect(() => assertStatement(s)).toThrow(message);
  });
});
