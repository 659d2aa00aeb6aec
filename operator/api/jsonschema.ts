// Turns a CRD's OpenAPI v3 schema into plain JSON Schema that ajv can run, keeping the API
// server's behaviour where it matters offline: unknown fields are errors (kubectl
// validates fields strictly), `nullable` admits null, list types keep entries unique.
// CEL rules (x-kubernetes-validations) are dropped: ajv can't evaluate them.

import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { type OpenApiSchema, SCHEMA_KEYWORDS } from './openapi-schema.ts';

/** Custom ajv keyword standing in for x-kubernetes-list-type: map. */
export const LIST_MAP_KEYS_KEYWORD = 'k8sListMapKeys';

/** The keywords copied over unchanged; toJsonSchema rewrites the others, or drops them. */
const PLAIN_KEYWORDS = (Object.keys(SCHEMA_KEYWORDS) as (keyof OpenApiSchema)[]).filter(
  (key) => SCHEMA_KEYWORDS[key] === 'as-is',
);

/** Converts one CRD schema node (and everything under it) to JSON Schema for ajv. */
export function toJsonSchema(node: OpenApiSchema): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const key of PLAIN_KEYWORDS) {
    if (node[key] !== undefined) out[key] = node[key];
  }
  // OpenAPI v3.0 spells exclusive bounds as booleans beside minimum/maximum.
  if (node.exclusiveMinimum && node.minimum !== undefined) {
    delete out.minimum;
    out.exclusiveMinimum = node.minimum;
  }
  if (node.exclusiveMaximum && node.maximum !== undefined) {
    delete out.maximum;
    out.exclusiveMaximum = node.maximum;
  }
  if (node.nullable) {
    if (typeof node.type === 'string') out.type = [node.type, 'null'];
    if (node.enum) out.enum = [...node.enum, null];
  }
  if (node.properties) {
    out.properties = Object.fromEntries(
      Object.entries(node.properties).map(([name, child]) => [name, toJsonSchema(child)]),
    );
  }
  if (node.items) out.items = toJsonSchema(node.items);
  if (typeof node.additionalProperties === 'object') {
    out.additionalProperties = toJsonSchema(node.additionalProperties);
  } else if (node.additionalProperties !== undefined) {
    out.additionalProperties = node.additionalProperties;
  } else if (node.type === 'object' && node.properties && !node['x-kubernetes-preserve-unknown-fields']) {
    out.additionalProperties = false;
  }
  for (const key of ['anyOf', 'allOf', 'oneOf'] as const) {
    const list = node[key];
    if (list) out[key] = list.map(toJsonSchema);
  }
  if (node.not) out.not = toJsonSchema(node.not);
  if (node['x-kubernetes-list-type'] === 'set') out.uniqueItems = true;
  if (node['x-kubernetes-list-type'] === 'map' && node['x-kubernetes-list-map-keys']) {
    out[LIST_MAP_KEYS_KEYWORD] = node['x-kubernetes-list-map-keys'];
  }
  return out;
}

/**
 * An ajv instance that understands the converted schemas: OpenAPI formats, int32/int64
 * and the list-map keyword. Defaults are applied to the data being validated, as the API
 * server applies them before validating, so pass it a copy.
 */
export function createAjv(): Ajv {
  const ajv = new Ajv({
    strict: false,
    allErrors: true,
    useDefaults: true,
    allowUnionTypes: true,
    verbose: true,
  });
  addFormatsModule.default(ajv);
  ajv.addFormat('int32', {
    type: 'number',
    validate: (n: number) => Number.isInteger(n) && n >= -(2 ** 31) && n < 2 ** 31,
  });
  ajv.addFormat('int64', { type: 'number', validate: (n: number) => Number.isSafeInteger(n) });
  // Formats the API server knows but no Tenantry CRD uses yet: accept rather than fail.
  for (const name of ['byte', 'password', 'int-or-string', 'cidr', 'mac', 'bsonobjectid']) {
    if (!ajv.formats[name]) ajv.addFormat(name, true);
  }
  ajv.addKeyword({
    keyword: LIST_MAP_KEYS_KEYWORD,
    type: 'array',
    schemaType: 'array',
    errors: true,
    validate: function listMapKeys(keys: string[], data: unknown[]): boolean {
      const seen = new Map<string, number>();
      const errors: Partial<ErrorObject>[] = [];
      data.forEach((entry, index) => {
        if (typeof entry !== 'object' || entry === null) return;
        const record = entry as Record<string, unknown>;
        const identity = JSON.stringify(keys.map((k) => record[k]));
        const first = seen.get(identity);
        if (first === undefined) {
          seen.set(identity, index);
          return;
        }
        const described = keys.map((k) => `${k}=${JSON.stringify(record[k])}`).join(', ');
        errors.push({
          keyword: LIST_MAP_KEYS_KEYWORD,
          params: { index, first, keys },
          message: `duplicate entry: ${described} is already at index ${first}`,
        });
      });
      (listMapKeys as { errors?: Partial<ErrorObject>[] }).errors = errors;
      return errors.length === 0;
    },
  });
  return ajv;
}
