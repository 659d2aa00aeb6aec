import { KubeConfig } from '@kubernetes/client-node';
import type { KubeClient } from '../runtime/kube/client.ts';

/**
 * A kubeconfig that authenticates as a ServiceAccount through a bound token from the
 * TokenRequest API. Used to run the operator locally with exactly the permissions its
 * chart grants, instead of the admin's.
 */
export async function serviceAccountKubeConfig(
  admin: KubeClient,
  base: KubeConfig,
  namespace: string,
  serviceAccount: string,
  expirationSeconds = 24 * 3600,
): Promise<KubeConfig> {
  const res = await admin.request<{ status: { token: string } }>(
    'POST',
    `/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`,
    { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'TokenRequest', spec: { expirationSeconds } } },
  );
  const cluster = base.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [{ name: serviceAccount, token: res.status.token }],
    contexts: [{ name: serviceAccount, cluster: cluster.name, user: serviceAccount }],
    currentContext: serviceAccount,
  });
  return kc;
}
