// Minimal CRDs for the upgrade library's tests: one kind, the versions and the spec schema a
// test needs, nothing else to read past.

import type { CustomResourceDefinition } from '../api/crds.ts';
import type { OpenApiSchema } from '../api/openapi-schema.ts';
import type { InstalledCrd } from './crd-compat.ts';

export interface TestVersion {
  name?: string;
  served?: boolean;
  storage?: boolean;
  spec?: OpenApiSchema;
}

export function testCrd(versions: TestVersion[] = [{}], extra: Partial<InstalledCrd> = {}): InstalledCrd {
  const crd: CustomResourceDefinition = {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: 'widgets.example.dev' },
    spec: {
      group: 'example.dev',
      names: { kind: 'Widget', listKind: 'WidgetList', plural: 'widgets', singular: 'widget' },
      scope: 'Namespaced',
      versions: versions.map((v) => ({
        name: v.name ?? 'v1',
        served: v.served ?? true,
        storage: v.storage ?? true,
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: { spec: v.spec ?? { type: 'object' } },
          },
        },
      })),
    },
  };
  return { ...crd, ...extra };
}

/** A CRD whose one version's spec has this schema. */
export function specCrd(spec: OpenApiSchema): InstalledCrd {
  return testCrd([{ spec }]);
}
