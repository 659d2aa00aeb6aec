// The API contract as shipped: reads the committed crds/ (what users install) and checks
// the decisions that must not change by accident.

import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import YAML from 'yaml';
import type { ResourceType } from '../../runtime/kube/resource.ts';
import type { CustomResourceDefinition } from '../crds.ts';
import type { OpenApiSchema } from '../openapi-schema.ts';
import {
  AddOnResource,
  ALL_RESOURCES,
  DistributionBundleResource,
  EntitlementResource,
  TenantResource,
  UpgradePlanResource,
} from './index.ts';

const RESOURCES = ALL_RESOURCES;

function crd(resource: ResourceType): CustomResourceDefinition {
  const file = new URL(`../../../crds/${resource.group}_${resource.plural}.yaml`, import.meta.url);
  return YAML.parse(readFileSync(file, 'utf8')) as CustomResourceDefinition;
}

function version(resource: ResourceType) {
  const v = crd(resource).spec.versions[0];
  if (!v) throw new Error(`${resource.kind} has no version`);
  return v;
}

function at(resource: ResourceType, path: string): OpenApiSchema {
  let node: OpenApiSchema | undefined = version(resource).schema.openAPIV3Schema;
  for (const segment of path.split('.')) {
    node = segment === '[]' ? node?.items : node?.properties?.[segment];
  }
  if (!node) throw new Error(`${resource.kind} has no ${path}`);
  return node;
}

const rules = (resource: ResourceType, path: string) => at(resource, path)['x-kubernetes-validations'] ?? [];

it('lists every generated CRD in ALL_RESOURCES', () => {
  const kustomization = YAML.parse(
    readFileSync(new URL('../../../crds/kustomization.yaml', import.meta.url), 'utf8'),
  ) as { resources: string[] };
  expect(RESOURCES.map((r) => `${r.group}_${r.plural}.yaml`).sort()).toEqual(kustomization.resources);
});

describe.each(RESOURCES.map((r) => [r.kind, r] as const))('%s', (_, resource) => {
  it('matches its resource constant', () => {
    const definition = crd(resource);
    expect(definition.metadata.name).toBe(`${resource.plural}.${resource.group}`);
    expect(definition.spec.names.kind).toBe(resource.kind);
    expect(definition.spec.scope).toBe(resource.namespaced ? 'Namespaced' : 'Cluster');
    expect(definition.spec.versions.map((v) => [v.name, v.served, v.storage])).toEqual([
      [resource.version, true, true],
    ]);
  });

  it('has the status subresource, the tenantry category and Ready and Age columns', () => {
    const v = version(resource);
    expect(v.subresources).toEqual({ status: {} });
    expect(crd(resource).spec.names.categories).toEqual(['tenantry']);
    const columns = v.additionalPrinterColumns ?? [];
    expect(columns.find((c) => c.name === 'Ready')?.jsonPath).toBe(
      '.status.conditions[?(@.type=="Ready")].status',
    );
    expect(columns.at(-1)).toEqual({ name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' });
  });

  it('describes every field for kubectl explain', () => {
    const undescribed: string[] = [];
    const visit = (node: OpenApiSchema, path: string) => {
      for (const [name, child] of Object.entries(node.properties ?? {})) {
        if (!child.description && `${path}${name}` !== 'metadata') undescribed.push(`${path}${name}`);
        visit(child, `${path}${name}.`);
      }
      if (node.items) visit(node.items, path);
    };
    visit(version(resource).schema.openAPIV3Schema, '');
    expect(undescribed).toEqual([]);
  });

  it('keeps conditions as a list map keyed by type, with observedGeneration', () => {
    const conditions = at(resource, 'status.conditions');
    expect(conditions['x-kubernetes-list-type']).toBe('map');
    expect(conditions['x-kubernetes-list-map-keys']).toEqual(['type']);
    expect(at(resource, 'status.conditions.[].status').enum).toEqual(['True', 'False', 'Unknown']);
    expect(at(resource, 'status.observedGeneration')).toMatchObject({ type: 'integer', format: 'int64' });
  });
});

describe('Tenant', () => {
  it('is cluster-scoped, short name tn, with its columns', () => {
    expect(crd(TenantResource).spec.names.shortNames).toEqual(['tn']);
    const columns = version(TenantResource).additionalPrinterColumns ?? [];
    expect(columns.filter((c) => !c.priority).map((c) => c.name)).toEqual([
      'Region',
      'Profile',
      'Ready',
      'Reason',
      'Age',
    ]);
    // -o wide adds what a support engineer looks at next.
    expect(columns.filter((c) => c.priority === 1).map((c) => c.name)).toEqual([
      'Domain',
      'Domain-Verified',
      'Identity',
      'Message',
    ]);
  });

  it('keeps the region immutable, with a message saying why', () => {
    expect(rules(TenantResource, 'spec.region')).toEqual([
      {
        rule: 'self == oldSelf',
        message: "region is immutable: a tenant's data stays in the region it was created in",
      },
    ]);
    expect(at(TenantResource, 'spec.region')).toMatchObject({
      maxLength: 63,
      pattern: '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$',
    });
  });

  it('defaults retention, namespaces and deletion policy; the profile is left to admission', () => {
    expect(at(TenantResource, 'spec.retentionDays')).toMatchObject({
      type: 'integer',
      default: 30,
      minimum: 1,
      maximum: 3650,
    });
    // A schema default would hide that the Tenant named no profile, and the installed
    // DistributionBundle's default profile could never apply (admission/bundle-policies.ts).
    const profile = at(TenantResource, 'spec.policyProfile');
    expect(profile).toMatchObject({ enum: ['baseline', 'restricted', 'regulated'] });
    expect(profile).not.toHaveProperty('default');
    expect(at(TenantResource, 'spec.namespaces')).toMatchObject({
      default: [{ name: 'default' }],
      maxItems: 50,
      'x-kubernetes-list-type': 'map',
      'x-kubernetes-list-map-keys': ['name'],
    });
    expect(at(TenantResource, 'spec.deletionPolicy')).toMatchObject({
      enum: ['Delete', 'Retain'],
      default: 'Delete',
    });
  });

  it('ties the minimum retention to the profile', () => {
    const specRules = rules(TenantResource, 'spec').map((r) => r.rule);
    expect(specRules).toContain(
      "!has(self.policyProfile) || self.policyProfile != 'regulated' || self.retentionDays >= 365",
    );
    expect(specRules).toContain(
      "!has(self.policyProfile) || self.policyProfile != 'restricted' || self.retentionDays >= 90",
    );
  });

  it('says defaults and limits in the descriptions, since kubectl explain shows no others', () => {
    expect(at(TenantResource, 'spec.retentionDays').description).toMatch(/Default: 30\. From 1 to 3650\.$/);
    expect(at(TenantResource, 'spec.owners').description).toMatch(/1 to 50 items\.$/);
    expect(at(TenantResource, 'spec.owners.[]').description).toMatch(/tenantry:tenant-owner/);
  });

  it('limits names so <tenant>-<suffix> fits in a namespace name', () => {
    const rootRules = (version(TenantResource).schema.openAPIV3Schema['x-kubernetes-validations'] ?? []).map(
      (r) => r.rule,
    );
    expect(rootRules.some((r) => r.includes('self.metadata.name.size() <= 40'))).toBe(true);
    expect(rootRules.some((r) => r.includes("self.metadata.name != 'kube'"))).toBe(true);
    expect(at(TenantResource, 'spec.namespaces.[].name').maxLength).toBe(20);
    expect(rules(TenantResource, 'spec.namespaces.[].name').map((r) => r.rule)).toEqual([
      "self != 'system'",
      // No dash: the last dash of a namespace name then separates tenant and suffix unambiguously.
      "self.matches('^[a-z0-9]+$')",
    ]);
  });

  it('requires a namespace for service account owners only', () => {
    expect(at(TenantResource, 'spec.owners')).toMatchObject({ minItems: 1, maxItems: 50 });
    expect(at(TenantResource, 'spec.owners.[].kind')).toMatchObject({
      enum: ['User', 'Group', 'ServiceAccount'],
    });
    // No default inside the atomic owners list: an unchanged apply must stay unchanged.
    expect(at(TenantResource, 'spec.owners.[].kind').default).toBeUndefined();
    expect(rules(TenantResource, 'spec.owners.[]').map((r) => r.rule)).toEqual([
      "!has(self.kind) || self.kind != 'ServiceAccount' || has(self.namespace)",
      "(has(self.kind) && self.kind == 'ServiceAccount') || !has(self.namespace)",
    ]);
  });
});

describe('Entitlement', () => {
  it('belongs to one tenant for good and keys prices by sku and effective time', () => {
    expect(crd(EntitlementResource).spec.names.shortNames).toEqual(['ent']);
    expect(rules(EntitlementResource, 'spec.tenantRef').map((r) => r.rule)).toEqual(['self == oldSelf']);
    // One entry per sku and effectiveFrom, checked by a rule: a list key would need a default
    // inside the list, and a default there makes every unchanged kubectl apply a change.
    expect(at(EntitlementResource, 'spec.prices')['x-kubernetes-list-type']).toBe('atomic');
    expect(rules(EntitlementResource, 'spec.prices').map((r) => r.rule)).toEqual([
      "self.all(p, self.exists_one(q, q.sku == p.sku && (has(q.effectiveFrom) ? q.effectiveFrom : timestamp('1970-01-01T00:00:00Z')) == (has(p.effectiveFrom) ? p.effectiveFrom : timestamp('1970-01-01T00:00:00Z'))))",
    ]);
    expect(at(EntitlementResource, 'spec.prices.[].effectiveFrom').default).toBeUndefined();
    expect(at(EntitlementResource, 'spec.prices.[].currency').pattern).toBe('^[A-Z]{3}$');
    expect(at(EntitlementResource, 'spec.prices.[].unitPriceMinor')).toMatchObject({
      type: 'integer',
      minimum: 0,
    });
    expect(at(EntitlementResource, 'spec.allowedAddOns')['x-kubernetes-list-type']).toBe('set');
    expect(at(EntitlementResource, 'spec.billingPeriod')).toMatchObject({
      enum: ['Monthly'],
      default: 'Monthly',
    });
    expect(at(EntitlementResource, 'spec.obligations.auditArchiveMinRetentionDays').default).toBe(365);
  });
});

describe('AddOn', () => {
  it('is namespaced, with an immutable type and exactly the matching settings', () => {
    expect(crd(AddOnResource).spec.names.shortNames).toEqual(['ao']);
    expect(rules(AddOnResource, 'spec.type').map((r) => r.rule)).toEqual(['self == oldSelf']);
    expect(rules(AddOnResource, 'spec').map((r) => r.rule)).toEqual([
      "has(self.dedicatedCompute) == (self.type == 'DedicatedCompute')",
      "has(self.auditArchive) == (self.type == 'AuditArchive')",
    ]);
    expect(at(AddOnResource, 'spec.dedicatedCompute.nodes')).toMatchObject({ minimum: 1, maximum: 100 });
  });

  it('takes only a reason for approval: who approved comes from the authenticated request', () => {
    expect(Object.keys(at(AddOnResource, 'spec.approval').properties ?? {})).toEqual(['reason']);
  });
});

describe('DistributionBundle and UpgradePlan', () => {
  it('have their short names and record check results by id', () => {
    expect(crd(DistributionBundleResource).spec.names.shortNames).toEqual(['dbundle']);
    expect(crd(UpgradePlanResource).spec.names.shortNames).toEqual(['uplan']);
    expect(at(DistributionBundleResource, 'status.results.[].severity').enum).toEqual([
      'info',
      'warning',
      'critical',
    ]);
    expect(at(UpgradePlanResource, 'status.preflight.[].outcome').enum).toEqual([
      'Passed',
      'Warned',
      'Failed',
      'Skipped',
    ]);
  });
});
