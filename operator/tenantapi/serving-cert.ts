import 'reflect-metadata';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';
import { APIServiceResource } from '../install/tenant-api.ts';
import type { Clock } from '../runtime/clock.ts';
import type { KubeClient } from '../runtime/kube/client.ts';
import type { Secret } from '../runtime/kube/core.ts';
import { isAlreadyExists, isConflict } from '../runtime/kube/errors.ts';
import type { AnyObject } from '../runtime/kube/object.ts';
import { Builtin } from '../runtime/kube/resource.ts';
import type { Logger } from '../runtime/log.ts';
import { TENANT_API_SERVICE, TENANT_API_SERVICE_NAME } from './names.ts';

// The tenant API's own serving certificate, for installs with nothing but kubectl (the pack):
// a CA and a serving pair for <service>.<namespace>.svc kept in one Secret of the operator's
// namespace, which every replica serves, and the APIService's caBundle kept equal to the CA.

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** The Secret the operator keeps its tenant API CA and serving pair in (its namespace). */
export const SELF_SIGNED_SECRET = 'tenantry-api-self-signed';
/** The field manager of the APIService's caBundle: the only field the operator applies there. */
export const CA_BUNDLE_FIELD_MANAGER = 'tenantry-tenant-api-ca';

const DAY = 86_400_000;
export const SERVING_VALIDITY_MS = 365 * DAY;
export const CA_VALIDITY_MS = 10 * 365 * DAY;
/** A certificate is renewed once this share of its validity has passed. */
const RENEW_AT = 2 / 3;
/** Certificates start a little in the past, for clocks of other machines running behind. */
const BACKDATE_MS = 5 * 60_000;

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

export interface Pem {
  cert: string;
  key: string;
}
/** What the Secret holds: the CA (its key too, to renew the serving pair) and the serving pair. */
export interface ServingMaterial {
  ca: Pem;
  serving: Pem;
}

async function keyPair(): Promise<CryptoKeyPair> {
  return (await webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify'])) as CryptoKeyPair;
}

async function privatePem(key: CryptoKey): Promise<string> {
  return x509.PemConverter.encode(await webcrypto.subtle.exportKey('pkcs8', key), 'PRIVATE KEY');
}

async function importPrivate(pem: string): Promise<CryptoKey> {
  const der = x509.PemConverter.decodeFirst(pem);
  // Node's and the DOM's CryptoKey types differ only in usages Node added; same object.
  return (await webcrypto.subtle.importKey('pkcs8', der, ALG, false, ['sign'])) as unknown as CryptoKey;
}

const window = (now: number, validity: number) => ({
  notBefore: new Date(now - BACKDATE_MS),
  notAfter: new Date(now + validity),
});

/** A CA that may sign only end-entity certificates (path length 0). */
export async function issueCa(now: number, namespace: string): Promise<Pem> {
  const keys = await keyPair();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    name: `CN=tenantry-api-ca.${namespace}`,
    ...window(now, CA_VALIDITY_MS),
    keys,
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: await privatePem(keys.privateKey) };
}

/** A serving certificate for `dnsName` only, signed by the CA. */
export async function issueServing(ca: Pem, dnsName: string, now: number): Promise<Pem> {
  const keys = await keyPair();
  const caCert = new x509.X509Certificate(ca.cert);
  const cert = await x509.X509CertificateGenerator.create({
    subject: `CN=${dnsName}`,
    issuer: caCert.subject,
    ...window(now, SERVING_VALIDITY_MS),
    publicKey: keys.publicKey,
    signingKey: await importPrivate(ca.key),
    signingAlgorithm: ALG,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: dnsName }]),
      await x509.AuthorityKeyIdentifierExtension.create(caCert.publicKey),
    ],
  });
  return { cert: cert.toString('pem'), key: await privatePem(keys.privateKey) };
}

/** Whether a certificate has used up two thirds of its validity (or cannot be read). */
export function renewalDue(certPem: string, now: number): boolean {
  let cert: x509.X509Certificate;
  try {
    cert = new x509.X509Certificate(certPem);
  } catch {
    return true;
  }
  const from = cert.notBefore.getTime();
  const to = cert.notAfter.getTime();
  return now >= from + (to - from) * RENEW_AT;
}

/** Whether the serving certificate is for `dnsName` and signed by this CA. */
export async function servingMatches(m: ServingMaterial, dnsName: string): Promise<boolean> {
  try {
    const cert = new x509.X509Certificate(m.serving.cert);
    const ca = new x509.X509Certificate(m.ca.cert);
    const san = cert.getExtension(x509.SubjectAlternativeNameExtension);
    const names = san?.names.items.filter((n) => n.type === 'dns').map((n) => n.value) ?? [];
    return names.length === 1 && names[0] === dnsName && (await cert.verify({ publicKey: ca.publicKey }));
  } catch {
    return false;
  }
}

/**
 * What the Secret should hold next, or undefined when what it holds will do: a new CA and pair
 * when there is none or the CA is due, a new serving pair under the same CA (so the caBundle
 * stays valid across the renewal) when the pair is due or does not fit.
 */
export async function nextMaterial(
  current: ServingMaterial | undefined,
  namespace: string,
  now: number,
): Promise<ServingMaterial | undefined> {
  const dnsName = `${TENANT_API_SERVICE}.${namespace}.svc`;
  if (!current || renewalDue(current.ca.cert, now)) {
    const ca = await issueCa(now, namespace);
    return { ca, serving: await issueServing(ca, dnsName, now) };
  }
  if (renewalDue(current.serving.cert, now) || !(await servingMatches(current, dnsName)))
    return { ca: current.ca, serving: await issueServing(current.ca, dnsName, now) };
  return undefined;
}

const b64 = (s: string) => Buffer.from(s).toString('base64');
const unb64 = (s: string | undefined) => (s === undefined ? undefined : Buffer.from(s, 'base64').toString());

export function materialOf(secret: Secret): ServingMaterial | undefined {
  const d = secret.data ?? {};
  const [caCert, caKey, cert, key] = ['ca.crt', 'ca.key', 'tls.crt', 'tls.key'].map((k) => unb64(d[k]));
  if (!caCert || !caKey || !cert || !key) return undefined;
  return { ca: { cert: caCert, key: caKey }, serving: { cert, key } };
}

export function servingSecret(namespace: string, m: ServingMaterial, resourceVersion?: string): Secret {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: SELF_SIGNED_SECRET,
      namespace,
      labels: { 'app.kubernetes.io/name': 'tenantry' },
      ...(resourceVersion ? { resourceVersion } : {}),
    },
    type: 'kubernetes.io/tls',
    data: {
      'ca.crt': b64(m.ca.cert),
      'ca.key': b64(m.ca.key),
      'tls.crt': b64(m.serving.cert),
      'tls.key': b64(m.serving.key),
    },
  };
}

/**
 * Reads the Secret and renews or creates what is due. Replicas race only through the API
 * server: a create that finds the Secret made, or an update that finds it changed, reads the
 * winner's and serves that, so every replica serves the same certificate.
 */
export async function ensureServingMaterial(
  client: KubeClient,
  namespace: string,
  now: number,
): Promise<ServingMaterial> {
  for (let attempt = 0; attempt < 3; attempt++) {
    const secret = await client.find<Secret>(Builtin.Secret, SELF_SIGNED_SECRET, namespace);
    const current = secret ? materialOf(secret) : undefined;
    const next = await nextMaterial(current, namespace, now);
    if (!next && current) return current;
    if (!next) continue;
    try {
      if (!secret) await client.create(Builtin.Secret, servingSecret(namespace, next));
      else
        await client.update(Builtin.Secret, servingSecret(namespace, next, secret.metadata.resourceVersion));
      return next;
    } catch (e) {
      if (!isAlreadyExists(e) && !isConflict(e)) throw e;
    }
  }
  throw new Error(`${namespace}/${SELF_SIGNED_SECRET} kept changing under this replica; retrying later`);
}

/**
 * Keeps the APIService's caBundle equal to the CA: a server-side apply of that one field under
 * its own field manager, so the pack (which leaves caBundle out) never owns it and re-applying
 * the pack leaves it alone. Read first: an idle operator writes nothing.
 */
export async function syncCaBundle(client: KubeClient, caPem: string): Promise<'set' | 'same' | 'missing'> {
  const caBundle = b64(caPem);
  const current = await client.find<AnyObject>(APIServiceResource, TENANT_API_SERVICE_NAME);
  if (!current) return 'missing';
  if ((current.spec as { caBundle?: string } | undefined)?.caBundle === caBundle) return 'same';
  await client.patch(
    APIServiceResource,
    TENANT_API_SERVICE_NAME,
    undefined,
    {
      apiVersion: 'apiregistration.k8s.io/v1',
      kind: 'APIService',
      metadata: { name: TENANT_API_SERVICE_NAME },
      spec: { caBundle },
    },
    'apply',
    { fieldManager: CA_BUNDLE_FIELD_MANAGER, force: true },
  );
  return 'set';
}

/**
 * The tenant API's serving pair from the Secret, checked again every `refreshMs` (renewals and
 * another replica's renewal both land in the Secret); `tls()` is what the server reads.
 */
export async function selfSignedServing(opts: {
  client: KubeClient;
  namespace: string;
  clock: Clock;
  log: Logger;
  refreshMs?: number;
}): Promise<{ tls: () => Pem; stop: () => void }> {
  const log = opts.log.child({ component: 'tenant-api-cert' });
  let missingSaid = false;
  const sync = async () => {
    const m = await ensureServingMaterial(opts.client, opts.namespace, opts.clock.now());
    // The APIService may come after the operator starts: the next round fills it in.
    const ca = await syncCaBundle(opts.client, m.ca.cert).catch((e: unknown) => {
      log.warn({ err: (e as Error).message }, 'cannot set the APIService caBundle');
      return 'failed' as const;
    });
    if (ca === 'set') log.info(`set the caBundle of APIService ${TENANT_API_SERVICE_NAME}`);
    if (ca === 'missing' && !missingSaid)
      log.warn(`APIService ${TENANT_API_SERVICE_NAME} not found; its caBundle is set once it exists`);
    missingSaid = ca === 'missing';
    return m;
  };
  let material = await sync();
  let cancel = () => {};
  let stopped = false;
  const schedule = () => {
    if (stopped) return;
    cancel = opts.clock.setTimer(opts.refreshMs ?? 60_000, async () => {
      try {
        const next = await sync();
        if (next.serving.cert !== material.serving.cert) log.info('serving a renewed tenant API certificate');
        material = next;
      } catch (e) {
        log.warn(
          { err: (e as Error).message },
          'cannot refresh the tenant API certificate; keeping the current one',
        );
      }
      schedule();
    });
  };
  schedule();
  return {
    tls: () => material.serving,
    stop: () => {
      stopped = true;
      cancel();
    },
  };
}
