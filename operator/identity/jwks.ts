/** What a JWKS offers for verifying ID tokens. */
export interface JwksAssessment {
  status: 'pass' | 'warn' | 'fail';
  message: string;
}

/** Algorithms an OpenID Connect relying party commonly verifies ID tokens with. */
const SIGNING_ALGS = new Set([
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
]);
const EC_CURVES = new Set(['P-256', 'P-384', 'P-521']);

/** Why a key can't verify ID tokens, or undefined when it can. */
export function unusableReason(key: Record<string, unknown>): string | undefined {
  const kty = key.kty;
  if (kty !== 'RSA' && kty !== 'EC') return `kty ${String(kty)} is not RSA or EC`;
  if (key.use !== undefined && key.use !== 'sig') return `use is '${String(key.use)}', not 'sig'`;
  if (Array.isArray(key.key_ops) && !key.key_ops.includes('verify')) return "key_ops lacks 'verify'";
  if (key.alg !== undefined && !SIGNING_ALGS.has(String(key.alg)))
    return `alg ${String(key.alg)} is not a signing algorithm`;
  if (kty === 'RSA' && (typeof key.n !== 'string' || typeof key.e !== 'string')) return 'RSA key without n/e';
  if (
    kty === 'EC' &&
    (!EC_CURVES.has(String(key.crv)) || typeof key.x !== 'string' || typeof key.y !== 'string')
  ) {
    return 'EC key without a supported curve or x/y';
  }
  // Private parts in a published set mean the provider leaks its signing key.
  if (typeof key.d === 'string') return 'the key includes its private part';
  return undefined;
}

/** Assesses a JWKS response body. Pure. */
export function assessJwks(body: string): JwksAssessment {
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    return { status: 'fail', message: 'the JWKS response is not JSON' };
  }
  const keys = (raw as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) return { status: 'fail', message: "the JWKS has no 'keys' array" };
  if (keys.length === 0) return { status: 'fail', message: 'the JWKS has no keys' };
  const usable: Array<Record<string, unknown>> = [];
  const reasons: string[] = [];
  for (const k of keys) {
    if (typeof k !== 'object' || k === null) {
      reasons.push('not an object');
      continue;
    }
    const key = k as Record<string, unknown>;
    const why = unusableReason(key);
    if (why) reasons.push(`${typeof key.kid === 'string' ? `kid ${key.kid}` : 'key without kid'}: ${why}`);
    else usable.push(key);
  }
  if (usable.length === 0) {
    return {
      status: 'fail',
      message: `none of the ${keys.length} keys can verify ID tokens (${reasons.join('; ')})`,
    };
  }
  const described = usable.map(
    (k) => `${String(k.alg ?? k.kty)}${typeof k.kid === 'string' ? ` kid ${k.kid}` : ''}`,
  );
  const withKid = usable.filter((k) => typeof k.kid === 'string' && k.kid !== '');
  if (withKid.length === 0 && usable.length > 1) {
    return {
      status: 'warn',
      message: `${usable.length} signing keys but none has a kid, so tokens can't be matched to a key during rotation`,
    };
  }
  return {
    status: 'pass',
    message: `${usable.length} usable signing key${usable.length > 1 ? 's' : ''} (${described.join(', ')})`,
  };
}
