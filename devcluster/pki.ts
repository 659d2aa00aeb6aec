import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { clientCert, pemKeyPair, selfSignedCa, serverCert } from './certs.ts';
import { POD_GATEWAY } from './runtime/pod-network.ts';

export interface Pki {
  caCertPath: string;
  caKeyPath: string;
  caCertPem: string;
  servingCertPath: string;
  servingKeyPath: string;
  /** RSA key pair that signs and verifies service account tokens. */
  serviceAccountKeyPath: string;
  serviceAccountPublicKeyPath: string;
  /**
   * The front proxy: a CA of its own (not the client CA, so no user's client certificate can
   * pass for the proxy) and the client certificate the aggregation layer presents to aggregated
   * API servers when it forwards a caller's identity in X-Remote-* headers.
   */
  frontProxy: { caCertPath: string; caKeyPath: string; clientCertPath: string; clientKeyPath: string };
}

/** The CN of the front proxy's client certificate: the one name `--requestheader-allowed-names` admits. */
export const FRONT_PROXY_CLIENT = 'front-proxy-client';

/** DNS names and IPs the apiserver serving certificate is valid for. */
const servingSans = [
  'IP:127.0.0.1',
  'DNS:localhost',
  // The first address of --service-cluster-ip-range and the in-cluster names, so pods that are
  // pointed at the kubernetes Service (e.g. through a port-forwarding proxy) can verify it too.
  'IP:10.0.0.1',
  // Where pods on nodes that run containers reach the API server (runtime/pod-network.ts).
  `IP:${POD_GATEWAY}`,
  'DNS:kubernetes',
  'DNS:kubernetes.default',
  'DNS:kubernetes.default.svc',
  'DNS:kubernetes.default.svc.cluster.local',
];

/**
 * Creates a throwaway CA, an apiserver serving certificate signed by it, the service account
 * signing key and the front proxy's CA and client certificate in `dir`. Keys come from Node's crypto (EC for TLS because it is instant, RSA for
 * service accounts as requested by the token consumers); certificates need the openssl CLI.
 */
export async function generatePki(dir: string): Promise<Pki> {
  const p = (name: string) => join(dir, name);
  const pki: Pki = {
    caCertPath: p('ca.crt'),
    caKeyPath: p('ca.key'),
    caCertPem: '',
    servingCertPath: p('apiserver.crt'),
    servingKeyPath: p('apiserver.key'),
    serviceAccountKeyPath: p('sa.key'),
    serviceAccountPublicKeyPath: p('sa.pub'),
    frontProxy: {
      caCertPath: p('front-proxy-ca.crt'),
      caKeyPath: p('front-proxy-ca.key'),
      clientCertPath: p('front-proxy-client.crt'),
      clientKeyPath: p('front-proxy-client.key'),
    },
  };
  const [ca, serving, sa, proxyCa, proxyClient] = await Promise.all([
    pemKeyPair('ec'),
    pemKeyPair('ec'),
    pemKeyPair('rsa'),
    pemKeyPair('ec'),
    pemKeyPair('ec'),
  ]);
  await Promise.all([
    writeFile(pki.caKeyPath, ca.privateKey, { mode: 0o600 }),
    writeFile(pki.servingKeyPath, serving.privateKey, { mode: 0o600 }),
    writeFile(pki.serviceAccountKeyPath, sa.privateKey, { mode: 0o600 }),
    writeFile(pki.serviceAccountPublicKeyPath, sa.publicKey),
    writeFile(pki.frontProxy.caKeyPath, proxyCa.privateKey, { mode: 0o600 }),
    writeFile(pki.frontProxy.clientKeyPath, proxyClient.privateKey, { mode: 0o600 }),
  ]);

  // Each CA, then its leaf; the two chains are independent.
  const cluster = async () => {
    await selfSignedCa({
      keyPath: pki.caKeyPath,
      certPath: pki.caCertPath,
      commonName: 'tenantry-local-ca',
      days: 3650,
    });
    await serverCert({
      keyPath: pki.servingKeyPath,
      certPath: pki.servingCertPath,
      caCertPath: pki.caCertPath,
      caKeyPath: pki.caKeyPath,
      commonName: 'kube-apiserver',
      sans: servingSans,
      days: 365,
    });
  };
  const frontProxy = async () => {
    await selfSignedCa({
      keyPath: pki.frontProxy.caKeyPath,
      certPath: pki.frontProxy.caCertPath,
      commonName: 'tenantry-local-front-proxy-ca',
      days: 3650,
    });
    await clientCert({
      keyPath: pki.frontProxy.clientKeyPath,
      certPath: pki.frontProxy.clientCertPath,
      caCertPath: pki.frontProxy.caCertPath,
      caKeyPath: pki.frontProxy.caKeyPath,
      commonName: FRONT_PROXY_CLIENT,
      days: 365,
    });
  };
  await Promise.all([cluster(), frontProxy()]);
  pki.caCertPem = await readFile(pki.caCertPath, 'utf8');
  return pki;
}
