import { describe, expect, it } from 'vitest';
import type { OpenApiSchema, ValidationRule } from '../../api/openapi-schema.ts';
import { evaluateRules, fieldPathSegments } from './evaluate.ts';

/** A root schema whose spec has the given properties and rules. */
function schema(properties: Record<string, OpenApiSchema>, rules: ValidationRule[]): OpenApiSchema {
  return {
    type: 'object',
    properties: {
      metadata: { type: 'object' },
      spec: { type: 'object', properties, 'x-kubernetes-validations': rules },
    },
  };
}

const object = (spec: Record<string, unknown>, metadata: Record<string, unknown> = { name: 'acme' }) => ({
  apiVersion: 'example.dev/v1',
  kind: 'Widget',
  metadata,
  spec,
});

describe('evaluateRules', () => {
  it('reports a false rule with its message at the node, or at fieldPath below it', () => {
    const s = schema({ size: { type: 'integer' } }, [
      { rule: 'self.size <= 3', message: 'size must be at most 3' },
      { rule: 'self.size % 2 == 0', message: 'size must be even', fieldPath: '.size' },
    ]);
    expect(evaluateRules(s, object({ size: 5 }))).toEqual([
      { path: ['spec'], message: 'size must be at most 3' },
      { path: ['spec', 'size'], message: 'size must be even' },
    ]);
    expect(evaluateRules(s, object({ size: 2 }))).toEqual([]);
  });

  it('says "failed rule" without a message, and prefixes reasons other than Invalid', () => {
    const s = schema({ size: { type: 'integer' } }, [
      { rule: 'self.size > 0' },
      { rule: 'self.size > 1', message: 'too small', reason: 'FieldValueForbidden' },
    ]);
    expect(evaluateRules(s, object({ size: 0 })).map((f) => f.message)).toEqual([
      'failed rule: self.size > 0',
      'Forbidden: too small',
    ]);
  });

  it('uses messageExpression when it gives a non-empty string', () => {
    const s = schema({ size: { type: 'integer' } }, [
      {
        rule: 'self.size < 3',
        message: 'plain',
        messageExpression: "'size ' + string(self.size) + ' is too big'",
      },
      { rule: 'self.size < 3', message: 'plain', messageExpression: "''" },
    ]);
    expect(evaluateRules(s, object({ size: 7 })).map((f) => f.message)).toEqual([
      'size 7 is too big',
      'plain',
    ]);
  });

  it('skips transition rules on create unless optionalOldSelf, which sees no old object', () => {
    const s = schema({ size: { type: 'integer' } }, [
      { rule: 'self == oldSelf', message: 'immutable' },
      { rule: 'oldSelf.hasValue() || self.size == 1', message: 'must start at 1', optionalOldSelf: true },
    ]);
    expect(evaluateRules(s, object({ size: 2 })).map((f) => f.message)).toEqual(['must start at 1']);
  });

  it('reports an evaluation error as the API server words it', () => {
    const s = schema({ size: { type: 'integer' } }, [{ rule: 'self.size > 0', message: 'positive' }]);
    expect(evaluateRules(s, object({}))).toEqual([
      { path: ['spec'], message: 'no such key: size evaluating rule: positive' },
    ]);
  });

  it('runs rules at every list item and map value, with integers as ints', () => {
    const item: OpenApiSchema = {
      type: 'object',
      properties: { n: { type: 'integer' } },
      'x-kubernetes-validations': [{ rule: 'self.n == 1', message: 'n must be 1' }],
    };
    const s = schema(
      { list: { type: 'array', items: item }, map: { type: 'object', additionalProperties: item } },
      [],
    );
    expect(evaluateRules(s, object({ list: [{ n: 1 }, { n: 2 }], map: { a: { n: 3 } } }))).toEqual([
      { path: ['spec', 'list', 1], message: 'n must be 1' },
      { path: ['spec', 'map', 'a'], message: 'n must be 1' },
    ]);
  });

  it('escapes property names as Kubernetes does and keeps reserved words reachable', () => {
    const s = schema({ 'max-size': { type: 'integer' }, namespace: { type: 'string' } }, [
      { rule: 'self.max__dash__size == 1 && self.namespace == self.__namespace__', message: 'no' },
    ]);
    expect(evaluateRules(s, object({ 'max-size': 1, namespace: 'ns' }))).toEqual([]);
  });

  it('shows root rules only the name of the metadata, generated for generateName', () => {
    const s: OpenApiSchema = {
      type: 'object',
      properties: { metadata: { type: 'object' } },
      'x-kubernetes-validations': [
        { rule: "self.metadata.name.startsWith('acme')", message: 'name must start with acme' },
        { rule: '!has(self.metadata.labels)', message: 'labels are not visible' },
      ],
    };
    const labels = { team: 'a' };
    expect(evaluateRules(s, object({}, { name: 'acme-1', labels }))).toEqual([]);
    expect(evaluateRules(s, object({}, { generateName: 'acme-', labels }))).toEqual([]);
    expect(evaluateRules(s, object({}, { name: 'other' }))).toEqual([
      { path: [], message: 'name must start with acme' },
    ]);
  });
});

describe('fieldPathSegments', () => {
  it('reads dotted fields, quoted keys and indexes', () => {
    expect(fieldPathSegments('.spec.owners')).toEqual(['spec', 'owners']);
    expect(fieldPathSegments(".hard['requests.cpu']")).toEqual(['hard', 'requests.cpu']);
    expect(fieldPathSegments('.items[2].name')).toEqual(['items', 2, 'name']);
    expect(fieldPathSegments(undefined)).toEqual([]);
  });
});
