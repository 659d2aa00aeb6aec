import { describe, expect, it } from 'vitest';
import { kstatus } from '../conditions.ts';
import { ApiError } from '../kube/errors.ts';
import type { Condition } from '../kube/meta.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import { type Readiness, StatusDraft } from './draft.ts';
import { ReconcileErrors, TerminalError } from './errors.ts';
import { shortestRequeue } from './outcome.ts';

interface Status {
  observedGeneration?: number;
  conditions?: Condition[];
  pool?: string[];
  note?: string;
}

const clock = new FakeClock(Date.UTC(2026, 11, 1));
const policy: Readiness = {
  conditions: ['Provisioned', 'Enforced'],
  requireAll: true,
  stalls: (c) => c.reason === 'NotGranted',
};
const provisioned = { type: 'Provisioned', status: 'True', reason: 'Done', message: 'ok' } as const;
const read = (status: Status, generation = 3) => kstatus({ metadata: { generation }, status });

describe('StatusDraft', () => {
  it('merges outcomes in order onto the status the object has, and stamps observedGeneration', () => {
    const draft = new StatusDraft<Status>({ note: 'kept', pool: ['old'] }, 3, clock);
    draft.apply({ conditions: [provisioned], status: { pool: ['n1'] } });
    draft.apply({ conditions: [{ type: 'Enforced', status: 'True', reason: 'Pinned', message: '' }] });
    draft.summarize(policy, 'all good');
    const s = draft.result();
    expect(s.pool).toEqual(['n1']);
    expect(s.note).toBe('kept');
    expect(s.observedGeneration).toBe(3);
    expect(read(s)).toBe('Current');
  });

  it('removes a field given as undefined and a condition no longer reported', () => {
    const before: Status = {
      note: 'x',
      conditions: [{ ...provisioned, lastTransitionTime: '2026-01-01T00:00:00Z' }],
    };
    const draft = new StatusDraft<Status>(before, 1, clock);
    draft.apply({ removeConditions: ['Provisioned'], status: { note: undefined } });
    const s = draft.result();
    expect('note' in s).toBe(false);
    expect(s.conditions?.some((c) => c.type === 'Provisioned')).toBe(false);
    expect(before.note).toBe('x'); // the object's own status is not touched
  });

  it('tells a condition decided now from one carried over from the last status', () => {
    const before: Status = { conditions: [{ ...provisioned, lastTransitionTime: 'x' }] };
    const draft = new StatusDraft<Status>(before, 1, clock);
    expect(draft.condition('Provisioned')?.status).toBe('True');
    expect(draft.decided('Provisioned')).toBeUndefined();
    draft.apply({ conditions: [{ ...provisioned, status: 'False', reason: 'Short' }] });
    expect(draft.decided('Provisioned')?.reason).toBe('Short');
  });

  it('judges Ready in order: a condition that stalls wins over one that waits, a missing one is Pending', () => {
    const draft = new StatusDraft<Status>(undefined, 1, clock);
    draft.summarize(policy, 'ok');
    expect(draft.condition('Ready')).toMatchObject({ status: 'False', reason: 'Pending' });
    expect(read(draft.result(), 1)).toBe('InProgress');
    draft.apply({
      conditions: [
        { type: 'Provisioned', status: 'False', reason: 'Waiting', message: 'nodes coming' },
        { type: 'Enforced', status: 'False', reason: 'NotGranted', message: 'ask' },
      ],
    });
    draft.summarize(policy, 'ok');
    expect(draft.condition('Ready')).toMatchObject({ status: 'False', reason: 'NotGranted' });
    expect(read(draft.result(), 1)).toBe('Failed');
  });

  it('keeps what a failed step reported before, runs the steps after it, and reports every failure', async () => {
    const before: Status = { pool: ['n1'] };
    const draft = new StatusDraft<Status>(before, 1, clock);
    expect(await draft.step('pool', () => Promise.reject(new Error('node patch refused')))).toBe(false);
    expect(await draft.step('note', () => ({ status: { note: 'ran' } }))).toBe(true);
    await draft.step('archive', () => {
      throw new Error('bucket unreachable');
    });
    expect(draft.status.pool).toEqual(['n1']);
    expect(draft.status.note).toBe('ran');
    const error = draft.error();
    expect(error).toBeInstanceOf(ReconcileErrors);
    expect(error?.message).toBe('pool: node patch refused; archive: bucket unreachable');
  });

  it('marks the object Stalled when the only failures are terminal, with their reason', async () => {
    const draft = new StatusDraft<Status>(undefined, 2, clock);
    await draft.step('spec', () => {
      throw new TerminalError('spec.pool.nodes must be positive', { reason: 'InvalidSpec' });
    });
    draft.summarize(policy, 'ok');
    const s = draft.result();
    expect(draft.error()).toBeInstanceOf(TerminalError);
    expect(s.conditions?.find((c) => c.type === 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'InvalidSpec',
    });
    expect(read(s, 2)).toBe('Failed');
  });

  it('retries (not terminal) when a terminal failure comes with a retryable one', async () => {
    const draft = new StatusDraft<Status>(undefined, 1, clock);
    await draft.step('a', () => {
      throw new TerminalError('bad');
    });
    await draft.step('b', () => {
      throw new Error('timeout');
    });
    expect(draft.error()).not.toBeInstanceOf(TerminalError);
  });

  it('asks to look again after the shortest wait any step asked for', () => {
    const draft = new StatusDraft<Status>(undefined, 1, clock);
    draft.apply({ requeueAfterMs: 60_000 });
    draft.apply({});
    draft.apply({ requeueAfterMs: 2_000 });
    expect(draft.requeueAfterMs()).toBe(2_000);
  });
});

describe('a failed part says so in the condition it owns', () => {
  const ready = (gen: number): Condition => ({
    ...provisioned,
    observedGeneration: gen,
    lastTransitionTime: 'x',
  });

  it('sets it False with the reason when retrying cannot help, and the object stalls', async () => {
    const draft = new StatusDraft<Status>({ conditions: [ready(1)] }, 2, clock);
    await draft.step(
      'pool',
      () => Promise.reject(new TerminalError('spec.nodes must be positive', { reason: 'InvalidSpec' })),
      'Provisioned',
    );
    draft.summarize(policy, 'ok');
    const s = draft.result();
    expect(s.conditions?.find((c) => c.type === 'Provisioned')).toMatchObject({
      status: 'False',
      reason: 'InvalidSpec',
      message: 'pool: spec.nodes must be positive',
      observedGeneration: 2,
    });
    expect(read(s, 2)).toBe('Failed');
  });

  it('takes the API server refusing a request as invalid for input no retry can fix', async () => {
    const draft = new StatusDraft<Status>(undefined, 1, clock);
    const invalid = new ApiError(422, 'Invalid', 'Namespace "x" is invalid: metadata.labels: Invalid value');
    await draft.step('provision', () => Promise.reject(invalid), 'Provisioned');
    expect(draft.error()).toBeInstanceOf(TerminalError);
    expect(draft.condition('Provisioned')).toMatchObject({ status: 'False', reason: 'Invalid' });
  });

  it("takes a request an admission policy denied for configuration no retry can fix, in the policy's words", async () => {
    const draft = new StatusDraft<Status>({ conditions: [ready(1)] }, 2, clock);
    const denied = new ApiError(
      403,
      'Forbidden',
      `nodes "n1" is forbidden: ValidatingAdmissionPolicy 'tenantry.dev-pool-nodes' with binding 'tenantry.dev-pool-nodes' denied request: the pool labels of a node are managed by Tenantry`,
    );
    await draft.step('DedicatedCompute', () => Promise.reject(denied), 'Provisioned');
    draft.summarize(policy, 'ok');
    const s = draft.result();
    const error = draft.error();
    expect(error).toBeInstanceOf(TerminalError);
    expect((error as TerminalError).reason).toBe('AdmissionDenied');
    expect(s.conditions?.find((c) => c.type === 'Provisioned')).toMatchObject({
      status: 'False',
      reason: 'AdmissionDenied',
      message: `DedicatedCompute: ${denied.message}`,
      observedGeneration: 2,
    });
    expect(s.conditions?.find((c) => c.type === 'Stalled')).toMatchObject({
      status: 'True',
      reason: 'AdmissionDenied',
    });
    expect(read(s, 2)).toBe('Failed');
  });

  it('keeps retrying a 403 that is not a policy denial (RBAC: a binding may be on its way)', async () => {
    const draft = new StatusDraft<Status>(undefined, 1, clock);
    const rbac = new ApiError(
      403,
      'Forbidden',
      'nodes "n1" is forbidden: User "system:serviceaccount:x:y" cannot patch resource "nodes" in API group "" at the cluster scope',
    );
    await draft.step('DedicatedCompute', () => Promise.reject(rbac), 'Provisioned');
    expect(draft.error()).not.toBeInstanceOf(TerminalError);
    expect(draft.condition('Provisioned')).toMatchObject({ status: 'Unknown', reason: 'Retrying' });
  });

  it('keeps a verdict reached for this generation through a passing outage', async () => {
    const draft = new StatusDraft<Status>({ conditions: [ready(3)] }, 3, clock);
    await draft.step(
      'provision',
      () => Promise.reject(new ApiError(503, 'ServiceUnavailable', 'etcd down')),
      'Provisioned',
    );
    expect(draft.condition('Provisioned')?.status).toBe('True');
    expect(draft.error()).not.toBeInstanceOf(TerminalError);
  });

  it('never lets a verdict about an older spec stand: Unknown while the retries run', async () => {
    const draft = new StatusDraft<Status>({ conditions: [ready(3)] }, 4, clock);
    await draft.step('provision', () => Promise.reject(new Error('connection refused')), 'Provisioned');
    draft.summarize(policy, 'ok');
    expect(draft.condition('Provisioned')).toMatchObject({
      status: 'Unknown',
      reason: 'Retrying',
      observedGeneration: 4,
    });
    expect(draft.condition('Ready')?.status).toBe('False');
  });
});

describe('shortestRequeue', () => {
  it('ignores absent and zero waits', () => {
    expect(shortestRequeue([undefined, 0, 5, 3])).toBe(3);
    expect(shortestRequeue([undefined, 0])).toBeUndefined();
  });
});
