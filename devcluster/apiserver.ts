import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import { FRONT_PROXY_CLIENT, type Pki } from './pki.ts';
import { probe } from './probe.ts';
import { ManagedProcess } from './process.ts';

export const serviceClusterIpRange = '10.0.0.0/24';

export interface ApiServerParams {
  binDir: string;
  dir: string;
  port: number;
  etcdUrl: string;
  pki: Pki;
  tokenFilePath: string;
  /** Token used to probe /readyz. */
  probeToken: string;
  auditLogPath?: string;
  /** Also send audit events to this webhook (batch mode, https), with a bearer token. */
  auditWebhook?: { url: string; token: string; caPem: string };
  extraArgs: readonly string[];
  timeoutMs: number;
}

export interface ApiServer {
  process: ManagedProcess;
  server: string;
}

/**
 * One line per finished write request, with user, verb and object reference. Reads are left out
 * because tests count writes per user and reads would drown them.
 */
const auditPolicy = {
  apiVersion: 'audit.k8s.io/v1',
  kind: 'Policy',
  // Only ResponseComplete, so each request is exactly one line.
  omitStages: ['RequestReceived', 'ResponseStarted'],
  rules: [{ level: 'None', verbs: ['get', 'list', 'watch'] }, { level: 'Metadata' }],
};

function webhookKubeconfig(w: { url: string; token: string; caPem: string }) {
  return {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [
      {
        name: 'audit',
        cluster: { server: w.url, 'certificate-authority-data': Buffer.from(w.caPem).toString('base64') },
      },
    ],
    users: [{ name: 'kube-apiserver', user: { token: w.token } }],
    contexts: [{ name: 'audit', context: { cluster: 'audit', user: 'kube-apiserver' } }],
    'current-context': 'audit',
  };
}

export async function startApiServer(p: ApiServerParams): Promise<ApiServer> {
  const server = `https://127.0.0.1:${p.port}`;
  const args = [
    `--etcd-servers=${p.etcdUrl}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${p.port}`,
    `--cert-dir=${join(p.dir, 'apiserver-certs')}`,
    `--tls-cert-file=${p.pki.servingCertPath}`,
    `--tls-private-key-file=${p.pki.servingKeyPath}`,
    `--client-ca-file=${p.pki.caCertPath}`,
    `--token-auth-file=${p.tokenFilePath}`,
    '--authorization-mode=Node,RBAC',
    // As on real clusters: a node may change only its own Node, Lease and pods, and may not give
    // itself node-restriction.kubernetes.io/ labels (which pools of dedicated nodes rely on).
    '--enable-admission-plugins=NodeRestriction',
    `--service-cluster-ip-range=${serviceClusterIpRange}`,
    '--allow-privileged=true',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${p.pki.serviceAccountPublicKeyPath}`,
    `--service-account-signing-key-file=${p.pki.serviceAccountKeyPath}`,
    // The aggregation layer: it authenticates the caller and forwards her identity to aggregated
    // API servers (Tenantry's tenant API) in these headers, presenting the front proxy's client
    // certificate; they trust the headers only with that certificate (its CA and CN are
    // published in kube-system/extension-apiserver-authentication).
    `--requestheader-client-ca-file=${p.pki.frontProxy.caCertPath}`,
    `--requestheader-allowed-names=${FRONT_PROXY_CLIENT}`,
    '--requestheader-username-headers=X-Remote-User',
    '--requestheader-group-headers=X-Remote-Group',
    '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    `--proxy-client-cert-file=${p.pki.frontProxy.clientCertPath}`,
    `--proxy-client-key-file=${p.pki.frontProxy.clientKeyPath}`,
  ];
  if (p.auditLogPath !== undefined || p.auditWebhook !== undefined) {
    const policyPath = join(p.dir, 'audit-policy.yaml');
    await writeFile(policyPath, stringify(auditPolicy));
    args.push(`--audit-policy-file=${policyPath}`);
  }
  if (p.auditWebhook !== undefined) {
    const configPath = join(p.dir, 'audit-webhook.kubeconfig');
    await writeFile(configPath, stringify(webhookKubeconfig(p.auditWebhook)), { mode: 0o600 });
    args.push(
      `--audit-webhook-config-file=${configPath}`,
      '--audit-webhook-mode=batch',
      // Short batches, so a test sees a denial's Event within a second or two.
      '--audit-webhook-batch-max-wait=500ms',
    );
  }
  if (p.auditLogPath !== undefined) {
    args.push(
      `--audit-log-path=${p.auditLogPath}`,
      // Blocking: the event is on disk before the response is sent, so a test can count right after a call.
      '--audit-log-mode=blocking',
      '--audit-log-format=json',
      '--audit-log-maxbackup=1',
    );
  }
  args.push(...p.extraArgs);

  const proc = new ManagedProcess(
    'kube-apiserver',
    join(p.binDir, 'kube-apiserver'),
    args,
    join(p.dir, 'kube-apiserver.log'),
  );
  try {
    await proc.waitUntil(
      'ready',
      async () => {
        const res = await probe(`${server}/readyz`, {
          ca: p.pki.caCertPem,
          token: p.probeToken,
          timeoutMs: 2000,
        }).catch(() => undefined);
        return res?.status === 200;
      },
      p.timeoutMs,
    );
  } catch (err) {
    await proc.stop(1000);
    throw err;
  }
  return { process: proc, server };
}
