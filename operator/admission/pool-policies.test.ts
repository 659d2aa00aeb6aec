import { describe, expect, it } from 'vitest';
import {
  DEFAULT_PLATFORM_ADMIN_GROUP,
  POOL_NAMESPACE_LABELS,
  POOL_NODES,
  POOL_OTHER_PODS,
  POOL_PIN,
  POOL_PLACEMENT,
  POOL_PLACEMENT_POOLED,
  POOL_TENANT_PODS,
  staticPoolAdmission,
} from './pool-policies.ts';

describe('staticPoolAdmission', () => {
  const objs = staticPoolAdmission('ops');
  const byKind = (kind: string) => objs.filter((o) => o.kind === kind).map((o) => o.metadata.name);

  it('has a binding for every policy', () => {
    expect(byKind('MutatingAdmissionPolicy')).toEqual([POOL_PIN]);
    expect(byKind('MutatingAdmissionPolicyBinding')).toEqual([POOL_PIN]);
    expect(byKind('ValidatingAdmissionPolicy').sort()).toEqual(
      [POOL_NODES, POOL_OTHER_PODS, POOL_TENANT_PODS, POOL_PLACEMENT, POOL_NAMESPACE_LABELS].sort(),
    );
    // Placement has a second binding, for pool namespaces against the nodes outside the pools.
    expect(byKind('ValidatingAdmissionPolicyBinding').sort()).toEqual(
      [...byKind('ValidatingAdmissionPolicy'), POOL_PLACEMENT_POOLED].sort(),
    );
    const bound = objs
      .filter((o) => o.kind === 'ValidatingAdmissionPolicyBinding')
      .map((o) => (o.spec as { policyName: string }).policyName);
    expect(new Set(bound)).toEqual(new Set(byKind('ValidatingAdmissionPolicy')));
    for (const o of objs) expect(o.apiVersion).toBe('admissionregistration.k8s.io/v1');
  });

  it('lets only the operator ServiceAccount change pool nodes', () => {
    const nodes = objs.find((o) => o.metadata.name === POOL_NODES && o.kind === 'ValidatingAdmissionPolicy');
    expect(JSON.stringify(nodes)).toContain(
      "request.userInfo.username != 'system:serviceaccount:ops:tenantry'",
    );
  });

  it('keeps kube-system and node-agent namespaces out of the toleration ban', () => {
    const binding = objs.find(
      (o) => o.metadata.name === POOL_OTHER_PODS && o.kind === 'ValidatingAdmissionPolicyBinding',
    );
    expect(JSON.stringify(binding)).toContain('kube-system');
    expect(JSON.stringify(binding)).toContain('tenantry.dev/node-agents');
  });

  const find = (kind: string, name: string) => {
    const o = objs.find((x) => x.kind === kind && x.metadata.name === name);
    if (!o) throw new Error(`${kind} ${name} missing`);
    return { spec: o.spec as Record<string, unknown> };
  };

  it('guards pool labels on every node subresource (nodes/status writes metadata too)', () => {
    expect(JSON.stringify(find('ValidatingAdmissionPolicy', POOL_NODES).spec.matchConstraints)).toContain(
      '"resources":["nodes","nodes/*"]',
    );
  });

  it('checks placement on pods/binding and pods with spec.nodeName, against the pool nodes or the others', () => {
    const policy = find('ValidatingAdmissionPolicy', POOL_PLACEMENT).spec;
    expect(policy.paramKind).toEqual({ apiVersion: 'v1', kind: 'Node' });
    expect(JSON.stringify(policy.matchConstraints)).toContain('"resources":["pods","pods/binding"]');
    const selectorOf = (name: string) =>
      (find('ValidatingAdmissionPolicyBinding', name).spec.paramRef as { selector: unknown }).selector;
    expect(selectorOf(POOL_PLACEMENT)).toEqual({
      matchExpressions: [{ key: 'node-restriction.kubernetes.io/tenantry-pool', operator: 'Exists' }],
    });
    expect(selectorOf(POOL_PLACEMENT_POOLED)).toEqual({
      matchExpressions: [{ key: 'node-restriction.kubernetes.io/tenantry-pool', operator: 'DoesNotExist' }],
    });
    expect(
      find('ValidatingAdmissionPolicyBinding', POOL_PLACEMENT_POOLED).spec.matchResources as object,
    ).toEqual({
      namespaceSelector: {
        matchLabels: { 'tenantry.dev/dedicated-pool': 'true' },
        matchExpressions: [{ key: 'tenantry.dev/tenant', operator: 'Exists' }],
      },
    });
  });

  it('lets only the operator, system:masters and the platform-admin group set the pool namespace labels', () => {
    const text = JSON.stringify(find('ValidatingAdmissionPolicy', POOL_NAMESPACE_LABELS).spec);
    expect(text).toContain("request.userInfo.username != 'system:serviceaccount:ops:tenantry'");
    expect(text).toContain(`g == 'system:masters' || g == '${DEFAULT_PLATFORM_ADMIN_GROUP}'`);
    expect(text).toContain('"resources":["namespaces","namespaces/*"]');
    expect(text).toContain('metadata.labels[tenantry.dev/node-agents]');
    expect(text).toContain('metadata.labels[tenantry.dev/dedicated-pool]');
    const custom = JSON.stringify(staticPoolAdmission('ops', { platformAdminGroup: 'oidc:platform' }));
    expect(custom).toContain("g == 'oidc:platform'");
    expect(custom).not.toContain(DEFAULT_PLATFORM_ADMIN_GROUP);
    // The group is spliced into CEL: a quote would change the expression.
    expect(() => staticPoolAdmission('ops', { platformAdminGroup: "x' || true || '" })).toThrow(
      /platformAdminGroup: .* is not a plain group name/,
    );
  });
});
