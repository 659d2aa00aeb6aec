import { describe, expect, it } from 'vitest';
import type { ConfigMap } from '../runtime/kube/core.ts';
import { type GrowthEvent, growthEvent } from './events.ts';
import { GrowthLogView } from './log-view.ts';

const event = (key: string, time: string) =>
  growthEvent({ tenant: 'acme', type: 'dev.tenantry.test', key, time, data: {}, origin: 'tenantry-system' });

const cm = (namespace: string, tenant: string, events: GrowthEvent<unknown>[], rv = '1'): ConfigMap => ({
  metadata: {
    name: `log-${tenant}`,
    namespace,
    uid: `${namespace}-${tenant}`,
    resourceVersion: rv,
    labels: { 'tenantry.dev/tenant': tenant },
  },
  data: { 'events.json': JSON.stringify(events) },
});

describe('GrowthLogView', () => {
  it("reads the tenant's log from the operator namespace only, oldest first", () => {
    const a = event('a', '2026-12-01T10:00:00Z');
    const b = event('b', '2026-12-01T09:00:00Z');
    const forged = event('forged', '2026-12-01T08:00:00Z');
    const items = [
      cm('tenantry-system', 'acme', [a, b]),
      cm('acme-system', 'acme', [forged]),
      cm('tenantry-system', 'other', [forged]),
    ];
    const view = new GrowthLogView({ get: () => undefined, list: () => items }, 'tenantry-system');
    expect(view.events('acme').map((e) => e.id)).toEqual([b.id, a.id]);
  });

  it('includes what this process appended until the cache shows it', () => {
    const items: ConfigMap[] = [cm('tenantry-system', 'acme', [])];
    const view = new GrowthLogView({ get: () => undefined, list: () => items }, 'tenantry-system');
    const mine = event('mine', '2026-12-01T10:00:00Z');
    view.remember('acme', mine);
    expect(view.events('acme')).toEqual([mine]);
    items[0] = cm('tenantry-system', 'acme', [mine], '2');
    expect(view.events('acme')).toEqual([mine]);
    items[0] = cm('tenantry-system', 'acme', [], '3');
    // Once seen in the cache it is no longer kept aside: the cache is the truth again.
    expect(view.events('acme')).toEqual([]);
  });
});
