import { execFile } from 'node:child_process';
import { generateKeyPair, randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

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

  await openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    pki.caKeyPath,
    '-subj',
    '/CN=tenantry-local-ca',
    '-days',
    '3650',
    '-sha256',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,digitalSignature,keyCertSign,cRLSign',
    '-out',
    pki.caCertPath,
  ]);
  // `req -x509 -CA` (OpenSSL 3) signs with the CA directly, without a CSR file or serial file.
  await openssl([
    'req',
    '-x509',
    '-new',
    '-key',
    pki.servingKeyPath,
    '-CA',
    pki.caCertPath,
    '-CAkey',
    pki.caKeyPath,
    '-subj',
    '/CN=kube-apiserver',
    '-days',
    '365',
    '-sha256',
    '-set_serial',
    `0x${randomBytes(16).toString('hex')}`,
    '-addext',
    'basicConstraints=critical,CA:FALSE',
    '-addext',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    '-addext',
    'extendedKeyUsage=serverAuth',
    '-addext',
    `subjectAltName=${servingSans.join(',')}`,
    '-out',
    pki.servingCertPath,
  ]);
  pki.caCertPem = await readFile(pki.caCertPath, 'utf8');
  return pki;
}

interface PemKeyPair {
  publicKey: string;
  privateKey: string;
}

function pemKeyPair(type: 'ec' | 'rsa'): Promise<PemKeyPair> {
  const encoding = {
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  } as const;
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, publicKey: string, privateKey: string) =>
      err ? reject(err) : resolve({ publicKey, privateKey });
    if (type === 'ec') generateKeyPair('ec', { namedCurve: 'prime256v1', ...encoding }, done);
    else generateKeyPair('rsa', { modulusLength: 2048, ...encoding }, done);
  });
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT')
      throw new Error('the openssl CLI is needed to create the local control plane certificates');
    throw new Error(`openssl ${args.slice(0, 2).join(' ')} failed: ${e.stderr ?? e.message}`);
  }
}
