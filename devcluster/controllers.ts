import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { Pki } from './pki.ts';
import { isHealthy } from './probe.ts';
import { ManagedProcess } from './process.ts';

interface ComponentParams {
  binDir: string;
  dir: string;
  port: number;
  kubeconfigPath: string;
  extraArgs: readonly string[];
  timeoutMs: number;
}

// Both components serve /healthz with a self-signed certificate they create in --cert-dir; it is
// only probed from here, so the certificate is not verified.
async function startComponent(name: string, args: string[], p: ComponentParams): Promise<ManagedProcess> {
  const certDir = join(p.dir, `${name}-certs`);
  await mkdir(certDir, { recursive: true });
  const proc = new ManagedProcess(
    name,
    join(p.binDir, name),
    [
      `--kubeconfig=${p.kubeconfigPath}`,
      // Delegated authentication and authorization, so /metrics works with a cluster token.
      `--authentication-kubeconfig=${p.kubeconfigPath}`,
      `--authorization-kubeconfig=${p.kubeconfigPath}`,
      // The apiserver has no front-proxy (requestheader) CA; looking it up only logs errors in a loop.
      '--authentication-skip-lookup=true',
      '--leader-elect=false',
      '--bind-address=127.0.0.1',
      `--secure-port=${p.port}`,
      `--cert-dir=${certDir}`,
      ...args,
      ...p.extraArgs,
    ],
    join(p.dir, `${name}.log`),
  );
  try {
    await proc.waitUntil(
      'healthy',
      () => isHealthy(`https://127.0.0.1:${p.port}/healthz`, { insecure: true }),
      p.timeoutMs,
    );
  } catch (err) {
    await proc.stop(1000);
    throw err;
  }
  return proc;
}

export function startControllerManager(p: ComponentParams & { pki: Pki }): Promise<ManagedProcess> {
  return startComponent(
    'kube-controller-manager',
    [
      `--service-account-private-key-file=${p.pki.serviceAccountKeyPath}`,
      `--root-ca-file=${p.pki.caCertPath}`,
      // Each controller acts as its own service account, so RBAC and audit logs look like a real cluster.
      '--use-service-account-credentials=true',
      // With per-controller credentials, startup mints a ServiceAccount and a token for each of ~40
      // controllers; at the default 20 QPS that client-side throttling alone delays every controller
      // (e.g. the default ServiceAccount of new namespaces) by about 5 s.
      '--kube-api-qps=500',
      '--kube-api-burst=1000',
      // Lets CertificateSigningRequests be signed by the local CA.
      `--cluster-signing-cert-file=${p.pki.caCertPath}`,
      `--cluster-signing-key-file=${p.pki.caKeyPath}`,
    ],
    p,
  );
}

export function startScheduler(p: ComponentParams): Promise<ManagedProcess> {
  return startComponent('kube-scheduler', [], p);
}
