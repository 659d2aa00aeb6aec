import { execFile } from 'node:child_process';
import { generateKeyPair, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A throwaway CA and a server certificate it signed, as PEM strings. */
export interface TestTls {
  /** The CA certificate: what a client must trust to accept `cert`. */
  ca: string;
  cert: string;
  key: string;
}

/**
 * Makes a CA and a serving certificate for 127.0.0.1 and localhost in a temp dir, the way
 * hack/controlplane/pki.ts does for the apiserver: EC keys from Node's crypto (instant), the
 * certificates from the openssl CLI (`req -x509 -CA` signs without a CSR or serial file).
 * The directory is removed before returning; only the PEM strings are needed.
 */
export async function createTestTls(opts: { commonName?: string } = {}): Promise<TestTls> {
  const dir = await mkdtemp(join(tmpdir(), 'tenantry-tls-'));
  try {
    const p = (name: string) => join(dir, name);
    const [caKey, serverKey] = await Promise.all([ecKey(), ecKey()]);
    await Promise.all([
      writeFile(p('ca.key'), caKey, { mode: 0o600 }),
      writeFile(p('server.key'), serverKey, { mode: 0o600 }),
    ]);
    await openssl([
      'req',
      '-x509',
      '-new',
      '-key',
      p('ca.key'),
      '-subj',
      `/CN=${opts.commonName ?? 'tenantry-test-ca'}`,
      '-days',
      '30',
      '-sha256',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,digitalSignature,keyCertSign,cRLSign',
      '-out',
      p('ca.crt'),
    ]);
    await openssl([
      'req',
      '-x509',
      '-new',
      '-key',
      p('server.key'),
      '-CA',
      p('ca.crt'),
      '-CAkey',
      p('ca.key'),
      '-subj',
      '/CN=localhost',
      '-days',
      '30',
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
      'subjectAltName=IP:127.0.0.1,DNS:localhost',
      '-out',
      p('server.crt'),
    ]);
    const [ca, cert] = await Promise.all([readFile(p('ca.crt'), 'utf8'), readFile(p('server.crt'), 'utf8')]);
    return { ca, cert, key: serverKey };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function ecKey(): Promise<string> {
  return new Promise((resolve, reject) =>
    generateKeyPair(
      'ec',
      {
        namedCurve: 'prime256v1',
        privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
        publicKeyEncoding: { type: 'spki', format: 'pem' },
      },
      (err, _publicKey, privateKey) => (err ? reject(err) : resolve(privateKey)),
    ),
  );
}

async function openssl(args: string[]): Promise<void> {
  try {
    await run('openssl', args);
  } catch (err) {
    const e = err as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') throw new Error('the openssl CLI is needed to create test certificates');
    throw new Error(`openssl ${args.slice(0, 2).join(' ')} failed: ${e.stderr ?? e.message}`);
  }
}
