import { beforeAll, describe, expect, it } from 'vitest';
import { generateSigningKey, publicKeyPem } from '../evidence/keys.ts';
import { keyStoreSigner } from '../evidence/sign.ts';
import { advance, emptyLedger, type LedgerPartition } from './ledger.ts';
import { type StoredPartition, sealPartition, verifyLedger } from './seal.ts';
import { chainedPartitions } from './store.ts';

// A two-day ledger, sealed as the operator stores it, then changed the ways an editor could.

const key = generateSigningKey();
const signer = keyStoreSigner({ activeKey: async () => key });
const publicKeys = { [key.keyId]: publicKeyPem(key) };
const inputs = {
  reservations: [{ node: 'n1', from: '2026-11-30T20:30:00Z', to: '2026-12-01T02:00:00Z' }],
  archiveEvents: [
    { key: 'a', at: '2026-11-30T21:01:00Z' },
    { key: 'b', at: '2026-12-01T00:10:00Z' },
  ],
};
const ledger = advance(emptyLedger('acme', '2026-11-30T20:00:00Z'), inputs, '2026-12-01T03:00:00Z');
let sealed: StoredPartition[];

beforeAll(async () => {
  sealed = [];
  for (const p of chainedPartitions(ledger))
    sealed.push({ ...p, seal: await sealPartition(signer, p.name, p.json) });
});

const check = (parts: StoredPartition[], reportedWatermark?: string) =>
  verifyLedger(parts, { publicKeys, requireSeals: true, reportedWatermark });

/** The stored partitions with partition `i`'s parsed content changed by `edit` (the seal kept). */
function tamper(i: number, edit: (p: LedgerPartition) => void): StoredPartition[] {
  return sealed.map((s, j) => {
    if (j !== i) return s;
    const p = JSON.parse(s.json) as LedgerPartition;
    edit(p);
    return { ...s, json: JSON.stringify(p) };
  });
}

describe('verifyLedger', () => {
  it('finds nothing wrong with the ledger as sealed, chained day to day', () => {
    expect(sealed).toHaveLength(2);
    expect(JSON.parse(sealed[1]?.json ?? '{}').previous).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(check(sealed, ledger.watermark)).toEqual([]);
  });

  it('names a record whose quantity was changed', () => {
    const [problem] = check(
      tamper(0, (p) => {
        const r = p.records[0];
        if (r) r.quantity = String(BigInt(r.quantity) * 2n);
      }),
    );
    expect(problem?.record).toBe(JSON.parse(sealed[0]?.json ?? '{}').records[0].id);
    expect(problem?.message).toMatch(/was changed \(quantity \d+\)/);
  });

  it('names a deleted record, an added one and a reordering', () => {
    expect(check(tamper(0, (p) => p.records.splice(1, 1)))[0]?.message).toMatch(/was deleted/);
    expect(
      check(
        tamper(0, (p) => {
          const r = p.records[0];
          if (r) p.records.push({ ...r, id: 'forged' });
        }),
      )[0]?.message,
    ).toMatch(/record forged .* was added/);
    expect(check(tamper(0, (p) => p.records.reverse()))[0]?.message).toMatch(/reordered/);
  });

  it('finds a change outside the records (the watermark) and a seal that is not the operator’s', async () => {
    expect(check(tamper(0, (p) => (p.watermark = '2026-11-30T21:00:00.000Z')))[0]?.message).toMatch(
      /changed after it was sealed/,
    );
    const other = generateSigningKey();
    const forged = await sealPartition(
      keyStoreSigner({ activeKey: async () => other }),
      sealed[0]?.name ?? '',
      sealed[0]?.json ?? '',
    );
    expect(
      check([{ ...(sealed[0] as StoredPartition), seal: forged }, ...sealed.slice(1)])[0]?.message,
    ).toMatch(/does not verify/);
  });

  it('finds a day that was deleted, in the middle or at the end, and a missing seal', () => {
    const three = [...sealed, { ...(sealed[1] as StoredPartition) }];
    expect(check([three[0] as StoredPartition])).toEqual([]);
    expect(check([sealed[0] as StoredPartition], ledger.watermark)[0]?.message).toMatch(
      /records were deleted/,
    );
    expect(
      check([{ ...(sealed[0] as StoredPartition), seal: undefined }, ...sealed.slice(1)])[0]?.message,
    ).toMatch(/has no seal/);
  });

  it('finds a closed day replaced by another (the next day names its digest)', async () => {
    // Re-sealing with the operator's own key cannot hide it: the chain breaks.
    const edited = tamper(0, (p) => p.records.pop());
    const resealed = { ...(edited[0] as StoredPartition) };
    resealed.seal = await sealPartition(signer, resealed.name, resealed.json);
    expect(check([resealed, ...sealed.slice(1)])[0]?.message).toMatch(/not the one it was written after/);
  });
});
