import { Counter, Gauge, type Registry } from 'prom-client';
import type { Entitlement } from '../../api/v1alpha1/index.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { Cache } from '../../runtime/informer.ts';

/**
 * `tenantry_metering_watermark_age_seconds{tenant}`: how far each tenant's metering lags,
 * read from the Entitlements' status when /metrics is scraped. A healthy ledger stays within
 * a window plus its grace period; an age that keeps growing is metering that is stuck (an
 * unreadable source, a tampered ledger, a failing reconcile), whatever the cause.
 */
export function meteringGauges(
  registry: Registry,
  sources: { entitlements: Cache<Entitlement>; clock: Clock },
): void {
  new Gauge({
    name: 'tenantry_metering_watermark_age_seconds',
    help: "Seconds since each tenant's metering watermark (status.watermark of its Entitlement): everything before it is metered",
    labelNames: ['tenant'],
    registers: [registry],
    collect() {
      this.reset();
      const now = sources.clock.now();
      for (const e of sources.entitlements.list()) {
        const wm = Date.parse(e.status?.watermark ?? '');
        if (!Number.isNaN(wm)) this.set({ tenant: e.spec.tenantRef.name }, Math.max(0, now - wm) / 1000);
      }
    },
  });
}

/** Counts ledgers that failed verification, per tenant: an alert, since nobody but the operator writes them. */
export function ledgerFailures(registry: Registry): (tenant: string) => void {
  const counter = new Counter({
    name: 'tenantry_ledger_verification_failures_total',
    help: 'Metering passes that found a tenant ledger changed by someone other than the operator (nothing was signed)',
    labelNames: ['tenant'],
    registers: [registry],
  });
  return (tenant) => counter.inc({ tenant });
}
