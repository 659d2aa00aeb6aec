import { createHash, createHmac } from 'node:crypto';
import { domainToASCII } from 'node:url';

/** The DNS record a tenant publishes to prove it controls its domain. */
export interface DomainChallenge {
  /** `_tenantry-challenge.<domain>`, in ASCII (punycode) lower case, without a trailing dot. */
  recordName: string;
  recordType: 'TXT';
  /** `tenantry-domain-verification=<token>`. */
  value: string;
}

export interface ChallengeInput {
  /** The Tenant's name. */
  tenant: string;
  /** The Tenant's metadata.uid: a recreated Tenant must prove control again. */
  uid: string;
  /** The domain to verify, as written in spec.domain.name. */
  domain: string;
  /**
   * Optional operator-held key. Without it the token is a hash of public-ish inputs (the uid is
   * readable by whoever can read the Tenant); with it, only the operator can mint tokens.
   */
  secret?: string | Uint8Array;
}

export const CHALLENGE_PREFIX = '_tenantry-challenge';
export const VALUE_PREFIX = 'tenantry-domain-verification=';
// Bumping this changes every token: only for a deliberate rotation.
const DERIVATION = 'tenantry.dev/domain-challenge/v1';
// 20 bytes = 160 bits = exactly 32 base32 characters, no padding.
const TOKEN_BYTES = 20;

/**
 * The TXT challenge for a tenant's domain. Deterministic in (tenant, uid, domain, secret), so
 * reconciles and operator restarts publish the same value and need no stored state.
 */
export function domainChallenge(input: ChallengeInput): DomainChallenge {
  if (input.uid.trim() === '') throw new TypeError('a domain challenge needs the Tenant uid');
  const domain = normalizeDomain(input.domain);
  const recordName = `${CHALLENGE_PREFIX}.${domain}`;
  if (recordName.length > 253) {
    throw new TypeError(`domain ${domain} is too long for the challenge record ${CHALLENGE_PREFIX}.<domain>`);
  }
  // NUL separates the fields so that no two different inputs produce the same message.
  const message = [DERIVATION, input.tenant, input.uid, domain].join('\0');
  const digest =
    input.secret === undefined
      ? createHash('sha256').update(message).digest()
      : createHmac('sha256', input.secret).update(message).digest();
  return {
    recordName,
    recordType: 'TXT',
    value: `${VALUE_PREFIX}${base32(digest.subarray(0, TOKEN_BYTES))}`,
  };
}

/**
 * Lower-case ASCII form of a domain: IDNs become punycode (what DNS actually stores), a trailing
 * dot is dropped. Throws a TypeError saying what is wrong for names DNS cannot hold.
 */
export function normalizeDomain(domain: string): string {
  const trimmed = domain.trim().replace(/\.$/, '');
  const ascii = domainToASCII(trimmed);
  if (ascii === '') throw new TypeError(`"${domain}" is not a valid domain name`);
  const labels = ascii.toLowerCase().split('.');
  if (labels.length < 2) throw new TypeError(`"${domain}" is not a fully qualified domain name`);
  for (const label of labels) {
    if (!/^[a-z0-9_]([a-z0-9_-]{0,61}[a-z0-9_])?$/.test(label)) {
      throw new TypeError(`"${domain}" has an invalid label "${label}"`);
    }
  }
  // An all-numeric last label is an IP address, which cannot hold a TXT record of its own.
  if (/^[0-9]+$/.test(labels.at(-1) ?? ''))
    throw new TypeError(`"${domain}" is an address, not a domain name`);
  return labels.join('.');
}

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';

/** RFC 4648 base32, lower case (DNS consoles and people retype it), no padding. */
export function base32(bytes: Uint8Array): string {
  let out = '';
  let bits = 0;
  let acc = 0;
  for (const byte of bytes) {
    acc = (acc << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      bits -= 5;
      out += ALPHABET[(acc >>> bits) & 31];
    }
    acc &= (1 << bits) - 1;
  }
  if (bits > 0) out += ALPHABET[(acc << (5 - bits)) & 31];
  return out;
}
