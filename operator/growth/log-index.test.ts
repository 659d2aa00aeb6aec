import { describe, expect, it } from 'vitest';
import type { EventHandler } from '../runtime/informer.ts';
import type { ConfigMap } from '../runtime/kube/core.ts';
import { resourcePath } from '../runtime/kube/resource.ts';
import { GrowthEventType, growthEvent } from './events.ts';
import { growthLogName } from './log.ts';
import { GrowthLogIndex, namespaceConfigMaps } from './log-index.ts';

const event = (tenant: string, time: string, subject = tenant) => ({
  ...growthEvent({
    tenant,
    type: GrowthEventType.UsageViewed,
    key: time,
    time,
    data: { by: 'a' },
    origin: 'ns',
  }),
  subject,
});

function day(
  tenant: string,
  date: string,
  events: unknown[],
  labels: Record<string, string> = {},
): ConfigMap {
  return {
    metadata: {
      name: growthLogName(tenant, date),
      namespace: 'tenantry-system',
      resourceVersion: '1',
      labels: {
        'app.kubernetes.io/managed-by': 'tenantry',
        'tenantry.dev/tenant': tenant,
        'tenantry.dev/growth-log': date,
        ...labels,
      },
    },
    data: { 'events.json': JSON.stringify(events) },
  };
}

describe('GrowthLogIndex', () => {
  it('merges a tenant’s days oldest first, follows updates and deletes, and keeps only its own events', () => {
    let handler: EventHandler<ConfigMap> = {};
    const index = new GrowthLogIndex({ addHandler: (h) => (handler = h) });
    const d1 = day('acme', '2026-11-25', [
      event('acme', '2026-11-25T10:00:00Z'),
      event('acme', '2026-11-25T11:00:00Z', 'other'),
    ]);
    const d2 = day('acme', '2026-11-24', [event('acme', '2026-11-24T10:00:00Z')]);
    handler.onAdd?.(d1);
    handler.onAdd?.(d2);
    expect(index.events('acme').map((e) => e.time)).toEqual(['2026-11-24T10:00:00Z', '2026-11-25T10:00:00Z']);
    const later = event('acme', '2026-11-25T12:00:00Z');
    handler.onUpdate?.(d1, day('acme', '2026-11-25', [event('acme', '2026-11-25T10:00:00Z'), later]));
    expect(index.has('acme', later.id)).toBe(true);
    handler.onDelete?.(d2);
    expect(index.events('acme')).toHaveLength(2);
  });

  it('ignores ConfigMaps that are not logs as the operator writes them', () => {
    let handler: EventHandler<ConfigMap> = {};
    const index = new GrowthLogIndex({ addHandler: (h) => (handler = h) });
    const wrongName = day('acme', '2026-11-25', [event('acme', '2026-11-25T10:00:00Z')]);
    wrongName.metadata.name = 'something-else';
    handler.onAdd?.(wrongName);
    handler.onAdd?.(
      day('acme', '2026-11-26', [event('acme', '2026-11-26T10:00:00Z')], {
        'app.kubernetes.io/managed-by': 'me',
      }),
    );
    handler.onAdd?.({ ...day('acme', '2026-11-27', []), data: { 'events.json': '{not json' } });
    expect(index.events('acme')).toEqual([]);
  });

  it('counts what this process appended until the informer shows it, then only the informer', () => {
    let handler: EventHandler<ConfigMap> = {};
    const index = new GrowthLogIndex({ addHandler: (h) => (handler = h) });
    const first = day('acme', '2026-11-25', []);
    handler.onAdd?.(first);
    const mine = event('acme', '2026-11-25T10:00:00Z');
    index.remember('acme', mine);
    expect(index.events('acme')).toEqual([mine]);
    const shown = day('acme', '2026-11-25', [mine]);
    handler.onUpdate?.(first, shown);
    expect(index.events('acme')).toEqual([mine]);
    // Seen once, it is no longer kept aside: the informer is the truth again.
    handler.onUpdate?.(shown, day('acme', '2026-11-25', []));
    expect(index.events('acme')).toEqual([]);
  });

  it('reads the later parts of a day, and nothing named like them that is not one', () => {
    let handler: EventHandler<ConfigMap> = {};
    const index = new GrowthLogIndex({ addHandler: (h) => (handler = h) });
    const part = (suffix: string, time: string) => {
      const cm = day('acme', '2026-11-25', [event('acme', time)]);
      cm.metadata.name = `${growthLogName('acme', '2026-11-25')}${suffix}`;
      return cm;
    };
    handler.onAdd?.(day('acme', '2026-11-25', [event('acme', '2026-11-25T01:00:00Z')]));
    handler.onAdd?.(part('-2', '2026-11-25T02:00:00Z'));
    handler.onAdd?.(part('-x', '2026-11-25T03:00:00Z'));
    handler.onAdd?.(part('-02', '2026-11-25T04:00:00Z'));
    expect(index.events('acme').map((e) => e.time)).toEqual(['2026-11-25T01:00:00Z', '2026-11-25T02:00:00Z']);
    expect(growthLogName('acme', '2026-11-25', 2)).toBe('tenantry-growth-acme-2026-11-25-2');
  });

  it('lists and watches the operator namespace’s ConfigMaps only', () => {
    expect(resourcePath(namespaceConfigMaps('tenantry-system'))).toBe(
      '/api/v1/namespaces/tenantry-system/configmaps',
    );
  });
});
