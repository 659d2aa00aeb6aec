import { describe, expect, it } from 'vitest';
import type { KubeClient } from '../../../runtime/kube/client.ts';
import { collectArchiveItems } from './collect.ts';

/** Answers list calls from fixed objects, filtered the way the API server would for these selectors. */
function fakeClient(objects: Record<string, Array<Record<string, any>>>): KubeClient {
  return {
    async list(
      type: { kind: string },
      opts: { namespace?: string; labelSelector?: string; fieldSelector?: string },
    ) {
      const all = objects[type.kind] ?? [];
      const items = all.filter((o) => {
        if (opts.namespace !== undefined && o.metadata.namespace !== opts.namespace) return false;
        for (const term of (opts.labelSelector ?? '').split(',').filter(Boolean)) {
          const [k, v] = term.split('=');
          const has = o.metadata.labels?.[k as string];
          if (has === undefined || (v !== undefined && has !== v)) return false;
        }
        if (opts.fieldSelector?.includes('involvedObject.kind=Tenant'))
          return o.involvedObject?.kind === 'Tenant';
        return true;
      });
      return { items };
    },
  } as unknown as KubeClient;
}

const cm = (name: string, labels: Record<string, string>, data: Record<string, string>) => ({
  metadata: { name, namespace: 'acme-system', labels: { 'tenantry.dev/tenant': 'acme', ...labels } },
  data,
});

describe('collectArchiveItems', () => {
  it('gathers evidence, final invoice reports, closed ledger days and Tenantry Events only', async () => {
    const client = fakeClient({
      ConfigMap: [
        cm('receipt', { 'tenantry.dev/evidence': 'receipt' }, { 'bundle.json': '{"r":1}' }),
        cm(
          'invoice',
          { 'tenantry.dev/evidence': 'invoice-report', 'tenantry.dev/invoice': '2026-10' },
          {
            'bundle.json': '{"b":1}',
            'report.json': '{"lines":[]}',
          },
        ),
        cm('ledger', { 'tenantry.dev/ledger': '2026-11-24' }, { 'ledger.json': '{"records":[]}' }),
        cm('unrelated', {}, { x: 'y' }),
      ],
      Namespace: [{ metadata: { name: 'acme-system', labels: { 'tenantry.dev/tenant': 'acme' } } }],
      Event: [
        {
          metadata: { uid: 'e1', namespace: 'acme-system' },
          involvedObject: { kind: 'AddOn', name: 'pool' },
          reason: 'AdmissionDenied',
          reportingComponent: 'tenantry',
          count: 7,
          lastTimestamp: '2026-11-25T10:09:00Z',
        },
        {
          metadata: { uid: 'e2', namespace: 'acme-system' },
          reason: 'Pulled',
          source: { component: 'kubelet' },
        },
        {
          metadata: { uid: 'e3', namespace: 'default' },
          involvedObject: { kind: 'Tenant', name: 'acme' },
          reason: 'Onboarded',
          source: { component: 'tenantry' },
        },
      ],
    });
    const items = await collectArchiveItems(client, 'acme');
    expect(items.map((i) => i.kind).sort()).toEqual([
      'events',
      'events',
      'evidence',
      'invoices',
      'invoices',
      'ledger',
    ]);
    const events = items.filter((i) => i.kind === 'events').map((i) => JSON.parse(i.body.toString()));
    expect(events.map((e) => e.reason).sort()).toEqual(['AdmissionDenied', 'Onboarded']);
    // Counters and last-seen times are left out: a repeating Event stays one object.
    expect(events[0]).not.toHaveProperty('count');
    expect(JSON.stringify(events)).not.toContain('10:09');
  });

  it('archives the growth log as one CloudEvent per object, and only logs as the operator writes them', async () => {
    const event = (time: string, subject = 'acme') => ({
      specversion: '1.0',
      id: `id-${time}-${subject}`,
      source: 'tenantry://tenantry-system/tenants/acme',
      type: 'dev.tenantry.tenant.created',
      subject,
      time,
      datacontenttype: 'application/json',
      data: {},
    });
    const log = (name: string, labels: Record<string, string>, events: unknown[]) => ({
      metadata: { name, namespace: 'tenantry-system', labels: { 'tenantry.dev/tenant': 'acme', ...labels } },
      data: { 'events.json': JSON.stringify(events) },
    });
    const own = { 'tenantry.dev/growth-log': '2026-11-25', 'app.kubernetes.io/managed-by': 'tenantry' };
    const client = fakeClient({
      ConfigMap: [
        log('tenantry-growth-acme-2026-11-25', own, [
          event('2026-11-25T10:00:00Z'),
          event('2026-11-25T11:00:00Z', 'other'),
        ]),
        log('not-a-log', own, [event('2026-11-25T12:00:00Z')]),
      ],
    });
    const growth = (await collectArchiveItems(client, 'acme')).filter((i) => i.kind === 'growth');
    expect(growth.map((i) => [i.contentType, JSON.parse(i.body.toString()).time])).toEqual([
      ['application/cloudevents+json', '2026-11-25T10:00:00Z'],
    ]);
  });
});
