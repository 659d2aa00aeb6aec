import { describe, expect, it } from 'vitest';
import { readCrds } from '../api/crds.ts';
import { objectImpact } from './object-impact.ts';
import { specCrd } from './testing.ts';

const FIXTURE = new URL('../../test/fixtures/upgrade/0.2.0/crds/', import.meta.url).pathname;

function tenant(name: string, spec: Record<string, unknown> = {}) {
  return {
    apiVersion: 'tenantry.dev/v1alpha1',
    kind: 'Tenant',
    metadata: { name },
    spec: {
      displayName: `Tenant ${name}`,
      owners: [{ name: 'alice@example.com' }],
      region: 'eu-west-1',
      policyProfile: 'baseline',
      ...spec,
    },
  };
}

describe('objectImpact on the 0.2.0 Tenant CRD', () => {
  const [target] = readCrds(FIXTURE);
  if (!target) throw new Error(`no CRD in ${FIXTURE}`);
  const robot = { kind: 'ServiceAccount', name: 'ci', namespace: 'robots' };
  const tenants = [
    tenant('acme'),
    tenant('verbose', { displayName: 'x'.repeat(100) }),
    tenant('robots', { owners: [robot, { ...robot, name: 'cd' }] }),
    tenant('legacy', { policyProfile: undefined }),
    tenant('nudged', { nudges: { optOut: true } }),
  ];

  it('names the tenants the target would refuse, per rule and field', () => {
    const impact = objectImpact(target, tenants);
    expect(impact).toMatchObject({ crd: 'tenants.tenantry.dev', version: 'v1beta1', checked: 5, refused: 3 });
    expect(impact.findings.map((f) => [f.rule, f.path, f.objects, f.names, f.more])).toEqual([
      ['boundExceeded', '.spec.displayName', 1, ['verbose'], 0],
      ['enumNotAllowed', '.spec.owners[*].kind', 1, ['robots'], 0],
      ['requiredMissing', '.spec.policyProfile', 1, ['legacy'], 0],
    ]);
  });

  it('says that CEL rules are left to the policy-impact check', () => {
    expect(objectImpact(target, tenants).notes.join('\n')).toMatch(/CEL.*policy-impact.*Audit/);
  });

  it('finds nothing to refuse among valid tenants', () => {
    expect(objectImpact(target, [tenant('acme'), tenant('globex')])).toMatchObject({
      refused: 0,
      findings: [],
    });
  });
});

describe('objectImpact', () => {
  const crd = specCrd({ type: 'object', properties: { size: { type: 'integer', maximum: 3 } } });

  it('lists a readable number of names and counts the rest', () => {
    const objects = ['a', 'b', 'c', 'd', 'e'].map((name) => ({
      metadata: { name, namespace: 'shop' },
      spec: { size: 9 },
    }));
    const [finding] = objectImpact(crd, objects, { limit: 2 }).findings;
    expect(finding).toMatchObject({ objects: 5, names: ['shop/a', 'shop/b'], more: 3 });
  });

  it('checks the version asked for, and refuses one the CRD does not have', () => {
    expect(objectImpact(crd, [], { version: 'v1' }).version).toBe('v1');
    expect(() => objectImpact(crd, [], { version: 'v9' })).toThrow(/widgets.example.dev has no version v9/);
  });
});
