// The committed CRDs (crds/, generated from v1alpha1 by hack/gen-crds.ts): their shape, where
// they are and how to read them, for the installer that applies them and the linter that
// validates manifests against them.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseAllDocuments } from 'yaml';
import type { OpenApiSchema } from './openapi-schema.ts';

export interface PrinterColumn {
  name: string;
  type: string;
  jsonPath: string;
  format?: string;
  priority?: number;
  description?: string;
}

export interface CustomResourceDefinition {
  apiVersion: 'apiextensions.k8s.io/v1';
  kind: 'CustomResourceDefinition';
  metadata: { name: string };
  spec: {
    group: string;
    names: {
      categories?: string[];
      kind: string;
      listKind: string;
      plural: string;
      shortNames?: string[];
      singular: string;
    };
    scope: 'Cluster' | 'Namespaced';
    versions: {
      name: string;
      served: boolean;
      storage: boolean;
      additionalPrinterColumns?: PrinterColumn[];
      schema: { openAPIV3Schema: OpenApiSchema };
      subresources?: { status?: Record<string, never> };
    }[];
  };
}

export const CRDS_DIR = fileURLToPath(new URL('../../crds/', import.meta.url));

/**
 * The CustomResourceDefinitions in the YAML files of a directory (crds/ by default), in file
 * name order. Only their kind is checked: a directory a user names may hold incomplete ones.
 */
export function readCrds(dir: string = CRDS_DIR): CustomResourceDefinition[] {
  const crds: CustomResourceDefinition[] = [];
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.yaml') && !name.endsWith('.yml')) continue;
    for (const doc of parseAllDocuments(readFileSync(join(dir, name), 'utf8'))) {
      const object = doc.toJS() as { kind?: unknown } | null;
      if (object?.kind === 'CustomResourceDefinition') crds.push(object as CustomResourceDefinition);
    }
  }
  return crds;
}
