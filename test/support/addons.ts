import type { AddOn, Entitlement } from '../../operator/api/v1alpha1/index.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';

// Manifests the add-on tests share: an Entitlement for a tenant, and add-ons of either type
// with only what a test varies as parameters.

export function entitlementManifest(tenant: string, spec: Partial<Entitlement['spec']> = {}): Entitlement {
  return {
    apiVersion: 'tenantry.dev/v1alpha1',
    kind: 'Entitlement',
    metadata: { name: tenant },
    spec: { tenantRef: { name: tenant }, plan: 'enterprise', ...spec },
  };
}

function addOnManifest(namespace: string, name: string, spec: AddOn['spec']): AddOn {
  return { apiVersion: 'tenantry.dev/v1alpha1', kind: 'AddOn', metadata: { name, namespace }, spec };
}

/** A DedicatedCompute add-on; `approval: null` leaves spec.approval out. */
export function computeManifest(
  namespace: string,
  name: string,
  opts: { nodes?: number; approval?: string | null; candidates?: Record<string, string> } = {},
): AddOn {
  const { nodes = 1, approval = 'noisy neighbours on the shared pool' } = opts;
  const candidates = opts.candidates ?? { 'node.kubernetes.io/instance-type': 'm5.2xlarge' };
  return addOnManifest(namespace, name, {
    type: 'DedicatedCompute',
    ...(approval === null ? {} : { approval: { reason: approval } }),
    dedicatedCompute: { nodes, candidateSelector: { matchLabels: candidates } },
  });
}

/** An AuditArchive add-on into a bucket at `endpoint`, with the credentials Secret `s3`. */
export function archiveManifest(
  namespace: string,
  name: string,
  opts: { retentionDays?: number; endpoint?: string } = {},
): AddOn {
  return addOnManifest(namespace, name, {
    type: 'AuditArchive',
    approval: { reason: 'regulator asks for WORM' },
    auditArchive: {
      bucket: {
        endpoint: opts.endpoint ?? 'https://s3.example.com',
        region: 'eu-west-1',
        name: 'acme-audit',
        credentialsSecretRef: { name: 's3' },
      },
      retentionDays: opts.retentionDays ?? 400,
    },
  });
}

/** Asks admission about creating the add-on without creating it, so polling leaves nothing behind. */
export function dryRunCreate(client: KubeClient, addon: AddOn): Promise<unknown> {
  return client.request('POST', `/apis/tenantry.dev/v1alpha1/namespaces/${addon.metadata.namespace}/addons`, {
    query: { dryRun: 'All' },
    body: addon,
  });
}
