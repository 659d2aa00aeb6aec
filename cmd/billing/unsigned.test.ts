import { describe, expect, it } from 'vitest';
import { type UnsignedPeriod, unsignedNote } from './unsigned.ts';

const base: UnsignedPeriod = {
  tenant: 'acme',
  period: '2026-10',
  entitledSince: '2026-11-03T09:00:00Z',
  records: [],
  watermark: '2026-11-20T10:00:00Z',
  signingKeys: 1,
};

describe('unsignedNote', () => {
  it('says a period before the Entitlement existed had no usage and nothing to sign, signing on or off', () => {
    const note =
      'note: acme has no usage in 2026-10: its Entitlement was created at 2026-11-03T09:00:00Z, after the period, so nothing was metered and there is nothing to sign\n';
    expect(unsignedNote(base)).toBe(note);
    expect(unsignedNote({ ...base, signingKeys: 0 })).toBe(note);
  });

  it('says a period not metered yet has nothing to sign yet', () => {
    expect(unsignedNote({ ...base, period: '2026-12' })).toBe(
      'note: nothing of 2026-12 is metered for acme yet (the ledger is at 2026-11-20T10:00:00Z); its report is signed once the first window of the period is metered\n',
    );
  });

  it('calls signing off only when no key was ever published', () => {
    const metered = { ...base, period: '2026-11' };
    expect(unsignedNote({ ...metered, signingKeys: 0 })).toBe(
      'warning: the report of acme for 2026-11 is not signed: the operator has published no signing key (signing is off)\n',
    );
    expect(
      unsignedNote({ ...metered, metered: { reason: 'PriceMissing', message: 'no price for sku x' } }),
    ).toBe(
      'warning: the report of acme for 2026-11 is not signed yet (its Entitlement is Metered PriceMissing: no price for sku x)\n',
    );
  });

  it('does not take a period with usage for one before the Entitlement (a re-created Entitlement)', () => {
    const records = [{ tenant: 'acme', window: { start: '2026-10-31T23:00:00Z' } }];
    expect(unsignedNote({ ...base, records })).toMatch(
      /^warning: the report of acme for 2026-10 is not signed yet/,
    );
    const others = [{ tenant: 'globex', window: { start: '2026-10-31T23:00:00Z' } }];
    expect(unsignedNote({ ...base, records: others })).toMatch(/^note: acme has no usage in 2026-10/);
  });
});
