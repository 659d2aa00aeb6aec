import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { KubeConfig } from '@kubernetes/client-node';
import { inject } from 'vitest';
import { loadKubeConfig } from '../../cmd/kubeconfig.ts';
import { pemKeyPair } from '../../devcluster/certs.ts';
import { KubeClient } from '../../operator/runtime/kube/client.ts';
import type { KubeObject } from '../../operator/runtime/kube/object.ts';
import { typed } from '../../operator/runtime/kube/resource.ts';
import { uniqueName } from './cluster.ts';
import { waitFor } from './wait.ts';

const run = promisify(execFile);

export interface CertificateSigningRequest extends KubeObject {
  spec: {
    request: string;
    signerName: string;
    usages: string[];
    expirationSeconds?: number;
    username?: string;
    groups?: string[];
  };
  status?: {
    certificate?: string;
    conditions?: Array<{ type: string; status: string; reason?: string; message?: string }>;
  };
}

export const CertificateSigningRequestResource = typed<CertificateSigningRequest>()({
  group: 'certificates.k8s.io',
  version: 'v1',
  kind: 'CertificateSigningRequest',
  plural: 'certificatesigningrequests',
  namespaced: false,
});

/** The signer whose certificates every API server accepts as client credentials. */
export const CLIENT_SIGNER = 'kubernetes.io/kube-apiserver-client';

/** Group of the node-ops user; the test that needs it binds it to the node rights it tests. */
export const NODE_OPS_GROUP = 'tenantry:node-ops';

/** A user the API server authenticates by its X.509 client certificate, not by impersonation. */
export interface CertUser {
  /** The user name (the certificate's CN), as RBAC subjects and admission see it. */
  name: string;
  /** The groups of the certificate (its O fields); the API server adds system:authenticated. */
  groups: string[];
  client: KubeClient;
  /** Her credential (PEM), for tools that take a kubeconfig or a raw TLS connection. */
  certPem: string;
  keyPem: string;
}

/**
 * A PEM PKCS#10 request for `CN=name, O=group...`. Node's crypto makes keys but no requests,
 * so this one step uses the openssl CLI, like the control plane's own certificates.
 */
export async function certificateRequest(
  privateKeyPem: string,
  name: string,
  groups: string[],
): Promise<string> {
  const quoted = (v: string) => v.replace(/[/\\+=]/g, (c) => `\\${c}`);
  const subject = `/CN=${quoted(name)}${groups.map((g) => `/O=${quoted(g)}`).join('')}`;
  const dir = await mkdtemp(join(tmpdir(), 'tenantry-csr-'));
  try {
    const keyPath = join(dir, 'key.pem');
    await writeFile(keyPath, privateKeyPem, { mode: 0o600 });
    const { stdout } = await run('openssl', ['req', '-new', '-key', keyPath, '-subj', subject, '-sha256']);
    return stdout;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A CertificateSigningRequest object for the client signer, as a user would send it. */
export function clientCsr(
  name: string,
  requestPem: string,
  expirationSeconds = 24 * 3600,
): CertificateSigningRequest {
  return {
    metadata: { name },
    spec: {
      request: Buffer.from(requestPem).toString('base64'),
      signerName: CLIENT_SIGNER,
      usages: ['client auth'],
      expirationSeconds,
    },
  };
}

/** Approves a CSR through its approval subresource, as `kubectl certificate approve` does. */
export function approveCsr(
  client: KubeClient,
  csr: CertificateSigningRequest,
  reason = 'TenantryTest',
): Promise<unknown> {
  const name = csr.metadata.name ?? '';
  const conditions = [
    ...(csr.status?.conditions ?? []),
    { type: 'Approved', status: 'True', reason, message: 'approved by the Tenantry test suite' },
  ];
  return client.request('PUT', `/apis/certificates.k8s.io/v1/certificatesigningrequests/${name}/approval`, {
    body: {
      ...csr,
      apiVersion: 'certificates.k8s.io/v1',
      kind: 'CertificateSigningRequest',
      status: { conditions },
    },
  });
}

function clientKubeConfig(base: KubeConfig, name: string, certPem: string, keyPem: string): KubeConfig {
  const cluster = base.getCurrentCluster();
  if (!cluster) throw new Error('kubeconfig has no current cluster');
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [
      {
        name,
        certData: Buffer.from(certPem).toString('base64'),
        keyData: Buffer.from(keyPem).toString('base64'),
      },
    ],
    contexts: [{ name, cluster: cluster.name, user: name }],
    currentContext: name,
  });
  return kc;
}

/** Who the API server takes the client for (a SelfSubjectReview, which anyone may ask for). */
export async function whoAmI(client: KubeClient): Promise<{ username: string; groups?: string[] }> {
  const review = await client.request<{ status: { userInfo: { username: string; groups?: string[] } } }>(
    'POST',
    '/apis/authentication.k8s.io/v1/selfsubjectreviews',
    { body: { apiVersion: 'authentication.k8s.io/v1', kind: 'SelfSubjectReview' } },
  );
  return review.status.userInfo;
}

/**
 * Makes a real user: a new EC key, a CSR for the kube-apiserver-client signer that the admin
 * approves, the signed certificate as the credential, and a SelfSubjectReview to prove the
 * API server sees exactly this user and these groups. Works on any cluster whose
 * kube-controller-manager signs CSRs (the local control plane does, with its CA).
 */
export async function certificateUser(
  admin: KubeClient,
  name: string,
  groups: string[] = [],
): Promise<CertUser> {
  const key = await pemKeyPair('ec');
  const csrName = uniqueName(`tenantry-test-${name.replace(/[^a-z0-9.-]/g, '-')}`);
  await admin.create(
    CertificateSigningRequestResource,
    clientCsr(csrName, await certificateRequest(key.privateKey, name, groups)),
  );
  let certPem: string;
  try {
    await approveCsr(admin, await admin.get(CertificateSigningRequestResource, csrName));
    const signed = await waitFor(
      `CSR ${csrName} of ${name} to be signed (does kube-controller-manager have --cluster-signing-cert-file?)`,
      async () => {
        const csr = await admin.get<CertificateSigningRequest>(CertificateSigningRequestResource, csrName);
        const failed = csr.status?.conditions?.find((c) => c.type === 'Failed' && c.status === 'True');
        if (failed) throw new Error(`signing failed: ${failed.reason}: ${failed.message}`);
        return csr.status?.certificate;
      },
      { timeoutMs: 30_000 },
    );
    certPem = Buffer.from(signed, 'base64').toString('utf8');
  } finally {
    await admin.delete(CertificateSigningRequestResource, csrName).catch(() => {});
  }
  const kc = clientKubeConfig(loadKubeConfig(inject('kubeconfig')), name, certPem, key.privateKey);
  const client = await KubeClient.fromKubeConfig(kc, { userAgent: `tenantry-test-${name}` });
  const seen = await whoAmI(client);
  if (seen.username !== name || !groups.every((g) => seen.groups?.includes(g))) {
    client.close();
    throw new Error(`the API server authenticates ${name} as ${JSON.stringify(seen)}`);
  }
  return { name, groups, client, certPem, keyPem: key.privateKey };
}

/** A kubeconfig file with the user's client certificate, for kubectl and the tenantry CLI. */
export async function kubeconfigFile(user: CertUser): Promise<string> {
  const kc = clientKubeConfig(loadKubeConfig(inject('kubeconfig')), user.name, user.certPem, user.keyPem);
  const file = join(await mkdtemp(join(tmpdir(), 'tenantry-user-')), 'kubeconfig');
  await writeFile(file, kc.exportConfig(), { mode: 0o600 });
  return file;
}

/**
 * One real user per key, each named `<key>-<random>` so runs on a shared cluster never meet
 * each other's RoleBindings; `close()` drops their connections.
 */
export async function certificateUsers<K extends string>(
  admin: KubeClient,
  groupsByUser: Record<K, string[]>,
): Promise<Record<K, CertUser> & { close(): void }> {
  const keys = Object.keys(groupsByUser) as K[];
  const users = await Promise.all(keys.map((k) => certificateUser(admin, uniqueName(k), groupsByUser[k])));
  const byKey = Object.fromEntries(keys.map((k, i) => [k, users[i]])) as Record<K, CertUser>;
  return {
    ...byKey,
    close: () => {
      for (const u of users) u.client.close();
    },
  };
}

/**
 * The attacker suite's cast: alice and bob (the test makes them owners of tenants A and B),
 * carol (authenticated, nothing else) and dave (in NODE_OPS_GROUP), plus any `extra` users.
 */
export function attackers<E extends string = never>(
  admin: KubeClient,
  extra: Record<E, string[]> = {} as Record<E, string[]>,
): Promise<Record<'alice' | 'bob' | 'carol' | 'dave' | E, CertUser> & { close(): void }> {
  const cast: Record<'alice' | 'bob' | 'carol' | 'dave', string[]> = {
    alice: [],
    bob: [],
    carol: [],
    dave: [NODE_OPS_GROUP],
  };
  return certificateUsers<'alice' | 'bob' | 'carol' | 'dave' | E>(admin, { ...cast, ...extra });
}
