import { periodBounds, toMs } from '../../operator/metering/windows.ts';

/** What is known about a period the operator has stored no signed report of. */
export interface UnsignedPeriod {
  tenant: string;
  period: string;
  /** When the tenant's Entitlement was created: metering starts there. */
  entitledSince: string | undefined;
  /** The tenant's ledger records (those with a window starting in the period count). */
  records: ReadonlyArray<{ tenant: string; window: { start: string } }>;
  /** Every window ending at or before it is metered. */
  watermark: string;
  /** How many public keys the operator has published (it publishes one before it first signs). */
  signingKeys: number;
  /** The reason and message of the Entitlement's Metered condition, when it is not True. */
  metered?: { reason: string; message: string } | undefined;
}

/**
 * The line `tenantry invoice` prints for a period without a signed report, saying why in
 * terms of what is true: a period before the Entitlement existed had no usage and nothing to
 * sign; one not metered yet has nothing to sign yet; only without any published key is
 * signing off. A note (not a warning) where nothing is missing.
 */
export function unsignedNote(p: UnsignedPeriod): string {
  const { start, end } = periodBounds(p.period);
  const hasUsage = p.records.some(
    (r) => r.tenant === p.tenant && toMs(r.window.start) >= start && toMs(r.window.start) < end,
  );
  if (!hasUsage && p.entitledSince !== undefined && toMs(p.entitledSince) >= end)
    return `note: ${p.tenant} has no usage in ${p.period}: its Entitlement was created at ${p.entitledSince}, after the period, so nothing was metered and there is nothing to sign\n`;
  if (toMs(p.watermark) <= start)
    return `note: nothing of ${p.period} is metered for ${p.tenant} yet (the ledger is at ${p.watermark}); its report is signed once the first window of the period is metered\n`;
  if (p.signingKeys === 0)
    return `warning: the report of ${p.tenant} for ${p.period} is not signed: the operator has published no signing key (signing is off)\n`;
  const why = p.metered
    ? `its Entitlement is Metered ${p.metered.reason}: ${p.metered.message}`
    : 'the Metered condition of its Entitlement says why';
  return `warning: the report of ${p.tenant} for ${p.period} is not signed yet (${why})\n`;
}
