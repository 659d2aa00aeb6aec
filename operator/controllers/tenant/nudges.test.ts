import { describe, expect, it } from 'vitest';
import type { Tenant } from '../../api/v1alpha1/index.ts';
import { GrowthEventType, growthEvent } from '../../growth/events.ts';
import { growthLogName } from '../../growth/log.ts';
import { GrowthLogIndex } from '../../growth/log-index.ts';
import { DEFAULT_NUDGE_SETTINGS, type NudgeSettings } from '../../growth/nudges/config.ts';
import type { Cache } from '../../runtime/informer.ts';
import type { KubeObject } from '../../runtime/kube/object.ts';
import { FakeClock } from '../../runtime/testing/fake-clock.ts';
import { nudgesOutcome } from './nudges.ts';

const NOW = Date.parse('2026-12-10T12:00:00Z');
const cache = <T extends KubeObject>(items: T[]): Cache<T> => ({ get: () => undefined, list: () => items });
const tenant = {
  apiVersion: 'tenantry.dev/v1alpha1',
  kind: 'Tenant',
  metadata: { name: 'acme', creationTimestamp: '2026-12-01T00:00:00Z' },
  spec: { displayName: 'Acme', owners: [{ name: 'alice' }], region: 'eu-west-1', policyProfile: 'regulated' },
} as Tenant;
const settings: NudgeSettings = {
  ...DEFAULT_NUDGE_SETTINGS,
  nudges: {
    ...DEFAULT_NUDGE_SETTINGS.nudges,
    setQuotas: { ...DEFAULT_NUDGE_SETTINGS.nudges.setQuotas, enabled: false },
  },
};
const binding = (namespace: string, role: string, subjects = [{ kind: 'User', name: 'audrey' }]) => ({
  metadata: { name: 'auditor', namespace },
  roleRef: { kind: 'ClusterRole', name: role },
  subjects,
});
/** A day of acme's growth log with an evidence export; `labels` overrides what the operator writes. */
const exported = (labels: Record<string, string> = {}, by = 'alice') => ({
  metadata: {
    name: growthLogName('acme', '2026-12-09'),
    namespace: 'tenantry-system',
    resourceVersion: '1',
    labels: {
      'app.kubernetes.io/managed-by': 'tenantry',
      'tenantry.dev/tenant': 'acme',
      'tenantry.dev/growth-log': '2026-12-09',
      ...labels,
    },
  },
  data: {
    'events.json': JSON.stringify([
      growthEvent({
        tenant: 'acme',
        type: GrowthEventType.EvidenceExported,
        key: 'x',
        time: '2026-12-09T00:00:00Z',
        data: { by },
        origin: 'tenantry-system',
      }),
    ]),
  },
});
const logIndex = (logs: ReturnType<typeof exported>[]) =>
  new GrowthLogIndex({
    addHandler(h) {
      for (const cm of logs) h.onAdd?.(cm);
    },
  });
const active = (roleBindings: ReturnType<typeof binding>[], logs: ReturnType<typeof exported>[] = []) =>
  nudgesOutcome(
    { settings, log: logIndex(logs), roleBindings: cache(roleBindings) },
    tenant,
    { conditions: [] },
    new FakeClock(NOW),
  ).status?.nudges?.active.map((a) => a.name);

describe('the nudges step', () => {
  it('counts an auditor only when bound to the auditor ClusterRole in the system namespace, with a subject', () => {
    expect(active([])).toContain('inviteAuditor');
    expect(active([binding('acme-system', 'tenantry:tenant-auditor')])).not.toContain('inviteAuditor');
    expect(active([binding('acme-default', 'tenantry:tenant-auditor')])).toContain('inviteAuditor');
    expect(active([binding('acme-system', 'view')])).toContain('inviteAuditor');
    expect(active([binding('acme-system', 'tenantry:tenant-auditor', [])])).toContain('inviteAuditor');
  });

  it("counts evidence exports from the operator namespace's growth log only", () => {
    // A day whose labels do not name the day the operator wrote it as is not acme's log.
    expect(active([], [exported({ 'tenantry.dev/growth-log': '2026-12-08' })])).toContain('exportEvidence');
    expect(active([], [exported()])).not.toContain('exportEvidence');
    // A platform admin looking at the tenant's evidence is no export by its admins.
    expect(active([], [exported({}, 'platform-admin')])).toContain('exportEvidence');
  });

  it('drops status.nudges with the feature off', () => {
    expect(nudgesOutcome(undefined, tenant, {}, new FakeClock(NOW))).toEqual({
      status: { nudges: undefined },
    });
  });
});
