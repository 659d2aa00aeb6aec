import { randomBytes } from 'node:crypto';
import type { TestProject } from 'vitest/node';
import { loadKubeConfig } from '../../cmd/kubeconfig.ts';
import { type ControlPlane, startControlPlane } from '../../devcluster/controlplane.ts';
import { type NodeSimulator, startNodeSimulator } from '../../devcluster/nodes.ts';
import { freePort } from '../../devcluster/ports.ts';
import { servingTls } from '../../devcluster/serving-tls.ts';
import { install } from '../../operator/install/install.ts';
import { DEFAULT_NAMESPACE } from '../../operator/install/rbac.ts';
import { KubeClient } from '../../operator/runtime/kube/client.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    kubeconfig: string;
    /** Empty when the cluster came from KUBECONFIG (no audit log to read). */
    auditLog: string;
    /** Directory of kubectl and the other control-plane binaries; empty on an external cluster. */
    binDir: string;
    /** Names of the simulated nodes; empty on an external cluster. */
    nodes: string[];
    /** Where the API server sends audit events for the denial receiver; port 0 on an external cluster. */
    denialAudit: { port: number; token: string; tls: { cert: string; key: string } };
  }
}

/**
 * Starts one control plane for the whole integration run (or uses $KUBECONFIG's cluster),
 * registers simulated nodes in two regions and installs the CRDs and RBAC.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let cp: ControlPlane | undefined;
  let sim: NodeSimulator | undefined;
  let kubeconfig = process.env.KUBECONFIG ?? '';
  let denialAudit = { port: 0, token: '', tls: { cert: '', key: '' } };
  if (!kubeconfig) {
    // The operator under test listens here when a test wants admission denials recorded.
    const tls = await servingTls({ commonName: 'tenantry-denial-audit' });
    denialAudit = {
      port: await freePort(),
      token: randomBytes(24).toString('hex'),
      tls: { cert: tls.cert, key: tls.key },
    };
    cp = await startControlPlane({
      auditLog: true,
      auditWebhook: {
        url: `https://127.0.0.1:${denialAudit.port}/audit`,
        token: denialAudit.token,
        caPem: tls.ca,
      },
      onProgress: (l) => process.stderr.write(`${l}\n`),
    });
    sim = await startNodeSimulator(cp.nodeSimulator.kubeconfigPath, {
      count: 6,
      regions: ['eu-west-1', 'us-east-1'],
      onError: () => {},
    });
    kubeconfig = cp.kubeconfigPath;
  }
  const client = await KubeClient.fromKubeConfig(loadKubeConfig(kubeconfig));
  await install(client, { namespace: DEFAULT_NAMESPACE });
  client.close();
  project.provide('kubeconfig', kubeconfig);
  project.provide('auditLog', cp?.auditLogPath ?? '');
  project.provide('binDir', cp?.binDir ?? '');
  project.provide('nodes', sim?.nodes ?? []);
  project.provide('denialAudit', denialAudit);
  return async () => {
    await sim?.stop();
    await cp?.stop();
  };
}
