// Field paths as Kubernetes prints them: `spec.owners[0].kind`, `spec.quota.hard[pods]`.

import type { OpenApiSchema } from '../api/openapi-schema.ts';

/** One step into an object: a field or map key, or a list index. */
export type PathSegment = string | number;

/**
 * `spec.owners[0].kind`, with map keys in brackets as Kubernetes writes them:
 * `spec.quota.hard[pods]`. Without a schema, only keys that aren't identifiers are
 * recognisable as map keys.
 */
export function formatPath(path: PathSegment[], schema?: OpenApiSchema): string {
  let out = '';
  let node = schema;
  for (const segment of path) {
    const isMapKey =
      typeof segment === 'string' &&
      (node
        ? !node.properties?.[segment] && node.additionalProperties !== undefined
        : !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment));
    if (typeof segment === 'number' || isMapKey) out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
    node = node && childSchema(node, segment);
  }
  return out;
}

/** Two formatted paths as one, e.g. `items[0]` and `spec.region`. */
export function joinPaths(prefix: string, rest: string): string {
  if (prefix === '' || rest === '') return prefix + rest;
  return rest.startsWith('[') ? prefix + rest : `${prefix}.${rest}`;
}

function childSchema(node: OpenApiSchema, segment: PathSegment): OpenApiSchema | undefined {
  if (typeof segment === 'number') return node.items;
  const property = node.properties?.[segment];
  if (property) return property;
  return typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined;
}
