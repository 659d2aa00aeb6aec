import { Counter, type Registry } from 'prom-client';
import type { NudgeDelivery } from '../../growth/nudges/records.ts';

/** tenantry_nudges_total{nudge,channel,outcome}: each delivery record, counted once when logged. */
export interface NudgeMetrics {
  logged(d: NudgeDelivery): void;
}

export function nudgeMetrics(registry: Registry): NudgeMetrics {
  const total = new Counter({
    name: 'tenantry_nudges_total',
    help: 'Nudge deliveries by nudge, channel (event, webhook:<receiver>) and outcome (sent, failed, suppressed-optOut, suppressed-cap, suppressed-quiet)',
    labelNames: ['nudge', 'channel', 'outcome'],
    registers: [registry],
  });
  return {
    logged: (d) =>
      total.inc({
        nudge: d.nudge,
        channel: d.channel,
        outcome: d.outcome === 'suppressed' ? `suppressed-${d.reason}` : d.outcome,
      }),
  };
}
