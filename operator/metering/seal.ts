/**
 * Tamper evidence for the stored ledger. Each partition (one ConfigMap per day) is sealed by
 * the operator: an in-toto statement whose subject is the digest of the partition's exact
 * bytes and whose predicate lists each record's id and digest, signed with the operator's key
 * (the same as receipts and invoice reports). Each partition also names the digest of the one
 * before it, written when that one closed (closed days never change again), so the days form
 * a chain. Whoever edits, deletes, reorders or adds a record, or removes a day, breaks a seal
 * or the chain; without the operator's private key nobody can make a new seal. The operator
 * checks all of it before it meters on or signs a report, and so does `tenantry invoice`.
 */
import type { StatementSigner } from '../evidence/sign.ts';
import { canonicalJson, makeStatement, sha256Hex, subjectFromBytes } from '../evidence/statement.ts';
import { VerificationError, verifyBundle } from '../evidence/verify.ts';
import type { LedgerPartition } from './ledger.ts';
import { ledgerKey, partitionBounds } from './ledger.ts';
import type { MeteringRecord } from './record.ts';
import { toMs } from './windows.ts';

export const LEDGER_PREDICATE = 'https://tenantry.dev/attestations/ledger-partition/v1';

/** A partition as stored: the ConfigMap's name, its `ledger.json` bytes and `seal.json`. */
export interface StoredPartition {
  name: string;
  json: string;
  seal?: string | undefined;
}

export interface LedgerSealPredicate {
  tenant: string;
  period: string;
  watermark: string;
  /** Digest of the previous partition's bytes (`sha256:<hex>`), or absent for the first. */
  previous?: string;
  records: Array<{ id: string; digest: string }>;
}

export const digestOf = (json: string): string => `sha256:${sha256Hex(json)}`;
const recordDigest = (r: MeteringRecord): string => `sha256:${sha256Hex(canonicalJson(r))}`;

/** Signs a partition's bytes; the bundle is stored beside them. */
export async function sealPartition(signer: StatementSigner, name: string, json: string): Promise<string> {
  const part = JSON.parse(json) as LedgerPartition;
  const predicate: LedgerSealPredicate = {
    tenant: part.tenant,
    period: part.period,
    watermark: part.watermark,
    ...(part.previous ? { previous: part.previous } : {}),
    records: part.records.map((r) => ({ id: r.id, digest: recordDigest(r) })),
  };
  const statement = makeStatement([subjectFromBytes(name, json)], LEDGER_PREDICATE, predicate);
  const { bundle } = await signer.sign(statement);
  return JSON.stringify(bundle);
}

/** What is wrong with a stored ledger, first problem first; empty when it is intact. */
export interface LedgerProblem {
  partition: string;
  /** The record concerned, when one is. */
  record?: string;
  message: string;
}

export interface VerifyLedgerOptions {
  /** Published public keys (key id → PEM); without them seals are not checked. */
  publicKeys?: Record<string, string> | undefined;
  /** Seals are required (signing is on): an unsealed partition is a problem. */
  requireSeals: boolean;
  /** The watermark the operator last reported: the ledger must reach it (nothing deleted). */
  reportedWatermark?: string | undefined;
  /** Whose ledger: names the ConfigMap of a day that is missing altogether. */
  tenant?: string | undefined;
}

/**
 * Checks every partition of a tenant's ledger: its seal (signature, subject digest, and the
 * records it lists against those present, so the first changed, missing, added or moved record
 * is named), the chain from each closed partition to the next, and that no day up to the
 * watermark the operator reported is missing.
 */
export function verifyLedger(stored: readonly StoredPartition[], opts: VerifyLedgerOptions): LedgerProblem[] {
  const problems: LedgerProblem[] = [];
  const parts = stored
    .map((s) => ({ s, p: JSON.parse(s.json) as LedgerPartition }))
    .sort((a, b) => partitionBounds(a.p.period).start - partitionBounds(b.p.period).start);
  for (const { s, p } of parts) problems.push(...checkSeal(s, p, opts));
  for (let i = 1; i < parts.length; i++) {
    const before = parts[i - 1];
    const after = parts[i];
    if (!before || !after) continue;
    const contiguous = partitionBounds(before.p.period).end === partitionBounds(after.p.period).start;
    if (!contiguous) {
      problems.push({
        partition: after.s.name,
        message: `the partitions before ${after.p.period} end at ${before.p.period}: a day of the ledger is missing`,
      });
    } else if (after.p.previous !== undefined && after.p.previous !== digestOf(before.s.json)) {
      problems.push({
        partition: after.s.name,
        message: `${after.p.period} follows a ${before.p.period} that is not the one it was written after (its digest changed)`,
      });
    }
  }
  const last = parts.at(-1)?.p;
  if (opts.reportedWatermark && (!last || toMs(last.watermark) < toMs(opts.reportedWatermark))) {
    // Name the day that should hold the last window the operator reported.
    const day = new Date(toMs(opts.reportedWatermark) - 1).toISOString().slice(0, 10);
    const missing = opts.tenant ? ledgerKey(opts.tenant, day) : (parts.at(-1)?.s.name ?? day);
    problems.push({
      partition: missing,
      message: `the ledger ends at ${last?.watermark ?? 'nothing'} but the operator had metered up to ${opts.reportedWatermark}: records were deleted`,
    });
  }
  return problems;
}

function checkSeal(s: StoredPartition, p: LedgerPartition, opts: VerifyLedgerOptions): LedgerProblem[] {
  if (!s.seal) {
    return opts.requireSeals ? [{ partition: s.name, message: `${p.period} has no seal` }] : [];
  }
  if (!opts.publicKeys) return [];
  let predicate: LedgerSealPredicate;
  try {
    const bundle = JSON.parse(s.seal) as unknown;
    predicate = verifyBundle(bundle, opts.publicKeys, { predicateType: LEDGER_PREDICATE }).statement
      .predicate as LedgerSealPredicate;
  } catch (e) {
    const why = e instanceof VerificationError ? e.message : String(e);
    return [{ partition: s.name, message: `the seal of ${p.period} does not verify: ${why}` }];
  }
  const sealed = predicate.records;
  const present = p.records;
  for (let i = 0; i < Math.max(sealed.length, present.length); i++) {
    const want = sealed[i];
    const got = present[i];
    if (want && got && want.id === got.id && want.digest === recordDigest(got)) continue;
    if (want && !present.some((r) => r.id === want.id)) {
      return [
        { partition: s.name, record: want.id, message: `record ${want.id} of ${p.period} was deleted` },
      ];
    }
    if (got && !sealed.some((r) => r.id === got.id)) {
      return [{ partition: s.name, record: got.id, message: `record ${got.id} of ${p.period} was added` }];
    }
    if (want && got && want.id !== got.id) {
      return [
        {
          partition: s.name,
          record: got.id,
          message: `the records of ${p.period} were reordered at ${got.id}`,
        },
      ];
    }
    const id = got?.id ?? want?.id ?? '';
    return [
      {
        partition: s.name,
        record: id,
        message: `record ${id} of ${p.period} was changed (quantity ${got?.quantity})`,
      },
    ];
  }
  // The records match what was sealed; anything else in the bytes changed.
  const subject = digestOf(s.json);
  try {
    verifyBundle(JSON.parse(s.seal) as unknown, opts.publicKeys, {
      predicateType: LEDGER_PREDICATE,
      subjects: [{ name: s.name, digest: subject.slice('sha256:'.length) }],
    });
  } catch {
    return [
      {
        partition: s.name,
        message: `${p.period} was changed after it was sealed (watermark, previous or order)`,
      },
    ];
  }
  if (predicate.watermark !== p.watermark || predicate.period !== p.period) {
    return [{ partition: s.name, message: `${p.period} was changed after it was sealed` }];
  }
  return [];
}

/** Thrown when the stored ledger fails verification: nothing is metered on or signed. */
export class LedgerTamperedError extends Error {
  override readonly name = 'LedgerTamperedError';
  readonly problems: readonly LedgerProblem[];

  constructor(tenant: string, problems: readonly LedgerProblem[]) {
    const first = problems[0];
    super(
      `the ledger of ${tenant} does not verify: ${first?.message ?? 'unknown problem'} (ConfigMap ${first?.partition})${problems.length > 1 ? `, and ${problems.length - 1} more problems` : ''}`,
    );
    this.problems = problems;
  }
}
