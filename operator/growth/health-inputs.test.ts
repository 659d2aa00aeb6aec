import { describe, expect, it } from 'vitest';
import type { Tenant, TenantStatus } from '../api/v1alpha1/index.ts';
import { GrowthEventType, growthEvent } from './events.ts';
import { healthInputs } from './health-inputs.ts';

const D = 86_400_000;
const at = Date.parse('2026-11-25T12:00:00Z');
const tenant = (spec: Partial<Tenant['spec']> = {}) =>
  ({
    metadata: { name: 'acme', uid: 'u' },
    spec: { displayName: 'A', owners: [], region: 'r', ...spec },
  }) as Tenant;
const action = (ms: number, by?: string) =>
  growthEvent({
    tenant: 'acme',
    type: GrowthEventType.UsageViewed,
    key: String(ms),
    time: new Date(ms).toISOString(),
    data: by ? { by } : {},
    origin: 'ns',
  });
const sample = { at, workloadNamespaces: 2, runningNamespaces: 1, refusals: 3 };

describe('healthInputs', () => {
  it('reads real signals in windows ending at the sample: actions and metered usage of 7 days', () => {
    const status: TenantStatus = {
      identity: {
        checks: [
          { id: 'discovery', status: 'pass', message: '' },
          { id: 'jwks', status: 'warn', message: '' },
          { id: 'issuer', status: 'skip', message: '' },
        ],
      },
      conditions: [
        {
          type: 'DomainVerified',
          status: 'False',
          reason: 'RecordMissing',
          message: '',
          lastTransitionTime: '',
        },
      ],
      nudges: {
        active: [
          { name: 'finishSetup', since: new Date(at - 8 * D).toISOString(), message: '' },
          { name: 'setQuotas', since: new Date(at - 6 * D).toISOString(), message: '' },
        ],
      },
    };
    const inputs = healthInputs({
      tenant: tenant({
        identity: { issuer: 'https://x', clientId: 'c', redirectUri: 'https://r' },
        domain: { name: 'a.example' },
      }),
      status,
      checklist: true,
      sample,
      records: [
        { sku: 'archive-gib-hours', quantity: '0', start: '', end: new Date(at - D).toISOString() },
        { sku: 'archive-objects', quantity: '4', start: '', end: new Date(at - 8 * D).toISOString() },
      ],
      events: [
        action(at - 8 * D, 'alice'),
        action(at - 6 * D, 'alice'),
        action(at - D),
        action(at + 60_000, 'bob'),
      ],
      now: at + 120_000,
    });
    expect(inputs).toEqual({
      activation: { missing: 'no activation checklist yet' },
      activity: { runningNamespaces: 1, workloadNamespaces: 2, meteredUsage: false, apiActions: 2 },
      identity: { pass: 1, warn: 1, fail: 0 },
      domain: { verified: false, reason: 'RecordMissing' },
      refusals: { count: 3 },
      nudges: { active: 2, overdue: 1 },
    });
  });

  it('says why a component has no data', () => {
    const inputs = healthInputs({ tenant: tenant(), status: {}, checklist: false, events: [], now: at });
    expect(Object.fromEntries(Object.entries(inputs).map(([k, v]) => [k, 'missing' in v]))).toEqual({
      activation: true,
      activity: true,
      identity: true,
      domain: true,
      refusals: true,
      nudges: true,
    });
    expect(inputs.activation).toEqual({
      missing: 'the activation checklist is switched off (feature activationChecklist)',
    });
  });
});
