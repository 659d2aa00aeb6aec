import { existsSync } from 'node:fs';
import { KubeConfig } from '@kubernetes/client-node';
import { KubeClient } from '../operator/runtime/kube/client.ts';
import { CliError, EXIT } from './exit-codes.ts';

/**
 * Loads the kubeconfig the way kubectl does: --kubeconfig, else $KUBECONFIG, else
 * ~/.kube/config, else the in-cluster service account.
 */
export function loadKubeConfig(file?: string, context?: string): KubeConfig {
  const kc = new KubeConfig();
  if (file) {
    if (!existsSync(file)) throw new CliError(`kubeconfig ${file} does not exist`, EXIT.usage);
    kc.loadFromFile(file);
  } else {
    kc.loadFromDefault();
  }
  if (context) {
    if (!kc.getContextObject(context))
      throw new CliError(`kubeconfig has no context "${context}"`, EXIT.usage);
    kc.setCurrentContext(context);
  }
  if (!kc.getCurrentCluster()) {
    throw new CliError(
      'no Kubernetes cluster configured: set KUBECONFIG, pass --kubeconfig, or run `tenantry dev up` for a local control plane',
      EXIT.cluster,
    );
  }
  return kc;
}

export async function clientFor(opts: { kubeconfig?: string; context?: string }): Promise<KubeClient> {
  return KubeClient.fromKubeConfig(loadKubeConfig(opts.kubeconfig, opts.context), {
    userAgent: 'tenantry-cli',
  });
}
