import { describe, expect, it } from 'vitest';
import { readCrds } from '../api/crds.ts';
import type { OpenApiSchema } from '../api/openapi-schema.ts';
import { APPROVED_SETTINGS, approvalVariables, type SettingsTree, settingsLeaves } from './addon-approval.ts';
import { staticAddonAdmission } from './addon-policies.ts';

function addonSpecSchema(): OpenApiSchema {
  const crd = readCrds().find((c) => c.spec.names.kind === 'AddOn');
  const spec = crd?.spec.versions[0]?.schema.openAPIV3Schema.properties?.spec;
  if (!spec) throw new Error('the AddOn CRD has no spec');
  return spec;
}

/** Where the tree and the schema disagree: fields one has at a level and the other has not. */
function mismatches(tree: SettingsTree, schema: OpenApiSchema, path: string, skip: string[] = []): string[] {
  const fields = Object.keys(schema.properties ?? {}).filter((f) => !skip.includes(f));
  const out = [
    ...fields.filter((f) => !(f in tree)).map((f) => `${path}.${f} is not covered`),
    ...Object.keys(tree)
      .filter((f) => !fields.includes(f))
      .map((f) => `${path}.${f} is not in the CRD`),
  ];
  for (const [field, below] of Object.entries(tree)) {
    const child = schema.properties?.[field];
    if (below && child) out.push(...mismatches(below, child, `${path}.${field}`));
  }
  return out;
}

describe('approved settings', () => {
  it('cover every field of AddOn spec but the approval, at every level they name', () => {
    expect(mismatches(APPROVED_SETTINGS, addonSpecSchema(), 'spec', ['approval'])).toEqual([]);
  });

  it('name each field a denial can point at', () => {
    expect(settingsLeaves().map((p) => p.join('.'))).toEqual([
      'type',
      'dedicatedCompute.nodes',
      'dedicatedCompute.candidateSelector',
      'auditArchive.bucket.endpoint',
      'auditArchive.bucket.region',
      'auditArchive.bucket.name',
      'auditArchive.bucket.credentialsSecretRef',
      'auditArchive.retentionDays',
    ]);
    const named = approvalVariables().find((v) => v.name === 'changedSettings')?.expression ?? '';
    for (const leaf of settingsLeaves()) expect(named).toContain(`'spec.${leaf.join('.')}'`);
  });

  it('are checked by the stamping policy, the guard and the entitlement policy alike', () => {
    const withVariables = staticAddonAdmission().filter((o) => 'variables' in (o.spec as object));
    expect(withVariables.map((o) => o.metadata.name).sort()).toEqual([
      'tenantry.dev-addon-approver',
      'tenantry.dev-addon-approver-guard',
      'tenantry.dev-addon-entitlement',
    ]);
    for (const o of withVariables)
      expect((o.spec as { variables: unknown }).variables).toEqual(approvalVariables());
  });
});
