import { Resolver } from 'node:dns/promises';
import { type DomainChallenge, VALUE_PREFIX } from './challenge.ts';

/** Why a check passed or failed; the Reason of the DomainVerified condition. */
export type FailureReason = 'RecordMissing' | 'WrongValue' | 'NXDOMAIN' | 'Timeout' | 'ServerFailure';

export type VerifyResult =
  | { verified: true; reason: 'Verified'; message: string }
  | { verified: false; reason: FailureReason; message: string };

export interface VerifyOptions {
  /** Nameservers as `host` or `host:port` (`[v6]:port`); default: the system's resolvers. */
  servers?: string[];
  /** Budget for the whole lookup, retries included (default 3000 ms). */
  timeoutMs?: number;
  /** Attempts per nameserver within the budget (default 2). */
  tries?: number;
}

const DEFAULT_TIMEOUT_MS = 3000;
const DEFAULT_TRIES = 2;
// Enough to recognise a record in a condition message without flooding `kubectl describe`.
const MAX_SHOWN_RECORDS = 3;
const MAX_SHOWN_CHARS = 80;

/** Looks up the challenge's TXT record and says whether it holds the expected value, and if not, why. */
export async function verifyDomain(
  challenge: DomainChallenge,
  opts: VerifyOptions = {},
): Promise<VerifyResult> {
  const timeoutMs = opts.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const tries = Math.max(1, opts.tries ?? DEFAULT_TRIES);
  // Each try gets its share of the budget, and maxTimeout stops c-ares from doubling it on retries.
  const perTry = Math.max(1, Math.floor(timeoutMs / tries));
  const resolver = new Resolver({ timeout: perTry, tries, maxTimeout: perTry });
  if (opts.servers !== undefined && opts.servers.length > 0) resolver.setServers(opts.servers);
  // c-ares' own clock is only approximate (it adapts timeouts to server latency), so the budget is
  // enforced here: cancel() rejects the pending query with ECANCELLED, reported as a timeout.
  const guard = setTimeout(() => resolver.cancel(), timeoutMs);
  try {
    const records = await resolver.resolveTxt(challenge.recordName);
    return judgeRecords(challenge, records);
  } catch (err) {
    return judgeError(challenge, errorCode(err), timeoutMs);
  } finally {
    clearTimeout(guard);
  }
}

/**
 * The verdict on the TXT records found at the challenge name. Each record arrives as its
 * character-strings (values over 255 bytes, or split by a DNS console); they are joined first.
 */
export function judgeRecords(challenge: DomainChallenge, records: string[][]): VerifyResult {
  const values = records.map((chunks) => chunks.join(''));
  const expected = canonical(challenge.value);
  if (values.some((v) => canonical(v) === expected)) {
    return {
      verified: true,
      reason: 'Verified',
      message: `TXT record ${challenge.recordName} has the expected value`,
    };
  }
  if (values.length === 0) return recordMissing(challenge);
  const ours = values.filter((v) => canonical(v).startsWith(VALUE_PREFIX));
  const hint =
    ours.length > 0
      ? ' A tenantry-domain-verification value is there but with another token: it was made for a ' +
        'different Tenant (or an earlier Tenant of the same name); replace it.'
      : ' Add a TXT record with the expected value (other TXT records at that name may stay).';
  return {
    verified: false,
    reason: 'WrongValue',
    message:
      `TXT record ${challenge.recordName} does not have the expected value: found ${showValues(values)}; ` +
      `expected "${challenge.value}".${hint}`,
  };
}

/**
 * The verdict on a failed lookup, from node's error code. Observed against dnsmasq: a name that
 * exists without TXT (another type, or only names below it) gives ENODATA; a name that does not
 * exist gives ENOTFOUND (NXDOMAIN); a server that never answers gives ETIMEOUT (ECANCELLED when
 * our own budget fires first); a closed port gives ECONNREFUSED; a server that is not
 * authoritative and does not recurse gives EREFUSED.
 */
export function judgeError(challenge: DomainChallenge, code: string, timeoutMs: number): VerifyResult {
  const name = challenge.recordName;
  switch (code) {
    case 'ENODATA':
      return recordMissing(challenge);
    case 'ENOTFOUND':
      return {
        verified: false,
        reason: 'NXDOMAIN',
        message:
          `The name ${name} does not exist in DNS. Publish a TXT record at exactly that name with the ` +
          `value "${challenge.value}". Some DNS consoles append the zone name to what you type: there, ` +
          `enter the name without the zone (${relativeHint(name)}). If you have just ` +
          'published it, resolvers may still be caching the negative answer for up to the zone SOA minimum TTL.',
      };
    case 'ETIMEOUT':
    case 'ECANCELLED':
      return {
        verified: false,
        reason: 'Timeout',
        message: `No nameserver answered the TXT query for ${name} within ${timeoutMs} ms; will try again.`,
      };
    default:
      return {
        verified: false,
        reason: 'ServerFailure',
        message: `The TXT lookup for ${name} failed: ${describeCode(code)}; will try again.`,
      };
  }
}

function recordMissing(challenge: DomainChallenge): VerifyResult {
  return {
    verified: false,
    reason: 'RecordMissing',
    message:
      `The name ${challenge.recordName} exists but has no TXT record. Add a TXT record there with ` +
      `the value "${challenge.value}".`,
  };
}

// Whitespace and quotes around a value are common copy-paste leftovers (some consoles store the
// quotes literally); base32 is case-insensitive, and so is the prefix to a reader.
function canonical(value: string): string {
  return value
    .trim()
    .replace(/^(["'])(.*)\1$/s, '$2')
    .trim()
    .toLowerCase();
}

function showValues(values: string[]): string {
  const shown = values
    .slice(0, MAX_SHOWN_RECORDS)
    .map((v) => JSON.stringify(v.length > MAX_SHOWN_CHARS ? `${v.slice(0, MAX_SHOWN_CHARS)}…` : v));
  const more = values.length > MAX_SHOWN_RECORDS ? ` and ${values.length - MAX_SHOWN_RECORDS} more` : '';
  return `${shown.join(', ')}${more}`;
}

// What to type into a console that appends the zone, for the most likely zone (the last two
// labels): `_tenantry-challenge.acme` in the zone example.com.
function relativeHint(name: string): string {
  const labels = name.split('.');
  if (labels.length <= 3) return `in the zone "${labels.slice(1).join('.')}", enter "${labels[0]}"`;
  return `in the zone "${labels.slice(-2).join('.')}", enter "${labels.slice(0, -2).join('.')}"`;
}

const CODE_TEXT: Record<string, string> = {
  ESERVFAIL: 'the nameserver returned SERVFAIL (often a broken delegation or DNSSEC failure)',
  EREFUSED: 'the nameserver refused the query (it neither serves this zone nor resolves for us)',
  ECONNREFUSED: 'the nameserver is not listening (connection refused)',
  EFORMERR: 'the nameserver rejected the query as malformed',
  EBADRESP: 'the nameserver sent a malformed reply',
  ENOTIMP: 'the nameserver does not implement TXT queries',
  EBADNAME: 'the record name is not a valid DNS name',
};

function describeCode(code: string): string {
  return `${CODE_TEXT[code] ?? 'unexpected resolver error'} (${code})`;
}

function errorCode(err: unknown): string {
  if (typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string')
    return err.code;
  return err instanceof Error ? err.message : String(err);
}
