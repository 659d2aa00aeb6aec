import type { KeyObject } from 'node:crypto';
import { type Bundle, bundleFromJSON, isBundleWithDsseEnvelope } from '@sigstore/bundle';
import { type TrustMaterial, toSignedEntity, Verifier } from '@sigstore/verify';
import { keyIdOf, publicKeyFromPem } from './keys.ts';
import {
  assertStatement,
  IN_TOTO_PAYLOAD_TYPE,
  isSha256Hex,
  normalizeSha256,
  STATEMENT_TYPE,
  type Statement,
  sha256Hex,
} from './statement.ts';

export type VerificationFailure =
  | 'malformed-bundle'
  | 'unsupported-bundle'
  | 'unknown-key'
  | 'bad-signature'
  | 'wrong-payload-type'
  | 'malformed-statement'
  | 'wrong-predicate-type'
  | 'subject-mismatch';

/** Why a bundle was refused; the message is meant for the person running the check. */
export class VerificationError extends Error {
  readonly reason: VerificationFailure;
  constructor(reason: VerificationFailure, message: string) {
    super(message);
    this.name = 'VerificationError';
    this.reason = reason;
  }
}

export interface VerifyExpectations {
  predicateType?: string | undefined;
  /** Each must match one subject of the statement: its sha256 and, when given, its name. */
  subjects?: { name?: string | undefined; digest: string }[] | undefined;
  /**
   * Blobs the statement must attest, such as the subject file exported beside a bundle: the
   * sha256 of each must be a subject's. `file` names the blob in the error when it is not.
   */
  blobs?: { file: string; bytes: string | Uint8Array }[] | undefined;
}

export interface VerifiedEvidence {
  keyId: string;
  statement: Statement;
}

/**
 * Verifies a Sigstore bundle holding a DSSE-signed in-toto statement against a set of
 * trusted public keys (key id → PEM, as published in the `tenantry-public-keys`
 * ConfigMap), entirely offline: no TUF root, no transparency log, no timestamp authority.
 *
 * @sigstore/verify checks only that the envelope's signature verifies under the key the
 * bundle's hint names. Everything the signature is *about* (the payload type, that the
 * payload is an in-toto Statement v1, its predicate type and subject digests) is checked
 * here, after the signature, so nothing unsigned is ever trusted.
 */
export function verifyBundle(
  bundleJson: string | unknown,
  publicKeys: Record<string, string>,
  expect: VerifyExpectations = {},
): VerifiedEvidence {
  const bundle = parseBundle(bundleJson);
  if (!isBundleWithDsseEnvelope(bundle))
    throw new VerificationError(
      'unsupported-bundle',
      'bundle holds a message signature, not a DSSE envelope',
    );
  const material = bundle.verificationMaterial.content;
  if (material.$case !== 'publicKey')
    throw new VerificationError(
      'unsupported-bundle',
      'bundle is signed keylessly (certificate); offline verification takes key-signed bundles only',
    );
  const keyId = material.publicKey.hint;
  const key = trustedKey(keyId, publicKeys);

  const verifier = new Verifier(trustMaterial(keyId, key), {
    // Offline: the bundle carries no log entry or timestamp, and the key is trusted directly.
    tlogThreshold: 0,
    ctlogThreshold: 0,
    timestampThreshold: 0,
  });
  try {
    verifier.verify(toSignedEntity(bundle));
  } catch (e) {
    const detail = (e as Error).message;
    throw new VerificationError('bad-signature', `signature does not verify with key ${keyId}: ${detail}`);
  }

  const envelope = bundle.content.dsseEnvelope;
  if (envelope.payloadType !== IN_TOTO_PAYLOAD_TYPE)
    throw new VerificationError(
      'wrong-payload-type',
      `payload type is ${JSON.stringify(envelope.payloadType)}, expected ${IN_TOTO_PAYLOAD_TYPE}`,
    );
  const statement = parseStatement(envelope.payload);
  checkExpectations(statement, expect);
  return { keyId, statement };
}

function parseBundle(input: unknown): Bundle {
  let obj = input;
  if (typeof input === 'string' || Buffer.isBuffer(input)) {
    try {
      obj = JSON.parse(input.toString());
    } catch (e) {
      throw new VerificationError('malformed-bundle', `bundle is not JSON: ${(e as Error).message}`);
    }
  }
  try {
    return bundleFromJSON(obj);
  } catch (e) {
    throw new VerificationError('malformed-bundle', `not a valid Sigstore bundle: ${(e as Error).message}`);
  }
}

/**
 * The hint only says which key to try; a hint naming no trusted key is refused outright,
 * and a trusted key must hash to its own id, so a mislabelled entry cannot vouch for
 * evidence under another key's name.
 */
function trustedKey(keyId: string, publicKeys: Record<string, string>): KeyObject {
  const pem = Object.hasOwn(publicKeys, keyId) ? publicKeys[keyId] : undefined;
  if (!keyId || pem === undefined)
    throw new VerificationError(
      'unknown-key',
      `bundle is signed by key ${JSON.stringify(keyId)}, which is not among the ${Object.keys(publicKeys).length} trusted key(s)`,
    );
  let key: KeyObject;
  try {
    key = publicKeyFromPem(pem);
  } catch (e) {
    throw new VerificationError('unknown-key', `trusted key ${keyId}: ${(e as Error).message}`);
  }
  if (keyIdOf(key) !== keyId)
    throw new VerificationError('unknown-key', `trusted key listed as ${keyId} has key id ${keyIdOf(key)}`);
  return key;
}

function trustMaterial(keyId: string, key: KeyObject): TrustMaterial {
  return {
    certificateAuthorities: [],
    timestampAuthorities: [],
    tlogs: [],
    ctlogs: [],
    publicKey: (hint) => {
      if (hint !== keyId) throw new VerificationError('unknown-key', `no trusted key ${hint}`);
      return { publicKey: key, validFor: () => true };
    },
  };
}

function parseStatement(payload: Buffer): Statement {
  let value: unknown;
  try {
    value = JSON.parse(payload.toString('utf8'));
  } catch {
    throw new VerificationError('malformed-statement', 'signed payload is not JSON');
  }
  try {
    assertStatement(value);
  } catch (e) {
    const type = (value as { _type?: unknown } | null)?._type;
    const hint = type !== STATEMENT_TYPE ? ' (only in-toto Statement v1 is accepted)' : '';
    throw new VerificationError('malformed-statement', `signed payload: ${(e as Error).message}${hint}`);
  }
  return value;
}

function checkExpectations(statement: Statement, expect: VerifyExpectations): void {
  if (expect.predicateType !== undefined && statement.predicateType !== expect.predicateType)
    throw new VerificationError(
      'wrong-predicate-type',
      `predicate type is ${statement.predicateType}, expected ${expect.predicateType}`,
    );
  for (const want of expect.subjects ?? []) {
    const digest = normalizeSha256(want.digest);
    if (!isSha256Hex(digest))
      throw new VerificationError('subject-mismatch', `expected digest ${want.digest} is not a sha256`);
    const match = statement.subject.find(
      (s) => s.digest.sha256 === digest && (want.name === undefined || s.name === want.name),
    );
    if (!match) {
      const what = want.name === undefined ? `sha256:${digest}` : `${want.name} with sha256:${digest}`;
      throw new VerificationError(
        'subject-mismatch',
        `no subject matches ${what} (subjects: ${subjectList(statement)})`,
      );
    }
  }
  for (const blob of expect.blobs ?? []) {
    const digest = sha256Hex(blob.bytes);
    if (!statement.subject.some((s) => s.digest.sha256 === digest))
      throw new VerificationError(
        'subject-mismatch',
        `${blob.file} is not what the statement attests: its sha256 is ${digest}, the signed subjects are ${subjectList(statement)}`,
      );
  }
}

function subjectList(statement: Statement): string {
  return statement.subject.map((s) => `${s.name}@sha256:${s.digest.sha256}`).join(', ');
}
