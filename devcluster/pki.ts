import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pemKeyPair, selfSignedCa, serverCert } from './certs.ts';

export interface Pki {
  caCertPath: string;
  caKeyPath: string;
  caCertPem: string;
  servingCertPath: string;
  servingKeyPath: string;
  /** RSA key pair that signs and verifies service account tokens. */
  serviceAccountKeyPath: string;
  serviceAccountPublicKeyPath: string;
}

/** DNS names and IPs the apiserver serving certificate is valid for. */
const servingSans = [
  'IP:127.0.0.1',
  'DNS:localhost',
  // The first address of --service-cluster-ip-range and the in-cluster names, so pods that are
  // pointed at the kubernetes Service (e.g. through a port-forwarding proxy) can verify it too.
  'IP:10.0.0.1',
  'DNS:kubernetes',
  'DNS:kubernetes.default',
  'DNS:kubernetes.default.svc',
  'DNS:kubernetes.default.svc.cluster.local',
];

/**
 * Creates a throwaway CA, an apiserver serving certificate signed by it, and the service account
 * signing key in `dir`. Keys come from Node's crypto (EC for TLS because it is instant, RSA for
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
  };
  const [ca, serving, sa] = await Promise.all([pemKeyPair('ec'), pemKeyPair('ec'), pemKeyPair('rsa')]);
  await Promise.all([
    writeFile(pki.caKeyPath, ca.privateKey, { mode: 0o600 }),
    writeFile(pki.servingKeyPath, serving.privateKey, { mode: 0o600 }),
    writeFile(pki.serviceAccountKeyPath, sa.privateKey, { mode: 0o600 }),
    writeFile(pki.serviceAccountPublicKeyPath, sa.publicKey),
  ]);

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
  pki.caCertPem = await readFile(pki.caCertPath, 'utf8');
  return pki;
}
