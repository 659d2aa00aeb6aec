// Walks an installed and a target schema side by side, so that each property rule only ever
// compares two nodes at one field path.

import type { OpenApiSchema } from '../api/openapi-schema.ts';

export interface SchemaPair {
  /** `.spec.owners[*].name`; the root is ''. */
  path: string;
  installed: OpenApiSchema;
  target: OpenApiSchema;
}

/**
 * Every node present in both schemas, parents first. Nodes only the installed one has are the
 * fieldRemoved rule's business (found at their parent); nodes only the target has are new and
 * hold no existing data, so nothing below them can break.
 */
export function* schemaPairs(
  installed: OpenApiSchema,
  target: OpenApiSchema,
  path = '',
): Generator<SchemaPair> {
  yield { path, installed, target };
  for (const [name, child] of Object.entries(installed.properties ?? {})) {
    const next = target.properties?.[name];
    if (next) yield* schemaPairs(child, next, `${path}.${name}`);
  }
  if (installed.items && target.items) yield* schemaPairs(installed.items, target.items, `${path}[*]`);
  const installedValues = objectSchema(installed.additionalProperties);
  const targetValues = objectSchema(target.additionalProperties);
  if (installedValues && targetValues) yield* schemaPairs(installedValues, targetValues, `${path}[*]`);
}

function objectSchema(value: OpenApiSchema | boolean | undefined): OpenApiSchema | undefined {
  return typeof value === 'object' ? value : undefined;
}
