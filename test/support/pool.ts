import { expect } from 'vitest';
import type { Entitlement } from '../../operator/api/v1alpha1/index.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import { ApiError } from '../../operator/runtime/kube/errors.ts';
import type { KubeObject } from '../../operator/runtime/kube/object.ts';

// Shared by the dedicated-pool integration tests: pods, refusals and node patches.

export type Pod = KubeObject & {
  spec: {
    nodeName?: string;
    nodeSelector?: Record<string, string>;
    tolerations?: Array<Record<string, string>>;
    schedulerName?: string;
    containers: unknown[];
  };
  status?: { phase?: string };
};

/** A pod that passes the restricted Pod Security level, labelled for the tests' selectors. */
export function testPod(
  namespace: string,
  name: string,
  spec: Partial<Pod['spec']> = {},
  app = 'dedicated-test',
): Pod {
  return {
    metadata: { name, namespace, labels: { app } },
    spec: {
      containers: [
        {
          name: 'main',
          image: 'registry.k8s.io/pause:3.10',
          securityContext: {
            allowPrivilegeEscalation: false,
            runAsNonRoot: true,
            runAsUser: 65532,
            capabilities: { drop: ['ALL'] },
            seccompProfile: { type: 'RuntimeDefault' },
          },
        },
      ],
      ...spec,
    },
  };
}

/** The error of a request that must be refused. */
export async function refused(p: Promise<unknown>): Promise<ApiError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e, 'the request should have been refused').toBeInstanceOf(ApiError);
  return e as ApiError;
}

export function dryRunPod(client: KubeClient, p: Pod): Promise<Pod> {
  return client.request<Pod>('POST', `/api/v1/namespaces/${p.metadata.namespace}/pods`, {
    query: { dryRun: 'All' },
    body: { apiVersion: 'v1', kind: 'Pod', ...p },
  });
}

/** A merge patch of the node, or of one of its subresources (`status`). */
export function patchNode(
  client: KubeClient,
  name: string,
  patch: unknown,
  opts: { dryRun?: boolean; subresource?: string } = {},
): Promise<unknown> {
  return client.request('PATCH', `/api/v1/nodes/${name}${opts.subresource ? `/${opts.subresource}` : ''}`, {
    body: patch,
    contentType: 'application/merge-patch+json',
    query: opts.dryRun ? { dryRun: 'All' } : {},
  });
}

/** An Entitlement granting the tenant DedicatedCompute for up to `nodes` nodes. */
export function dedicatedEntitlement(tenant: string, nodes: number): Entitlement {
  return {
    apiVersion: 'tenantry.dev/v1alpha1',
    kind: 'Entitlement',
    metadata: { name: tenant },
    spec: {
      tenantRef: { name: tenant },
      plan: 'enterprise',
      allowedAddOns: ['DedicatedCompute'],
      quotas: { dedicatedNodes: nodes },
    },
  } as Entitlement;
}
