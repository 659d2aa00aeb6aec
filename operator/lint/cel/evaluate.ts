// Runs every x-kubernetes-validations rule of a schema over an object, as the API server does
// on create: each rule at each value its schema node applies to, `self` being that value,
// transition rules skipped. Pure: returns the failures, at the paths the API server names.

import { Optional } from '@marcbachmann/cel-js';
import type { OpenApiSchema } from '../../api/openapi-schema.ts';
import type { PathSegment } from '../field-path.ts';
import { effectiveName } from '../metadata.ts';
import { isPlainObject } from '../plain-object.ts';
import { compileRule, evaluationErrorMessage, failureMessage } from './rules.ts';
import { celValue } from './values.ts';

export interface RuleFailure {
  path: PathSegment[];
  message: string;
}

/**
 * `object` is the whole object, defaults applied and (with a status subresource) without
 * status, as the API server has it when it evaluates the rules.
 */
export function evaluateRules(schema: OpenApiSchema, object: Record<string, unknown>): RuleFailure[] {
  const failures: RuleFailure[] = [];
  walk(schema, object, [], failures);
  return failures;
}

function walk(schema: OpenApiSchema, value: unknown, path: PathSegment[], failures: RuleFailure[]): void {
  if (value === null || value === undefined) return;
  if (schema['x-kubernetes-validations']?.length) {
    const self = path.length === 0 ? rootSelf(schema, value) : celValue(value, schema);
    for (const rule of schema['x-kubernetes-validations']) {
      const failure = evaluate(rule, self, path);
      if (failure) failures.push(failure);
    }
  }
  if (Array.isArray(value)) {
    if (schema.items)
      for (const [i, item] of value.entries()) walk(schema.items, item, [...path, i], failures);
    return;
  }
  if (!isPlainObject(value)) return;
  for (const [key, child] of Object.entries(value)) {
    if (path.length === 0 && key === 'metadata') continue;
    const childSchema =
      schema.properties?.[key] ??
      (typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined);
    if (childSchema) walk(childSchema, child, [...path, key], failures);
  }
}

/** At the root, rules see only the name (generated, for generateName) and generateName. */
function rootSelf(schema: OpenApiSchema, object: unknown): unknown {
  const self = celValue(object, schema);
  if (!isPlainObject(self) || !isPlainObject(object) || !isPlainObject(object.metadata)) return self;
  const name = effectiveName(object.metadata);
  const { generateName } = object.metadata;
  self.metadata = {
    ...(name === undefined ? {} : { name }),
    ...(typeof generateName === 'string' ? { generateName } : {}),
  };
  return self;
}

function evaluate(
  rule: NonNullable<OpenApiSchema['x-kubernetes-validations']>[number],
  self: unknown,
  path: PathSegment[],
): RuleFailure | undefined {
  const compiled = compileRule(rule);
  if (!compiled.program) {
    return { path, message: `rule does not compile (${compiled.compileError}): ${rule.rule.trim()}` };
  }
  if (compiled.transition && !rule.optionalOldSelf) return undefined;
  let result: unknown;
  try {
    result = compiled.program(compiled.transition ? { self, oldSelf: NO_OLD_SELF } : { self });
  } catch (e) {
    return { path, message: evaluationErrorMessage(rule, e) };
  }
  if (result === true) return undefined;
  return { path: [...path, ...fieldPathSegments(rule.fieldPath)], message: failureMessage(compiled, self) };
}

/** oldSelf on create for rules with optionalOldSelf. */
const NO_OLD_SELF = Optional.none();

/** `.namespace`, `.a.b`, `['x.y']` or `[0]` as path segments. */
export function fieldPathSegments(fieldPath: string | undefined): PathSegment[] {
  if (!fieldPath) return [];
  const segments: PathSegment[] = [];
  for (const m of fieldPath.matchAll(/\.([^.[]+)|\['((?:[^'\\]|\\.)*)'\]|\[(\d+)\]/g)) {
    if (m[1] !== undefined) segments.push(m[1]);
    else if (m[2] !== undefined) segments.push(m[2].replace(/\\(.)/g, '$1'));
    else if (m[3] !== undefined) segments.push(Number(m[3]));
  }
  return segments;
}
