import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { stringify } from 'yaml';
import type { Pki } from './pki.ts';
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
    `--service-cluster-ip-range=${serviceClusterIpRange}`,
    '--allow-privileged=true',
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${p.pki.serviceAccountPublicKeyPath}`,
    `--service-account-signing-key-file=${p.pki.serviceAccountKeyPath}`,
  ];
  if (p.auditLogPath !== undefined) {
    const policyPath = join(p.dir, 'audit-policy.yaml');
    await writeFile(policyPath, stringify(auditPolicy));
    args.push(
      `--audit-policy-file=${policyPath}`,
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
