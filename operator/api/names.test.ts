import { describe, expect, it } from 'vitest';
import { isReservedLabel, tenantOfSystemNamespace } from './names.ts';

describe('isReservedLabel', () => {
  it('reserves Tenantry and cluster prefixes, and managed-by', () => {
    for (const k of [
      'tenantry.dev/tenant',
      'kubernetes.io/metadata.name',
      'k8s.io/x',
      'pod-security.kubernetes.io/enforce',
      'topology.kubernetes.io/region',
      'node-restriction.kubernetes.io/tenantry-pool',
      'x.k8s.io/y',
      'app.kubernetes.io/managed-by',
    ]) {
      expect(isReservedLabel(k), k).toBe(true);
    }
  });
  it('leaves applications their labels', () => {
    for (const k of ['team', 'app.kubernetes.io/name', 'example.com/owner', 'mykubernetes.io/x']) {
      expect(isReservedLabel(k), k).toBe(false);
    }
  });
});

describe('tenantOfSystemNamespace', () => {
  it('names the tenant of a system namespace only', () => {
    expect(tenantOfSystemNamespace('acme-system')).toBe('acme');
    expect(tenantOfSystemNamespace('-system')).toBeUndefined();
    expect(tenantOfSystemNamespace('acme-default')).toBeUndefined();
  });
});
