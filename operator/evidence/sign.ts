import { sign as cryptoSign } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { bundleToJSON, type SerializedBundle } from '@sigstore/bundle';
import {
  DEFAULT_FULCIO_URL,
  DEFAULT_REKOR_URL,
  DSSEBundleBuilder,
  FulcioSigner,
  type IdentityProvider,
  RekorWitness,
  type Signer,
} from '@sigstore/sign';
import { publicKeyPem, type SigningKey } from './keys.ts';
import { assertStatement, canonicalJson, IN_TOTO_PAYLOAD_TYPE, type Statement } from './statement.ts';

export type { SerializedBundle } from '@sigstore/bundle';

export const BUNDLE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json';

/**
 * Signs an in-toto statement with the operator's key and packs it as a Sigstore bundle v0.3
 * (DSSE envelope, public-key hint = key id, no transparency-log entry, no timestamp).
 * Nothing leaves the process, so this works in air-gapped clusters; verifiers get the
 * public key from the published ConfigMap (or a file) and `cosign verify-blob-attestation
 * --key K --insecure-ignore-tlog` accepts the result.
 */
export async function signStatement(statement: Statement, key: SigningKey): Promise<SerializedBundle> {
  return buildBundle(statement, new DSSEBundleBuilder({ signer: keySigner(key), witnesses: [] }));
}

/**
 * Signs an in-toto statement into a Sigstore bundle, saying which key signed: what receipts
 * and invoice reports are signed with.
 */
export interface StatementSigner {
  sign(statement: Statement): Promise<{ bundle: unknown; keyId: string }>;
}

/** Signs with whatever key a KeyStore holds at the time of each signature. */
export function keyStoreSigner(store: { activeKey(): Promise<SigningKey> }): {
  sign(statement: Statement): Promise<{ bundle: SerializedBundle; keyId: string }>;
} {
  return {
    sign: async (statement) => {
      const key = await store.activeKey();
      return { bundle: await signStatement(statement, key), keyId: key.keyId };
    },
  };
}

/** A @sigstore/sign Signer over a local key: ECDSA-SHA256 with a DER signature, as cosign expects. */
export function keySigner(key: SigningKey): Signer {
  const pem = publicKeyPem(key);
  return {
    sign: async (data) => ({
      signature: cryptoSign('sha256', data, key.privateKey),
      key: { $case: 'publicKey', publicKey: pem, hint: key.keyId },
    }),
  };
}

/**
 * How evidence is signed, an operator setting:
 * - `key` (default): the operator's own key from the KeyStore; fully offline.
 * - `keyless`: for clusters that reach a Sigstore instance. An ephemeral key is certified
 *   by Fulcio against an OIDC identity token, and the signature is logged in Rekor, so
 *   verifiers trust an identity (e.g. the operator's ServiceAccount issuer and subject)
 *   rather than a key. The token is a projected ServiceAccount token with audience
 *   `sigstore` (a `serviceAccountToken` volume in the Deployment), re-read for every
 *   signature since the kubelet rotates it; Fulcio must trust the cluster's OIDC issuer
 *   (true for the public instance only for issuers it federates, so private deployments
 *   usually run their own Fulcio and Rekor: set the URLs).
 *   Verifying keyless bundles needs a Sigstore trusted root (Fulcio CA, Rekor and CT log
 *   keys); `verifyBundle` does not handle them yet and says so, while `cosign
 *   verify-blob-attestation --certificate-identity ... --certificate-oidc-issuer ...` does.
 */
export type EvidenceSignerConfig =
  | { signer: 'key'; key: SigningKey }
  | {
      signer: 'keyless';
      /** File holding the OIDC identity token (a projected ServiceAccount token). */
      identityTokenFile: string;
      fulcioURL?: string;
      rekorURL?: string;
    };

export interface EvidenceSigner {
  sign(statement: Statement): Promise<SerializedBundle>;
}

export function createEvidenceSigner(config: EvidenceSignerConfig): EvidenceSigner {
  if (config.signer === 'key') return { sign: (s) => signStatement(s, config.key) };
  const builder = new DSSEBundleBuilder({
    signer: new FulcioSigner({
      identityProvider: tokenFileProvider(config.identityTokenFile),
      fulcioBaseURL: config.fulcioURL ?? DEFAULT_FULCIO_URL,
    }),
    witnesses: [new RekorWitness({ rekorBaseURL: config.rekorURL ?? DEFAULT_REKOR_URL, entryType: 'dsse' })],
  });
  return { sign: (s) => buildBundle(s, builder) };
}

/**
 * Reads the identity token from a file on every call. The token is checked to be a JWT
 * with a subject first, because FulcioSigner quotes a token it cannot parse in its error
 * message, and that message would otherwise carry a credential into the logs.
 */
export function tokenFileProvider(file: string): IdentityProvider {
  return {
    getToken: async () => {
      const token = (await readFile(file, 'utf8')).trim();
      const payload = token.split('.')[1];
      let sub: unknown;
      try {
        sub = (JSON.parse(Buffer.from(payload ?? '', 'base64url').toString('utf8')) as { sub?: unknown }).sub;
      } catch {
        sub = undefined;
      }
      if (token.split('.').length !== 3 || typeof sub !== 'string')
        throw new Error(`identity token in ${file} is not a JWT with a subject`);
      return token;
    },
  };
}

async function buildBundle(statement: Statement, builder: DSSEBundleBuilder): Promise<SerializedBundle> {
  assertStatement(statement);
  // Canonical JSON makes the payload of an unchanged statement byte-for-byte stable (the
  // ECDSA signature over it is randomised, so the bundle is not).
  const bundle = await builder.create({
    data: Buffer.from(canonicalJson(statement), 'utf8'),
    type: IN_TOTO_PAYLOAD_TYPE,
  });
  // @sigstore/sign copies the key hint into the DSSE signature's `keyid`. cosign (through
  // go-securesystemslib) skips any signature whose keyid differs from its own idea of the
  // key's id (an SSH SHA256 fingerprint), and then fails with "accepted signatures do not
  // match threshold". The keyid is an unsigned hint that the DSSE spec makes optional and
  // the bundle's verificationMaterial.publicKey.hint already names the key, so leave it empty.
  for (const sig of bundle.content.dsseEnvelope.signatures) sig.keyid = '';
  return bundleToJSON(bundle);
}
