import { describe, expect, it } from 'vitest';
import {
  POOL_NODES,
  POOL_OTHER_PODS,
  POOL_PIN,
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
      [POOL_NODES, POOL_OTHER_PODS, POOL_TENANT_PODS].sort(),
    );
    expect(byKind('ValidatingAdmissionPolicyBinding').sort()).toEqual(
      byKind('ValidatingAdmissionPolicy').sort(),
    );
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
});
