import { randomBytes } from 'node:crypto';
import * as k8s from '@kubernetes/client-node';
import { keyAndCertificateRequest } from './certs.ts';
import { statusOf } from './http-status.ts';
import { pollUntil } from './poll.ts';

/** The signer of kubelet client certificates, which the controller-manager runs with the cluster CA. */
const kubeletClientSigner = 'kubernetes.io/kube-apiserver-client-kubelet';

/** The user name the Node authorizer and NodeRestriction admission know a node by. */
export const nodeUser = (nodeName: string): string => `system:node:${nodeName}`;

/**
 * A kubeconfig that authenticates as the node (`system:node:<name>` in group `system:nodes`),
 * obtained the way a kubelet bootstraps one: a CertificateSigningRequest for the kubelet
 * client signer, approved by `admin` and signed by the controller-manager. The API server then
 * judges the node's requests as it judges a real kubelet's (Node authorizer, NodeRestriction).
 */
export async function nodeKubeConfig(
  admin: k8s.KubeConfig,
  nodeName: string,
  opts: { timeoutMs?: number } = {},
): Promise<k8s.KubeConfig> {
  const certificates = admin.makeApiClient(k8s.CertificatesV1Api);
  const { privateKeyPem, csrPem } = await keyAndCertificateRequest(
    `/O=system:nodes/CN=${nodeUser(nodeName)}`,
  );
  const name = `node-client-${nodeName}-${randomBytes(4).toString('hex')}`.slice(0, 253);
  await certificates.createCertificateSigningRequest({
    body: {
      metadata: { name },
      spec: {
        request: Buffer.from(csrPem).toString('base64'),
        signerName: kubeletClientSigner,
        // The usages the signer requires of an EC key, no more.
        usages: ['digital signature', 'client auth'],
      },
    },
  });
  try {
    await approve(certificates, name, nodeName);
    let refused: Error | undefined;
    const certificate = await pollUntil(
      async () => {
        const { status } = await certificates.readCertificateSigningRequest({ name });
        const failed = status?.conditions?.find((c) => c.type === 'Failed' || c.type === 'Denied');
        if (failed)
          refused = new Error(`the signer refused the request: ${failed.reason}: ${failed.message}`);
        return status?.certificate || undefined;
      },
      {
        what: `the client certificate of node ${nodeName}`,
        timeoutMs: opts.timeoutMs ?? 30_000,
        abortIf: () => {
          if (refused) throw refused;
        },
      },
    );
    return withClientCertificate(admin, nodeUser(nodeName), certificate, privateKeyPem);
  } finally {
    // The certificate is issued (or never will be); the request has served its purpose.
    await certificates.deleteCertificateSigningRequest({ name }).catch(() => {});
  }
}

/**
 * The controller-manager's approver already approves requests of users allowed to ask for node
 * client certificates, as the simulator is; approving here as well covers clusters where it
 * does not, and so the request may already be approved, or change under us.
 */
async function approve(certificates: k8s.CertificatesV1Api, name: string, nodeName: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    const csr = await certificates.readCertificateSigningRequest({ name });
    const conditions = csr.status?.conditions ?? [];
    if (conditions.some((c) => c.type === 'Approved')) return;
    const approved = {
      type: 'Approved',
      status: 'True',
      reason: 'NodeSimulator',
      message: `client certificate of simulated node ${nodeName}`,
    };
    try {
      await certificates.replaceCertificateSigningRequestApproval({
        name,
        body: { ...csr, status: { ...csr.status, conditions: [...conditions, approved] } },
      });
      return;
    } catch (err) {
      if (statusOf(err) !== 409 || attempt >= 10) throw err;
    }
  }
}

/** The admin kubeconfig's cluster, with a client certificate (base64 PEM) as the user. */
function withClientCertificate(
  admin: k8s.KubeConfig,
  user: string,
  certificateBase64: string,
  privateKeyPem: string,
): k8s.KubeConfig {
  const cluster = admin.getCurrentCluster();
  if (!cluster) throw new Error('the kubeconfig has no current cluster');
  const kc = new k8s.KubeConfig();
  kc.loadFromOptions({
    clusters: [cluster],
    users: [
      { name: user, certData: certificateBase64, keyData: Buffer.from(privateKeyPem).toString('base64') },
    ],
    contexts: [{ name: user, cluster: cluster.name, user: user }],
    currentContext: user,
  });
  return kc;
}
