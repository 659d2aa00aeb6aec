// The offline part of the API server's structural-schema validation, rule by rule, so that an
// object's violations can be counted per rule and field: required, type, enum, bounds, pattern.
// CEL (x-kubernetes-validations) is not here: the policy-impact check runs it on the API server.

import type { OpenApiSchema } from '../api/openapi-schema.ts';
import { typeOf } from './property-rules.ts';

export type ImpactRule =
  | 'requiredMissing'
  | 'typeMismatch'
  | 'enumNotAllowed'
  | 'boundExceeded'
  | 'patternMismatch';

export interface Violation {
  rule: ImpactRule;
  /** Schema path, `[*]` for list items and map values, so counts add up across objects. */
  path: string;
  /** What the schema wants, never the object's value: a field may hold something private. */
  message: string;
}

export interface SchemaCheck {
  violations: Violation[];
  /** Patterns that JS cannot compile (RE2-only syntax): not checked, and said so. */
  uncheckedPatterns: Set<string>;
}

export function checkValue(
  schema: OpenApiSchema,
  value: unknown,
  path = '',
  check = newCheck(),
): SchemaCheck {
  if (value === null && schema.nullable) return check;
  const before = check.violations.length;
  checkType(schema, value, path, check);
  if (check.violations.length > before) return check;
  checkEnum(schema, value, path, check);
  checkBounds(schema, value, path, check);
  checkPattern(schema, value, path, check);
  if (Array.isArray(value)) {
    if (schema.items) for (const item of value) checkValue(schema.items, item, `${path}[*]`, check);
  } else if (isObject(value)) {
    checkObject(schema, value, path, check);
  }
  return check;
}

function newCheck(): SchemaCheck {
  return { violations: [], uncheckedPatterns: new Set() };
}

/**
 * Null counts as absent: the API server prunes nulls of fields that are not nullable before it
 * defaults and validates. A missing field with a default is filled in when the object is read.
 */
function checkObject(
  schema: OpenApiSchema,
  value: Record<string, unknown>,
  path: string,
  check: SchemaCheck,
): void {
  for (const name of schema.required ?? []) {
    if (present(value[name]) || schema.properties?.[name]?.default !== undefined) continue;
    check.violations.push({
      rule: 'requiredMissing',
      path: `${path}.${name}`,
      message: 'is required and has no default',
    });
  }
  const values = typeof schema.additionalProperties === 'object' ? schema.additionalProperties : undefined;
  for (const [name, child] of Object.entries(value)) {
    if (!present(child)) continue;
    const property = schema.properties?.[name];
    if (property) checkValue(property, child, `${path}.${name}`, check);
    else if (values) checkValue(values, child, `${path}[*]`, check);
  }
}

function checkType(schema: OpenApiSchema, value: unknown, path: string, check: SchemaCheck): void {
  const want = typeOf(schema);
  if (matchesType(want, value)) return;
  check.violations.push({ rule: 'typeMismatch', path, message: `must be ${want}, is ${jsonType(value)}` });
}

function checkEnum(schema: OpenApiSchema, value: unknown, path: string, check: SchemaCheck): void {
  if (!schema.enum) return;
  const json = JSON.stringify(value);
  if (schema.enum.some((allowed) => JSON.stringify(allowed) === json)) return;
  const allowed = schema.enum.map((v) => JSON.stringify(v)).join(', ');
  check.violations.push({ rule: 'enumNotAllowed', path, message: `must be one of ${allowed}` });
}

function checkBounds(schema: OpenApiSchema, value: unknown, path: string, check: SchemaCheck): void {
  const broken = brokenBound(schema, value);
  if (broken) check.violations.push({ rule: 'boundExceeded', path, message: broken });
}

/** Lengths count code points (the API server counts runes), not JS's UTF-16 units. */
function brokenBound(schema: OpenApiSchema, value: unknown): string | undefined {
  if (typeof value === 'number') {
    const { minimum: min, maximum: max } = schema;
    if (min !== undefined && (schema.exclusiveMinimum ? value <= min : value < min))
      return `must be ${schema.exclusiveMinimum ? 'greater than' : 'at least'} ${min}`;
    if (max !== undefined && (schema.exclusiveMaximum ? value >= max : value > max))
      return `must be ${schema.exclusiveMaximum ? 'less than' : 'at most'} ${max}`;
    return undefined;
  }
  if (typeof value === 'string')
    return sizeBound([...value].length, schema.minLength, schema.maxLength, 'characters');
  if (Array.isArray(value)) return sizeBound(value.length, schema.minItems, schema.maxItems, 'items');
  if (isObject(value))
    return sizeBound(Object.keys(value).length, schema.minProperties, schema.maxProperties, 'entries');
  return undefined;
}

function sizeBound(
  size: number,
  min: number | undefined,
  max: number | undefined,
  unit: string,
): string | undefined {
  if (min !== undefined && size < min) return `must have at least ${min} ${unit}`;
  if (max !== undefined && size > max) return `must have at most ${max} ${unit}`;
  return undefined;
}

/**
 * The API server's patterns are Go RE2; JS with the 'u' flag reads the common subset the same
 * way (classes, anchors, repetition; both search rather than match whole). RE2-only syntax such
 * as `(?i)` or `\z` does not compile in JS: such patterns are reported unchecked, not guessed.
 * JS-only syntax (lookaround, backreferences) cannot occur: the API server refuses it.
 */
function checkPattern(schema: OpenApiSchema, value: unknown, path: string, check: SchemaCheck): void {
  if (schema.pattern === undefined || typeof value !== 'string') return;
  const regexp = compile(schema.pattern);
  if (!regexp) {
    check.uncheckedPatterns.add(`${path}: ${schema.pattern}`);
    return;
  }
  if (!regexp.test(value))
    check.violations.push({ rule: 'patternMismatch', path, message: `must match ${schema.pattern}` });
}

const compiled = new Map<string, RegExp | undefined>();

function compile(pattern: string): RegExp | undefined {
  if (!compiled.has(pattern)) {
    try {
      compiled.set(pattern, new RegExp(pattern, 'u'));
    } catch {
      compiled.set(pattern, undefined);
    }
  }
  return compiled.get(pattern);
}

function matchesType(type: string, value: unknown): boolean {
  switch (type) {
    case 'any':
      return true;
    case 'int-or-string':
      return typeof value === 'string' || Number.isInteger(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isObject(value);
    default:
      return typeof value === type;
  }
}

function jsonType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  if (typeof value === 'number') return Number.isInteger(value) ? 'integer' : 'number';
  return typeof value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function present(value: unknown): boolean {
  return value !== undefined && value !== null;
}
