import { describe, expect, it } from 'vitest';
import { CRDS_DIR, readCrds } from '../api/crds.ts';
import type { OpenApiSchema } from '../api/openapi-schema.ts';
import { compareCrds, storageMigrations } from './crd-compat.ts';
import type { CompatRule } from './finding.ts';
import { specCrd, testCrd } from './testing.ts';

const FIXTURE = new URL('../../test/fixtures/upgrade/0.2.0/crds/', import.meta.url).pathname;

function rules(installed: OpenApiSchema, target: OpenApiSchema) {
  return compareCrds([specCrd(installed)], [specCrd(target)]).map((f) => [f.rule, f.severity, f.path]);
}

const str = { type: 'string' } as const;
const obj = (properties: Record<string, OpenApiSchema>, more: OpenApiSchema = {}): OpenApiSchema => ({
  type: 'object',
  properties,
  ...more,
});

// rule, installed spec, a target that trips it (severity, path), a target that does not.
const PROPERTY_CASES: [CompatRule, OpenApiSchema, OpenApiSchema, string, string, OpenApiSchema][] = [
  [
    'fieldRemoved',
    obj({ a: str, b: str }),
    obj({ a: str }),
    'error',
    '.spec.b',
    obj({ a: str, b: str, c: str }),
  ],
  ['typeChanged', obj({ a: str }), obj({ a: { type: 'integer' } }), 'error', '.spec.a', obj({ a: str })],
  [
    'enumNarrowed',
    obj({ a: { type: 'string', enum: ['x', 'y'] } }),
    obj({ a: { type: 'string', enum: ['x'] } }),
    'error',
    '.spec.a',
    obj({ a: { type: 'string', enum: ['x', 'y', 'z'] } }),
  ],
  [
    'enumNarrowed',
    obj({ a: str }),
    obj({ a: { type: 'string', enum: ['x'] } }),
    'error',
    '.spec.a',
    obj({ a: str }),
  ],
  [
    'defaultAdded',
    obj({ a: str }),
    obj({ a: { type: 'string', default: 'x' } }),
    'warning',
    '.spec.a',
    obj({ a: str }),
  ],
  [
    'defaultChanged',
    obj({ a: { type: 'string', default: 'x' } }),
    obj({ a: { type: 'string', default: 'y' } }),
    'error',
    '.spec.a',
    obj({ a: { type: 'string', default: 'x' } }),
  ],
  [
    'defaultRemoved',
    obj({ a: { type: 'string', default: 'x' } }),
    obj({ a: str }),
    'warning',
    '.spec.a',
    obj({ a: { type: 'string', default: 'x' } }),
  ],
  [
    'boundTightened',
    obj({ a: { type: 'string', maxLength: 10 } }),
    obj({ a: { type: 'string', maxLength: 5 } }),
    'error',
    '.spec.a',
    obj({ a: { type: 'string', maxLength: 20 } }),
  ],
  [
    'boundTightened',
    obj({ a: { type: 'integer', minimum: 0 } }),
    obj({ a: { type: 'integer', minimum: 0, exclusiveMinimum: true } }),
    'error',
    '.spec.a',
    obj({ a: { type: 'integer' } }),
  ],
  [
    'boundTightened',
    obj({ a: { type: 'array', items: str } }),
    obj({ a: { type: 'array', items: str, minItems: 1 } }),
    'error',
    '.spec.a',
    obj({ a: { type: 'array', items: str } }),
  ],
  [
    'boundTightened',
    obj({ m: { type: 'object', maxProperties: 8, additionalProperties: str } }),
    obj({ m: { type: 'object', maxProperties: 4, additionalProperties: str } }),
    'error',
    '.spec.m',
    obj({ m: { type: 'object', additionalProperties: str } }),
  ],
  [
    'patternChanged',
    obj({ a: { type: 'string', pattern: '^a' } }),
    obj({ a: { type: 'string', pattern: '^b' } }),
    'error',
    '.spec.a',
    obj({ a: str }),
  ],
  [
    'requiredAdded',
    obj({ a: str }),
    obj({ a: str }, { required: ['a'] }),
    'error',
    '.spec.a',
    obj({ a: str }),
  ],
  [
    'requiredAdded',
    obj({ a: { type: 'string', default: 'x' } }),
    obj({ a: { type: 'string', default: 'x' } }, { required: ['a'] }),
    'warning',
    '.spec.a',
    obj({ a: { type: 'string', default: 'x' } }, { required: [] }),
  ],
  [
    'nullableRemoved',
    obj({ a: { type: 'string', nullable: true } }),
    obj({ a: str }),
    'error',
    '.spec.a',
    obj({ a: { type: 'string', nullable: true } }),
  ],
  [
    'celRuleAdded',
    obj({ a: str }),
    obj({ a: { type: 'string', 'x-kubernetes-validations': [{ rule: 'self != ""' }] } }),
    'warning',
    '.spec.a',
    obj({ a: str }),
  ],
  [
    'celRuleChanged',
    obj({
      a: { type: 'string', 'x-kubernetes-validations': [{ rule: 'size(self) < 5', message: 'short' }] },
    }),
    obj({
      a: { type: 'string', 'x-kubernetes-validations': [{ rule: 'size(self) < 3', message: 'short' }] },
    }),
    'warning',
    '.spec.a',
    obj({
      a: { type: 'string', 'x-kubernetes-validations': [{ rule: 'size(self) < 5', message: 'shorter' }] },
    }),
  ],
];

describe('compareCrds: field rules', () => {
  it.each(PROPERTY_CASES)(
    '%s is flagged, and not for a compatible change',
    (rule, installed, trips, severity, path, ok) => {
      expect(rules(installed, trips)).toEqual([[rule, severity, path]]);
      expect(rules(installed, ok).filter(([r]) => r === rule)).toEqual([]);
    },
  );

  it('walks list items and map values, naming them [*]', () => {
    const before = obj({
      owners: { type: 'array', items: obj({ kind: { type: 'string', enum: ['User', 'Group'] } }) },
      hard: { type: 'object', additionalProperties: { type: 'string', maxLength: 9 } },
    });
    const after = obj({
      owners: { type: 'array', items: obj({ kind: { type: 'string', enum: ['User'] } }) },
      hard: { type: 'object', additionalProperties: { type: 'string', maxLength: 3 } },
    });
    expect(rules(before, after)).toEqual([
      ['enumNarrowed', 'error', '.spec.owners[*].kind'],
      ['boundTightened', 'error', '.spec.hard[*]'],
    ]);
  });

  it('reports a type change alone, not the enums and bounds of two different types', () => {
    expect(
      rules(obj({ a: { type: 'string', maxLength: 3 } }), obj({ a: { type: 'integer', maximum: 3 } })),
    ).toEqual([['typeChanged', 'error', '.spec.a']]);
  });

  it('does not count a removed field where the target keeps unknown fields', () => {
    expect(rules(obj({ a: str }), obj({}, { 'x-kubernetes-preserve-unknown-fields': true }))).toEqual([]);
  });

  it('finds nothing between a CRD and itself', () => {
    expect(compareCrds(readCrds(CRDS_DIR), readCrds(CRDS_DIR))).toEqual([]);
  });
});

describe('compareCrds: CRD-wide rules', () => {
  it('flags a CRD the target drops, and not one it adds', () => {
    const other = { ...testCrd(), metadata: { name: 'gadgets.example.dev' } };
    expect(compareCrds([testCrd()], []).map((f) => f.rule)).toEqual(['crdRemoved']);
    expect(compareCrds([testCrd()], [testCrd(), other])).toEqual([]);
  });

  it('flags a changed scope', () => {
    const cluster = testCrd();
    cluster.spec = { ...cluster.spec, scope: 'Cluster' };
    expect(compareCrds([testCrd()], [cluster]).map((f) => f.rule)).toEqual(['scopeChanged']);
  });

  it('flags a served version the target stops serving, and not one it adds', () => {
    const both = testCrd([{ name: 'v1' }, { name: 'v2', storage: false }]);
    const v2unserved = testCrd([{ name: 'v1' }, { name: 'v2', storage: false, served: false }]);
    expect(compareCrds([both], [v2unserved]).map((f) => [f.rule, f.version])).toEqual([
      ['servedVersionRemoved', 'v2'],
    ]);
    expect(compareCrds([testCrd()], [both])).toEqual([]);
  });

  it('plans a storage migration for a stored version the target drops', () => {
    const installed = testCrd([{ name: 'v1' }, { name: 'v2', storage: false }], {
      status: { storedVersions: ['v1', 'v2'] },
    });
    const target = testCrd([{ name: 'v2' }, { name: 'v3', storage: false }]);
    const findings = compareCrds([installed], [target]);
    expect(storageMigrations(findings).map((f) => [f.version, f.migrateTo])).toEqual([['v1', 'v2']]);
    expect(findings.map((f) => f.rule)).toEqual(['storedVersionDropped', 'servedVersionRemoved']);
    // Kept but no longer stored as: still served, nothing to migrate.
    expect(
      storageMigrations(
        compareCrds([installed], [testCrd([{ name: 'v1', storage: false }, { name: 'v2' }])]),
      ),
    ).toEqual([]);
  });

  it("compares a dropped version's schema with the target's storage version", () => {
    const installed = testCrd([{ name: 'v1', spec: obj({ a: str, b: str }) }]);
    const target = testCrd([{ name: 'v2', spec: obj({ a: str }) }]);
    const removed = compareCrds([installed], [target]).find((f) => f.rule === 'fieldRemoved');
    expect(removed).toMatchObject({ version: 'v1', targetVersion: 'v2', path: '.spec.b' });
  });
});

describe('the 0.2.0 fixture against today', () => {
  it('yields exactly the findings its README lists', () => {
    const today = readCrds(CRDS_DIR);
    const changed = readCrds(FIXTURE);
    const target = today.map((crd) => changed.find((c) => c.metadata.name === crd.metadata.name) ?? crd);
    const findings = compareCrds(today, target).map((f) => [
      f.rule,
      f.severity,
      f.crd,
      f.version,
      f.targetVersion,
      f.path,
    ]);
    const tenants = 'tenants.tenantry.dev';
    expect(findings).toEqual([
      ['storedVersionDropped', 'error', tenants, 'v1alpha1', undefined, undefined],
      ['servedVersionRemoved', 'error', tenants, 'v1alpha1', undefined, undefined],
      ['fieldRemoved', 'error', tenants, 'v1alpha1', 'v1beta1', '.spec.nudges'],
      ['requiredAdded', 'error', tenants, 'v1alpha1', 'v1beta1', '.spec.policyProfile'],
      ['boundTightened', 'error', tenants, 'v1alpha1', 'v1beta1', '.spec.displayName'],
      ['enumNarrowed', 'error', tenants, 'v1alpha1', 'v1beta1', '.spec.owners[*].kind'],
    ]);
  });

  it('names the field, the values and the migration in its words', () => {
    const today = readCrds(CRDS_DIR);
    const target = readCrds(FIXTURE);
    const byRule = new Map(compareCrds(today, target).map((f) => [f.rule, f]));
    expect(byRule.get('enumNarrowed')?.message).toBe(
      '.spec.owners[*].kind no longer allows "ServiceAccount"',
    );
    expect(byRule.get('boundTightened')?.message).toBe(
      '.spec.displayName has tighter bounds: maxLength 128 → 64',
    );
    expect(byRule.get('storedVersionDropped')?.remediation).toMatch(
      /both v1alpha1 and v1beta1.*stored as v1beta1, remove v1alpha1 from status.storedVersions, then apply/,
    );
  });
});
