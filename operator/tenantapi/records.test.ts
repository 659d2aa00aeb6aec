import { describe, expect, it } from 'vitest';
import { GrowthEventType } from '../growth/events.ts';
import type { Identity } from './authenticate.ts';
import { changeEvent, viewEvent } from './records.ts';

const alice: Identity = { user: 'alice', groups: ['acme-admins'], extra: {}, via: 'front-proxy' };
const at = (iso: string) => Date.parse(iso);
const view = (over: Partial<Parameters<typeof viewEvent>[0]> = {}) =>
  viewEvent({
    tenant: 'acme',
    resource: 'usage',
    who: alice,
    digest: 'sha256:aa',
    items: 2,
    now: at('2026-11-05T10:15:00Z'),
    origin: 'tenantry-system',
    ...(over.resource === 'evidence' ? {} : { period: '2026-11' }),
    ...over,
  });

describe('growth events of tenant API actions', () => {
  it('records who, what, when and the digest handed out', () => {
    const e = view();
    expect(e).toMatchObject({
      type: GrowthEventType.UsageViewed,
      subject: 'acme',
      time: '2026-11-05T10:15:00Z',
      data: {
        by: 'alice',
        groups: ['acme-admins'],
        action: 'get usage',
        digest: 'sha256:aa',
        period: '2026-11',
        items: 2,
      },
    });
  });

  it('is one event for the same user repeating the same view within the hour', () => {
    const first = view();
    expect(view({ now: at('2026-11-05T10:59:59Z'), digest: 'sha256:bb' }).id).toBe(first.id);
    expect(view({ now: at('2026-11-05T11:00:00Z') }).id).not.toBe(first.id);
    expect(view({ who: { ...alice, user: 'amy' } }).id).not.toBe(first.id);
    // Whatever the period: walking through every period is one event an hour, not one a request.
    expect(view({ period: '2026-10' }).id).toBe(first.id);
    expect(view({ resource: 'evidence' }).id).not.toBe(first.id);
    expect(view({ tenant: 'other' }).id).not.toBe(first.id);
  });

  it('keeps every change of the preferences', () => {
    const change = (now: string, digest = 'sha256:cc') =>
      changeEvent({
        tenant: 'acme',
        resource: 'nudgepreferences',
        who: alice,
        digest,
        now: at(now),
        origin: 'x',
      });
    const a = change('2026-11-05T10:15:00.000Z');
    expect(a.type).toBe(GrowthEventType.NudgePreferencesChanged);
    expect(change('2026-11-05T10:15:00.001Z').id).not.toBe(a.id);
    expect(change('2026-11-05T10:15:00.000Z', 'sha256:dd').id).not.toBe(a.id);
    expect(change('2026-11-05T10:15:00.000Z').id).toBe(a.id);
  });
});
