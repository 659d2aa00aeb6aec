// The schemas manifests are checked against: one per served group, version and kind of the
// CRDs in a directory, compiled for ajv the first time an object of that kind is linted.

import type { Ajv, ValidateFunction } from 'ajv';
import { readCrds } from '../api/crds.ts';
import { createAjv, toJsonSchema } from '../api/jsonschema.ts';
import type { OpenApiSchema } from '../api/openapi-schema.ts';

export interface KindSchema {
  group: string;
  version: string;
  kind: string;
  served: boolean;
  /** Namespaced (scope: Namespaced) rather than cluster-scoped. */
  namespaced: boolean;
  /** With a status subresource, a create ignores the status it is given. */
  statusSubresource: boolean;
  schema: OpenApiSchema;
  validate?: ValidateFunction;
}

/** The schemas of the CRDs in a directory, by group, version and kind. */
export class CrdSchemas {
  readonly #byKey = new Map<string, KindSchema>();
  #ajv: Ajv | undefined;

  add(entry: Omit<KindSchema, 'validate'>): void {
    this.#byKey.set(key(entry.group, entry.version, entry.kind), { ...entry });
  }

  get(group: string, version: string, kind: string): KindSchema | undefined {
    return this.#byKey.get(key(group, version, kind));
  }

  /** Whether some CRD defines this API group (its unknown kinds are then errors). */
  hasGroup(group: string): boolean {
    return [...this.#byKey.values()].some((e) => e.group === group);
  }

  kinds(group: string): string[] {
    return [...new Set([...this.#byKey.values()].filter((e) => e.group === group).map((e) => e.kind))].sort();
  }

  versions(group: string, kind: string): string[] {
    return [...this.#byKey.values()]
      .filter((e) => e.group === group && e.kind === kind && e.served)
      .map((e) => e.version)
      .sort();
  }

  validator(entry: KindSchema): ValidateFunction {
    this.#ajv ??= createAjv();
    entry.validate ??= this.#ajv.compile(toJsonSchema(entry.schema));
    return entry.validate;
  }
}

function key(group: string, version: string, kind: string): string {
  return `${group}/${version}/${kind}`;
}

/** What the loader relies on; CRDs from a directory given with --crds may lack the rest. */
interface PartialCrd {
  spec?: {
    group: string;
    names: { kind: string };
    scope?: string;
    versions?: {
      name: string;
      served?: boolean;
      schema?: { openAPIV3Schema?: OpenApiSchema };
      subresources?: { status?: unknown };
    }[];
  };
}

/** Loads every CustomResourceDefinition in the YAML files of a directory (crds/ by default). */
export function loadCrdSchemas(dir?: string): CrdSchemas {
  const schemas = new CrdSchemas();
  const crds: PartialCrd[] = readCrds(dir);
  for (const crd of crds) {
    if (!crd.spec) continue;
    for (const version of crd.spec.versions ?? []) {
      const schema = version.schema?.openAPIV3Schema;
      if (!schema) continue;
      schemas.add({
        group: crd.spec.group,
        version: version.name,
        kind: crd.spec.names.kind,
        served: version.served !== false,
        namespaced: crd.spec.scope !== 'Cluster',
        statusSubresource: version.subresources?.status !== undefined,
        schema,
      });
    }
  }
  return schemas;
}

let defaultSchemas: CrdSchemas | undefined;

/** The committed crds/, loaded once. */
export function defaultCrdSchemas(): CrdSchemas {
  defaultSchemas ??= loadCrdSchemas();
  return defaultSchemas;
}
