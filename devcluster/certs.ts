import { execFile } from 'node:child_process';
import { generateKeyPair, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface PemKeyPair {
  publicKey: string;
  privateKey: string;
}

/** Keys come from Node's crypto (instant); only certificates need the openssl CLI. */
export function pemKeyPair(type: 'ec' | 'rsa'): Promise<PemKeyPair> {
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

/** Runs the openssl CLI; resolves to its stdout. */
async function openssl(args: string[]): Promise<string> {
  try {
    return (await run('openssl', args)).stdout;
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT')
      throw new Error('the openssl CLI is needed to create certificates (apt-get install openssl)');
    throw new Error(`openssl ${args.slice(0, 2).join(' ')} failed: ${e.stderr ?? e.message}`);
  }
}

/** `openssl req` arguments for a new SHA-256 certificate of the key at keyPath. */
function newCertificate(opts: { keyPath: string; commonName: string; days: number }): string[] {
  return [
    'req',
    '-x509',
    '-new',
    '-key',
    opts.keyPath,
    '-subj',
    `/CN=${opts.commonName}`,
    '-days',
    String(opts.days),
    '-sha256',
  ];
}

/** A self-signed CA certificate for the key at keyPath. */
export async function selfSignedCa(opts: {
  keyPath: string;
  certPath: string;
  commonName: string;
  days: number;
}): Promise<void> {
  await openssl([
    ...newCertificate(opts),
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,digitalSignature,keyCertSign,cRLSign',
    '-out',
    opts.certPath,
  ]);
}

interface SignedCertOptions {
  keyPath: string;
  certPath: string;
  caCertPath: string;
  caKeyPath: string;
  commonName: string;
  days: number;
}

/**
 * A leaf certificate signed by the CA for one extended key usage. `req -x509 -CA` (OpenSSL 3)
 * signs with the CA directly, without a CSR file or serial file.
 */
async function signedCert(opts: SignedCertOptions, usage: 'serverAuth' | 'clientAuth', extra: string[]) {
  await openssl([
    ...newCertificate(opts),
    '-CA',
    opts.caCertPath,
    '-CAkey',
    opts.caKeyPath,
    '-set_serial',
    `0x${randomBytes(16).toString('hex')}`,
    '-addext',
    'basicConstraints=critical,CA:FALSE',
    '-addext',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    '-addext',
    `extendedKeyUsage=${usage}`,
    ...extra,
    '-out',
    opts.certPath,
  ]);
}

/** A TLS server certificate signed by the CA, valid for `sans`. */
export async function serverCert(opts: SignedCertOptions & { sans: readonly string[] }): Promise<void> {
  await signedCert(opts, 'serverAuth', ['-addext', `subjectAltName=${opts.sans.join(',')}`]);
}

/** A TLS client certificate signed by the CA, for `CN=commonName` (e.g. the API server's front proxy). */
export async function clientCert(opts: SignedCertOptions): Promise<void> {
  await signedCert(opts, 'clientAuth', []);
}

const csrBegin = '-----BEGIN CERTIFICATE REQUEST-----';

/**
 * A new EC P-256 key and a PKCS#10 certificate request for it (both PEM), with the subject as
 * `/O=group/CN=name`. openssl writes both to stdout, so the key never touches the disk.
 */
export async function keyAndCertificateRequest(
  subject: string,
): Promise<{ privateKeyPem: string; csrPem: string }> {
  const out = await openssl([
    'req',
    '-new',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    '-',
    '-subj',
    subject,
  ]);
  const at = out.indexOf(csrBegin);
  if (at < 0) throw new Error('openssl req printed no certificate request');
  return { privateKeyPem: out.slice(0, at), csrPem: out.slice(at) };
}
