import { createHash } from 'node:crypto';

/** in-toto Statement v1: https://github.com/in-toto/attestation/blob/main/spec/v1/statement.md */
export const STATEMENT_TYPE = 'https://in-toto.io/Statement/v1';
/** The DSSE payload type of an in-toto statement. */
export const IN_TOTO_PAYLOAD_TYPE = 'application/vnd.in-toto+json';

/** Predicate types the operator emits. */
export const PredicateTypes = {
  testResult: 'https://in-toto.io/attestation/test-result/v0.1',
  verificationSummary: 'https://slsa.dev/verification_summary/v1',
  link: 'https://in-toto.io/attestation/link/v0.3',
} as const;

export interface Subject {
  name: string;
  /** Every subject the operator signs carries a sha256; other algorithms may sit beside it. */
  digest: { sha256: string } & Record<string, string>;
}

export interface Statement<P = unknown> {
  _type: typeof STATEMENT_TYPE;
  subject: Subject[];
  predicateType: string;
  predicate: P;
}

const SHA256_HEX = /^[0-9a-f]{64}$/;

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * JSON with object keys sorted and no whitespace, so the same value always hashes to the
 * same digest. Keys sort by UTF-16 code units and numbers and strings serialise as
 * JSON.stringify does, which is what RFC 8785 (JCS) prescribes. Values JSON cannot carry
 * faithfully (NaN, Infinity, bigint, functions, symbols) are refused rather than silently
 * changed, since a digest over a silently altered value would attest the wrong thing.
 */
export function canonicalJson(value: unknown): string {
  return encode(value, '$');
}

function encode(value: unknown, path: string): string {
  if (
    value !== null &&
    typeof value === 'object' &&
    typeof (value as { toJSON?: unknown }).toJSON === 'function'
  ) {
    return encode((value as { toJSON: () => unknown }).toJSON(), path);
  }
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return JSON.stringify(value);
    case 'number':
      if (!Number.isFinite(value)) throw new TypeError(`canonical JSON: ${path} is ${value}`);
      return JSON.stringify(value);
    case 'object': {
      if (value === null) return 'null';
      if (Array.isArray(value)) {
        return `[${value.map((v, i) => (v === undefined ? 'null' : encode(v, `${path}[${i}]`))).join(',')}]`;
      }
      const entries = Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${encode(v, `${path}.${k}`)}`).join(',')}}`;
    }
    default:
      throw new TypeError(`canonical JSON: ${path} is a ${typeof value}`);
  }
}

/** A subject naming some bytes (a file, an object in an archive) by their sha256. */
export function subjectFromBytes(name: string, bytes: string | Uint8Array): Subject {
  return { name, digest: { sha256: sha256Hex(bytes) } };
}

/** A subject naming a JSON value (a manifest, a status) by the sha256 of its canonical JSON. */
export function subjectFromJson(name: string, value: unknown): Subject {
  return subjectFromBytes(name, canonicalJson(value));
}

export function makeStatement<P>(subjects: Subject[], predicateType: string, predicate: P): Statement<P> {
  const statement: Statement<P> = { _type: STATEMENT_TYPE, subject: subjects, predicateType, predicate };
  assertStatement(statement);
  return statement;
}

/** Normalises a digest as users write it (`sha256:ABC…` or `abc…`) to lower-case hex. */
export function normalizeSha256(digest: string): string {
  return digest
    .trim()
    .replace(/^sha256:/i, '')
    .toLowerCase();
}

export function isSha256Hex(digest: string): boolean {
  return SHA256_HEX.test(digest);
}

/**
 * Checks the shape of a statement and returns it typed; throws a TypeError naming the
 * first problem. Used both before signing and on a verified payload.
 */
export function assertStatement(value: unknown): asserts value is Statement {
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    throw new TypeError('statement is not a JSON object');
  const s = value as Record<string, unknown>;
  if (s._type !== STATEMENT_TYPE)
    throw new TypeError(`statement _type is ${JSON.stringify(s._type)}, expected ${STATEMENT_TYPE}`);
  if (typeof s.predicateType !== 'string' || s.predicateType === '')
    throw new TypeError('statement has no predicateType');
  if (!Array.isArray(s.subject) || s.subject.length === 0) throw new TypeError('statement has no subject');
  s.subject.forEach((sub: unknown, i) => {
    const d = (sub as { digest?: unknown } | null)?.digest as Record<string, unknown> | undefined;
    if (typeof (sub as { name?: unknown } | null)?.name !== 'string')
      throw new TypeError(`statement subject[${i}] has no name`);
    if (typeof d?.sha256 !== 'string' || !SHA256_HEX.test(d.sha256))
      throw new TypeError(`statement subject[${i}] has no sha256 digest (64 lower-case hex digits)`);
  });
}
