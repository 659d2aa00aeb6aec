import { verify } from 'node:crypto';
import { bundleToJSON } from '@sigstore/bundle';
import { DSSEBundleBuilder } from '@sigstore/sign';
import { describe, expect, it } from 'vitest';
import { generateSigningKey, publicKeyPem, type SigningKey } from './keys.ts';
import { BUNDLE_MEDIA_TYPE, keySigner, type SerializedBundle, signStatement } from './sign.ts';
import {
  canonicalJson,
  IN_TOTO_PAYLOAD_TYPE,
  makeStatement,
  sha256Hex,
  subjectFromBytes,
} from './statement.ts';
import { VerificationError, type VerificationFailure, verifyBundle } from './verify.ts';

const PREDICATE = 'https://in-toto.io/attestation/test-result/v0.1';
const report = Buffer.from('{"result":"PASSED"}');
const statement = makeStatement([subjectFromBytes('report.json', report)], PREDICATE, { result: 'PASSED' });
const digest = statement.subject[0]?.digest.sha256 ?? '';

const trust = (...keys: SigningKey[]) => Object.fromEntries(keys.map((k) => [k.keyId, publicKeyPem(k)]));

function failure(fn: () => unknown): { reason: VerificationFailure; message: string } {
  try {
    fn();
  } catch (e) {
    if (e instanceof VerificationError) return { reason: e.reason, message: e.message };
    throw e;
  }
  throw new Error('expected a VerificationError');
}

/** Rewrites the signed payload without re-signing, as an attacker without the key would. */
function withPayload(bundle: SerializedBundle, edit: (s: Record<string, any>) => void): SerializedBundle {
  const copy = structuredClone(bundle);
  const env = copy.dsseEnvelope as NonNullable<SerializedBundle['dsseEnvelope']>;
  const s = JSON.parse(Buffer.from(env.payload, 'base64').toString());
  edit(s);
  env.payload = Buffer.from(canonicalJson(s)).toString('base64');
  return copy;
}

describe('signStatement', () => {
  it('makes a v0.3 bundle: DSSE in-toto envelope, public-key hint, no log entries', async () => {
    const key = generateSigningKey();
    const bundle = await signStatement(statement, key);
    expect(bundle.mediaType).toBe(BUNDLE_MEDIA_TYPE);
    expect(bundle.verificationMaterial.publicKey).toEqual({ hint: key.keyId });
    expect(bundle.verificationMaterial.tlogEntries ?? []).toEqual([]);
    expect(bundle.dsseEnvelope?.payloadType).toBe(IN_TOTO_PAYLOAD_TYPE);
    expect(bundle.dsseEnvelope?.signatures).toHaveLength(1);
    // cosign skips signatures whose keyid is not its own fingerprint of the key.
    expect(bundle.dsseEnvelope?.signatures[0]?.keyid ?? '').toBe('');
    const payload = Buffer.from(bundle.dsseEnvelope?.payload ?? '', 'base64').toString();
    expect(payload).toBe(canonicalJson(statement));
  });

  it('refuses to sign something that is not a statement', async () => {
    await expect(signStatement({ ...statement, subject: [] }, generateSigningKey())).rejects.toThrow(
      /no subject/,
    );
  });
});

describe('verifyBundle', () => {
  it('round-trips: returns the key id and the statement', async () => {
    const key = generateSigningKey();
    const bundle = await signStatement(statement, key);
    const expectAll = { predicateType: PREDICATE, subjects: [{ name: 'report.json', digest }] };
    expect(verifyBundle(JSON.stringify(bundle), trust(key), expectAll)).toEqual({
      keyId: key.keyId,
      statement,
    });
    // Objects work as well as text, and digests are matched however they are written.
    const upper = { subjects: [{ digest: `sha256:${digest.toUpperCase()}` }] };
    expect(verifyBundle(bundle, trust(generateSigningKey(), key), upper).keyId).toBe(key.keyId);
  });

  it('refuses a tampered payload', async () => {
    const key = generateSigningKey();
    const bundle = await signStatement(statement, key);
    const tampered = withPayload(bundle, (s) => {
      s.predicate.result = 'FAILED';
    });
    expect(failure(() => verifyBundle(tampered, trust(key)))).toMatchObject({
      reason: 'bad-signature',
      message: expect.stringContaining(`signature does not verify with key ${key.keyId}`),
    });
  });

  it('refuses a subject swapped inside the signed payload', async () => {
    const key = generateSigningKey();
    const bundle = await signStatement(statement, key);
    const swapped = withPayload(bundle, (s) => {
      s.subject[0].digest.sha256 = 'b'.repeat(64);
    });
    expect(failure(() => verifyBundle(swapped, trust(key))).reason).toBe('bad-signature');
  });

  it('refuses a signature by another key that claims a trusted key id', async () => {
    const trusted = generateSigningKey();
    const attacker = generateSigningKey();
    const forged = await signStatement(statement, { ...attacker, keyId: trusted.keyId });
    expect(failure(() => verifyBundle(forged, trust(trusted))).reason).toBe('bad-signature');
  });

  it('refuses a bundle whose key is not trusted', async () => {
    const key = generateSigningKey();
    const bundle = await signStatement(statement, key);
    const other = generateSigningKey();
    expect(failure(() => verifyBundle(bundle, trust(other)))).toEqual({
      reason: 'unknown-key',
      message: `bundle is signed by key "${key.keyId}", which is not among the 1 trusted key(s)`,
    });
    expect(failure(() => verifyBundle(bundle, {})).reason).toBe('unknown-key');
  });

  it('refuses a trusted-key entry whose PEM is another key', async () => {
    const key = generateSigningKey();
    const bundle = await signStatement(statement, key);
    const mislabelled = { [key.keyId]: publicKeyPem(generateSigningKey()) };
    expect(failure(() => verifyBundle(bundle, mislabelled))).toMatchObject({
      reason: 'unknown-key',
      message: expect.stringContaining(`listed as ${key.keyId} has key id`),
    });
  });

  it('refuses a subject digest other than the expected one', async () => {
    const key = generateSigningKey();
    const bundle = await signStatement(statement, key);
    const f = failure(() => verifyBundle(bundle, trust(key), { subjects: [{ digest: 'c'.repeat(64) }] }));
    expect(f.reason).toBe('subject-mismatch');
    expect(f.message).toContain(`report.json@sha256:${digest}`);
    // The right digest under the wrong name does not match either.
    const named = { subjects: [{ name: 'other.json', digest }] };
    expect(failure(() => verifyBundle(bundle, trust(key), named)).reason).toBe('subject-mismatch');
  });

  it('checks that each blob given is one the statement attests, naming the blob that is not', async () => {
    const key = generateSigningKey();
    const bundle = await signStatement(statement, key);
    const blobs = (bytes: string | Buffer) => ({ blobs: [{ file: 'out/r.subject.json', bytes }] });
    expect(verifyBundle(bundle, trust(key), blobs(report)).keyId).toBe(key.keyId);
    const edited = '{"result":"FAILED"}';
    expect(failure(() => verifyBundle(bundle, trust(key), blobs(edited)))).toEqual({
      reason: 'subject-mismatch',
      message: `out/r.subject.json is not what the statement attests: its sha256 is ${sha256Hex(edited)}, the signed subjects are report.json@sha256:${digest}`,
    });
  });

  it('refuses the wrong predicate type', async () => {
    const key = generateSigningKey();
    const bundle = await signStatement(statement, key);
    expect(
      failure(() => verifyBundle(bundle, trust(key), { predicateType: 'https://slsa.dev/provenance/v1' })),
    ).toEqual({
      reason: 'wrong-predicate-type',
      message: `predicate type is ${PREDICATE}, expected https://slsa.dev/provenance/v1`,
    });
  });

  it('refuses signed payloads that are not in-toto Statement v1', async () => {
    const key = generateSigningKey();
    const sign = (data: string, type: string) =>
      new DSSEBundleBuilder({ signer: keySigner(key), witnesses: [] })
        .create({ data: Buffer.from(data), type })
        .then(bundleToJSON);
    const wrongType = await sign(canonicalJson(statement), 'text/plain');
    expect(failure(() => verifyBundle(wrongType, trust(key))).reason).toBe('wrong-payload-type');
    const v01 = await sign(
      canonicalJson({ ...statement, _type: 'https://in-toto.io/Statement/v0.1' }),
      IN_TOTO_PAYLOAD_TYPE,
    );
    expect(failure(() => verifyBundle(v01, trust(key)))).toMatchObject({
      reason: 'malformed-statement',
      message: expect.stringContaining('only in-toto Statement v1 is accepted'),
    });
    const notJson = await sign('not json', IN_TOTO_PAYLOAD_TYPE);
    expect(failure(() => verifyBundle(notJson, trust(key))).reason).toBe('malformed-statement');
  });

  it('refuses malformed and keyless bundles with a clear reason', async () => {
    const key = generateSigningKey();
    expect(failure(() => verifyBundle('{not json', trust(key))).reason).toBe('malformed-bundle');
    expect(failure(() => verifyBundle({ mediaType: BUNDLE_MEDIA_TYPE }, trust(key))).reason).toBe(
      'malformed-bundle',
    );
    const bundle = await signStatement(statement, key);
    const keyless = structuredClone(bundle) as any;
    keyless.verificationMaterial = { certificate: { rawBytes: Buffer.from('cert').toString('base64') } };
    expect(failure(() => verifyBundle(keyless, trust(key)))).toMatchObject({
      reason: 'unsupported-bundle',
      message: expect.stringContaining('keylessly'),
    });
    const twoSigs = structuredClone(bundle) as any;
    twoSigs.dsseEnvelope.signatures.push(twoSigs.dsseEnvelope.signatures[0]);
    expect(failure(() => verifyBundle(twoSigs, trust(key))).reason).toBe('malformed-bundle');
  });

  it('signs with DER-encoded ECDSA signatures', async () => {
    const key = generateSigningKey();
    const signed = await keySigner(key).sign(Buffer.from('data'));
    // An ASN.1 SEQUENCE, not IEEE P1363 r||s: cosign and sigstore-js both expect DER.
    expect(signed.signature[0]).toBe(0x30);
    expect(verify('sha256', Buffer.from('data'), key.publicKey, signed.signature)).toBe(true);
  });
});
