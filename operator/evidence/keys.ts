import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  type KeyObject,
} from 'node:crypto';

/**
 * An ECDSA P-256 signing key. Only KeyObjects are held, never PEM strings, so logging or
 * serialising this object by mistake prints no key material (KeyObjects inspect as
 * `PrivateKeyObject { asymmetricKeyType: 'ec' }` and JSON-serialise as `{}`).
 */
export interface SigningKey {
  /** Hex sha256 of the public key's SPKI DER encoding. */
  readonly keyId: string;
  readonly privateKey: KeyObject;
  readonly publicKey: KeyObject;
}

export function generateSigningKey(): SigningKey {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return { keyId: keyIdOf(publicKey), privateKey, publicKey };
}

/** Loads a PKCS#8 or SEC1 PEM private key; refuses anything but P-256. */
export function signingKeyFromPem(pem: string): SigningKey {
  let privateKey: KeyObject;
  try {
    privateKey = createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    // The parser's message can quote the input: keep it out of errors and logs.
    throw new Error('signing key is not a valid PEM private key');
  }
  assertP256(privateKey, 'signing key');
  const publicKey = createPublicKey(privateKey);
  return { keyId: keyIdOf(publicKey), privateKey, publicKey };
}

/** Loads a PEM SPKI public key (`-----BEGIN PUBLIC KEY-----`); refuses anything but P-256. */
export function publicKeyFromPem(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPublicKey({ key: pem, format: 'pem' });
  } catch {
    throw new Error('not a valid PEM public key');
  }
  assertP256(key, 'public key');
  return key;
}

export function privateKeyPem(key: SigningKey): string {
  return key.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
}

export function publicKeyPem(key: SigningKey | KeyObject): string {
  const pub = 'keyId' in key ? key.publicKey : key;
  return pub.export({ type: 'spki', format: 'pem' }).toString();
}

/** Key id: hex sha256 of the SPKI DER, so anyone holding the public key can recompute it. */
export function keyIdOf(key: KeyObject | string): string {
  const pub = typeof key === 'string' ? publicKeyFromPem(key) : key;
  const der = (pub.type === 'private' ? createPublicKey(pub) : pub).export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(der).digest('hex');
}

function assertP256(key: KeyObject, what: string): void {
  if (key.asymmetricKeyType !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
    throw new Error(`${what} is not an ECDSA P-256 key`);
}
