import { Gauge, type Registry } from 'prom-client';
import type { AddOn } from '../../api/v1alpha1/index.ts';
import type { Cache } from '../../runtime/informer.ts';

const TYPES: readonly AddOn['spec']['type'][] = ['DedicatedCompute', 'AuditArchive'];
const READY = ['True', 'False', 'Unknown'] as const;

/**
 * `tenantry_addons{type,ready}`, counted from the AddOns' cache when /metrics is scraped.
 * Every type and Ready status has a series, zero included, so a dashboard shows "0
 * provisioned" rather than "no data" before the first add-on.
 */
export function addonGauges(registry: Registry, addons: Cache<AddOn>): void {
  // A second add-on controller on the same manager (the test harness builds every controller's
  // wiring) reads the same shared cache: one gauge serves both.
  if (registry.getSingleMetric('tenantry_addons')) return;
  new Gauge({
    name: 'tenantry_addons',
    help: 'AddOns by type (DedicatedCompute, AuditArchive) and Ready condition status (True, False, Unknown)',
    labelNames: ['type', 'ready'],
    registers: [registry],
    collect() {
      const counts = new Map<string, number>();
      for (const a of addons.list()) {
        const ready = a.status?.conditions?.find((c) => c.type === 'Ready')?.status ?? 'Unknown';
        const key = `${a.spec.type}/${ready}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      for (const type of TYPES)
        for (const ready of READY) this.set({ type, ready }, counts.get(`${type}/${ready}`) ?? 0);
    },
  });
}
