import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pemKeyPair, selfSignedCa, serverCert } from './certs.ts';

/** A throwaway CA and a server certificate it signed, as PEM strings (tests and `tenantry dev up`). */
export interface ServingTls {
  /** The CA certificate: what a client must trust to accept `cert`. */
  ca: string;
  cert: string;
  key: string;
}

/**
 * Makes a CA and a serving certificate (for 127.0.0.1 and localhost unless `sans` says) in a temp dir, the way
 * devcluster/pki.ts does for the apiserver: EC keys from Node's crypto (instant), the
 * certificates from the openssl CLI (`req -x509 -CA` signs without a CSR or serial file).
 * The directory is removed before returning; only the PEM strings are needed.
 */
export async function servingTls(opts: { commonName?: string; sans?: string[] } = {}): Promise<ServingTls> {
  const dir = await mkdtemp(join(tmpdir(), 'tenantry-tls-'));
  try {
    const p = (name: string) => join(dir, name);
    const [caKey, serverKey] = (await Promise.all([pemKeyPair('ec'), pemKeyPair('ec')])).map(
      (k) => k.privateKey,
    );
    await Promise.all([
      writeFile(p('ca.key'), caKey ?? '', { mode: 0o600 }),
      writeFile(p('server.key'), serverKey ?? '', { mode: 0o600 }),
    ]);
    await selfSignedCa({
      keyPath: p('ca.key'),
      certPath: p('ca.crt'),
      commonName: opts.commonName ?? 'tenantry-test-ca',
      days: 30,
    });
    await serverCert({
      keyPath: p('server.key'),
      certPath: p('server.crt'),
      caCertPath: p('ca.crt'),
      caKeyPath: p('ca.key'),
      commonName: 'localhost',
      sans: opts.sans ?? ['IP:127.0.0.1', 'DNS:localhost'],
      days: 30,
    });
    const [ca, cert] = await Promise.all([readFile(p('ca.crt'), 'utf8'), readFile(p('server.crt'), 'utf8')]);
    return { ca, cert, key: serverKey ?? '' };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
