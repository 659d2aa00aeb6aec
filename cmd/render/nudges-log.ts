/**
 * What `tenantry nudges log` prints: the delivery log as a table (one row per attempt) or as
 * JSON with every field the log keeps.
 */
import type { GrowthEvent } from '../../operator/growth/events.ts';
import type { NudgeDelivery } from '../../operator/growth/nudges/records.ts';

/** A row of the log: a delivery record with its tenant and time. */
export interface LoggedDelivery extends NudgeDelivery {
  tenant: string;
  time: string;
}

export const loggedDelivery = (e: GrowthEvent<NudgeDelivery>): LoggedDelivery => ({
  tenant: e.subject,
  time: e.time,
  ...e.data,
});

/** sent; failed (HTTP 503) or failed (the error); suppressed (optOut by alice), (cap), (quiet until ...). */
export function outcomeText(d: NudgeDelivery): string {
  if (d.outcome === 'sent') return 'sent';
  if (d.outcome === 'failed')
    return `failed (${d.httpStatus ? `HTTP ${d.httpStatus}` : (d.error ?? '').slice(0, 60)})`;
  if (d.reason === 'optOut') return `suppressed (optOut${d.optedOutBy ? ` by ${d.optedOutBy}` : ''})`;
  if (d.reason === 'quiet') return `suppressed (quiet until ${d.quietUntil ?? '?'})`;
  return `suppressed (${d.reason ?? '?'})`;
}

const COLUMNS = ['TIME', 'TENANT', 'NUDGE', 'CHANNEL', 'ATTEMPT', 'OUTCOME', 'EVENT ID'] as const;

/** Columns padded to their widest cell; the event id shortened to 16 hex digits (JSON has it whole). */
export function deliveryTable(rows: readonly LoggedDelivery[]): string {
  const cells = rows.map((r) => [
    r.time,
    r.tenant,
    r.nudge,
    r.channel,
    String(r.attempt),
    outcomeText(r),
    r.eventId.slice(0, 16),
  ]);
  const widths = COLUMNS.map((c, i) => Math.max(c.length, ...cells.map((row) => (row[i] ?? '').length)));
  const line = (row: readonly string[]) =>
    row
      .map((v, i) => (i === row.length - 1 ? v : v.padEnd(widths[i] ?? 0)))
      .join('  ')
      .trimEnd();
  return `${[line(COLUMNS), ...cells.map(line)].join('\n')}\n`;
}

export const deliveryJson = (rows: readonly LoggedDelivery[]) =>
  `${JSON.stringify({ deliveries: rows }, null, 2)}\n`;
