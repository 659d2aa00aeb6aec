import 'reflect-metadata';
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { KubeClient } from '../runtime/kube/client.ts';
import type { Secret } from '../runtime/kube/core.ts';
import { ApiError } from '../runtime/kube/errors.ts';
import {
  CA_VALIDITY_MS,
  ensureServingMaterial,
  issueCa,
  issueServing,
  materialOf,
  nextMaterial,
  renewalDue,
  SERVING_VALIDITY_MS,
  servingSecret,
} from './serving-cert.ts';

const now = Date.parse('2026-12-01T12:00:00Z');
const ns = 'tenantry-system';
const dns = `tenantry-api.${ns}.svc`;

describe('the tenant API serving certificate', () => {
  it('is for the Service name only, signed by a CA that signs nothing but end entities', async () => {
    const ca = await issueCa(now, ns);
    const serving = await issueServing(ca, dns, now);
    const caCert = new X509Certificate(ca.cert);
    const cert = new X509Certificate(serving.cert);
    expect(cert.verify(caCert.publicKey)).toBe(true);
    expect(cert.checkIssued(caCert)).toBe(true);
    expect(cert.subjectAltName).toBe(`DNS:${dns}`);
    expect(cert.checkHost(dns)).toBe(dns);
    expect(cert.checkHost(`evil.${ns}.svc`)).toBeUndefined();
    expect(cert.ca).toBe(false);
    expect(caCert.ca).toBe(true);
    expect(cert.keyUsage).toContain('1.3.6.1.5.5.7.3.1');
    expect(Date.parse(cert.validTo) - now).toBe(SERVING_VALIDITY_MS);
    expect(Date.parse(caCert.validTo) - now).toBe(CA_VALIDITY_MS);
    expect(Date.parse(cert.validFrom)).toBeLessThan(now);
    // The key is the certificate's: a TLS server could not start with a mismatched pair.
    expect(cert.checkPrivateKey((await import('node:crypto')).createPrivateKey(serving.key))).toBe(true);
    // Another CA does not vouch for it.
    const other = new X509Certificate((await issueCa(now, ns)).cert);
    expect(cert.verify(other.publicKey)).toBe(false);
  });

  it('is renewed at two thirds of its validity', async () => {
    const ca = await issueCa(now, ns);
    const { cert } = await issueServing(ca, dns, now);
    expect(renewalDue(cert, now)).toBe(false);
    expect(renewalDue(cert, now + SERVING_VALIDITY_MS * 0.66)).toBe(false);
    expect(renewalDue(cert, now + SERVING_VALIDITY_MS * 0.67)).toBe(true);
    expect(renewalDue('not a certificate', now)).toBe(true);
  });

  it('keeps the CA when the serving pair is renewed, so the caBundle stays valid', async () => {
    const first = await nextMaterial(undefined, ns, now);
    if (!first) throw new Error('nothing issued');
    expect(await nextMaterial(first, ns, now + 30 * 86_400_000)).toBeUndefined();
    const later = now + SERVING_VALIDITY_MS * 0.7;
    const renewed = await nextMaterial(first, ns, later);
    expect(renewed?.ca).toEqual(first.ca);
    expect(renewed?.serving.cert).not.toBe(first.serving.cert);
    const cert = new X509Certificate(renewed?.serving.cert ?? '');
    expect(cert.verify(new X509Certificate(first.ca.cert).publicKey)).toBe(true);
    // A pair for another namespace's Service is reissued under the same CA.
    const moved = await nextMaterial(first, 'elsewhere', now);
    expect(moved?.ca).toEqual(first.ca);
    expect(new X509Certificate(moved?.serving.cert ?? '').subjectAltName).toBe(
      'DNS:tenantry-api.elsewhere.svc',
    );
    // A CA near its end is replaced with a new pair.
    const late = await nextMaterial(first, ns, now + CA_VALIDITY_MS * 0.7);
    expect(late?.ca.cert).not.toBe(first.ca.cert);
  });

  it('round-trips through its Secret', async () => {
    const m = await nextMaterial(undefined, ns, now);
    if (!m) throw new Error('nothing issued');
    const secret = servingSecret(ns, m, '42');
    expect(secret.type).toBe('kubernetes.io/tls');
    expect(secret.metadata.resourceVersion).toBe('42');
    expect(materialOf(secret)).toEqual(m);
    expect(materialOf({ ...secret, data: { 'tls.crt': 'eA==' } })).toBeUndefined();
  });
});

/** The Secret as the API server keeps it: create refuses an existing one, update a stale one. */
function secretStore(beforeWrite: () => Promise<void> = async () => {}) {
  let stored: Secret | undefined;
  let version = 0;
  const client = {
    find: async () => structuredClone(stored),
    create: async (_: unknown, s: Secret) => {
      await beforeWrite();
      if (stored)
        throw new ApiError(409, 'AlreadyExists', 'secrets "tenantry-api-self-signed" already exists');
      stored = { ...s, metadata: { ...s.metadata, resourceVersion: String(++version) } };
      return stored;
    },
    update: async (_: unknown, s: Secret) => {
      await beforeWrite();
      if (s.metadata.resourceVersion !== stored?.metadata.resourceVersion)
        throw new ApiError(409, 'Conflict', 'the object has been modified');
      stored = { ...s, metadata: { ...s.metadata, resourceVersion: String(++version) } };
      return stored;
    },
  };
  return { client: client as unknown as KubeClient, stored: () => stored, put: (s: Secret) => (stored = s) };
}

describe('replicas sharing the serving Secret', () => {
  it("serve the winner's pair when another replica created it first", async () => {
    const winner = await nextMaterial(undefined, ns, now);
    if (!winner) throw new Error('nothing issued');
    let raced = false;
    const store = secretStore(async () => {
      // Another replica's create lands between this one's read and its create.
      if (!raced) store.put({ ...servingSecret(ns, winner), metadata: { name: 'x', resourceVersion: '7' } });
      raced = true;
    });
    expect(await ensureServingMaterial(store.client, ns, now)).toEqual(winner);
    // And the next one reads what is there, issuing nothing.
    expect(await ensureServingMaterial(store.client, ns, now + 86_400_000)).toEqual(winner);
  });

  it('renew the pair under the same CA when it is due, and keep it otherwise', async () => {
    const store = secretStore();
    const first = await ensureServingMaterial(store.client, ns, now);
    const renewed = await ensureServingMaterial(store.client, ns, now + SERVING_VALIDITY_MS * 0.7);
    expect(renewed.ca).toEqual(first.ca);
    expect(renewed.serving).not.toEqual(first.serving);
    expect(materialOf(store.stored() ?? { metadata: {} })).toEqual(renewed);
  });
});
