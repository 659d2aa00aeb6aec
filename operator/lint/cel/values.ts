// An object's fields as CEL rules see them in the API server: typed by the schema (integers
// are CEL ints, date-times timestamps, base64 strings bytes) and with property names escaped
// the way Kubernetes escapes them (`x-y` is `self.x__dash__y`).

import type { OpenApiSchema } from '../../api/openapi-schema.ts';
import { isPlainObject } from '../plain-object.ts';

/** CEL's reserved words; Kubernetes exposes properties with these names as `__word__`. */
const RESERVED = new Set([
  'true',
  'false',
  'null',
  'in',
  'as',
  'break',
  'const',
  'continue',
  'else',
  'for',
  'function',
  'if',
  'import',
  'let',
  'loop',
  'package',
  'namespace',
  'return',
  'var',
  'void',
  'while',
]);

/**
 * The names a property is reachable by in CEL, none if Kubernetes makes it inaccessible.
 * A reserved word is also kept as is: the API server accepts `self.namespace`.
 */
export function celPropertyNames(name: string): string[] {
  if (!/^[a-zA-Z_.\-/][a-zA-Z0-9_.\-/]*$/.test(name)) return [];
  if (RESERVED.has(name)) return [name, `__${name}__`];
  const escaped = name
    .replaceAll('__', '__underscores__')
    .replaceAll('.', '__dot__')
    .replaceAll('-', '__dash__')
    .replaceAll('/', '__slash__');
  return [escaped];
}

/** `value` (plain data from YAML) as the CEL value of a node with schema `schema`. */
export function celValue(value: unknown, schema: OpenApiSchema | undefined): unknown {
  if (value === null || value === undefined) return value;
  if (!schema || schema['x-kubernetes-int-or-string'] || isUntyped(schema)) return untypedValue(value);
  switch (schema.type) {
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : value;
    case 'string':
      return stringValue(value, schema.format);
    case 'array':
      return Array.isArray(value) ? value.map((item) => celValue(item, schema.items)) : value;
    case 'object':
      return isPlainObject(value) ? objectValue(value, schema) : value;
    default:
      return value;
  }
}

function isUntyped(schema: OpenApiSchema): boolean {
  return (
    schema.type === undefined ||
    (schema['x-kubernetes-preserve-unknown-fields'] === true && !schema.properties)
  );
}

/** Untyped JSON: whole numbers are ints, as the API server decodes them. */
function untypedValue(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(untypedValue);
  if (isPlainObject(value))
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, untypedValue(v)]));
  return value;
}

function stringValue(value: unknown, format: string | undefined): unknown {
  if (typeof value !== 'string') return value;
  if (format === 'date-time') {
    const time = new Date(value);
    return Number.isNaN(time.getTime()) ? value : time;
  }
  if (format === 'byte') return Uint8Array.from(Buffer.from(value, 'base64'));
  return value;
}

function objectValue(value: Record<string, unknown>, schema: OpenApiSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, child] of Object.entries(value)) {
    const property = schema.properties?.[key];
    if (property) {
      for (const name of celPropertyNames(key)) out[name] = celValue(child, property);
    } else if (typeof schema.additionalProperties === 'object') {
      out[key] = celValue(child, schema.additionalProperties);
    } else if (schema['x-kubernetes-preserve-unknown-fields'] || schema.additionalProperties === true) {
      out[key] = untypedValue(child);
    }
  }
  return out;
}
