import type { V1Pod } from '@kubernetes/client-node';
import { describe, expect, it } from 'vitest';
import { type ContainerRecord, podPhase, podStatus, restartDelayMs } from './container-status.ts';

const pod = (restartPolicy = 'Always'): V1Pod => ({
  metadata: { name: 'p' },
  spec: { containers: [], restartPolicy },
});
const at = '2026-12-01T00:00:00.000Z';
const running: ContainerRecord = {
  name: 'c',
  image: 'img@sha256:1',
  imageID: 'img@sha256:1',
  state: { kind: 'running', startedAt: at },
  ready: true,
  restartCount: 0,
};
const exited = (exitCode: number): ContainerRecord => ({
  ...running,
  ready: false,
  state: {
    kind: 'terminated',
    exitCode,
    reason: exitCode ? 'Error' : 'Completed',
    startedAt: at,
    finishedAt: at,
  },
});

describe('podPhase', () => {
  it('is Pending until a container started, Running while any runs', () => {
    const waiting: ContainerRecord = {
      ...running,
      ready: false,
      state: { kind: 'waiting', reason: 'ErrImagePull' },
    };
    expect(podPhase(pod(), [waiting])).toBe('Pending');
    expect(podPhase(pod(), [running])).toBe('Running');
  });

  it('ends Succeeded or Failed only when the restart policy lets it end', () => {
    expect(podPhase(pod('Never'), [exited(0)])).toBe('Succeeded');
    expect(podPhase(pod('Never'), [exited(1)])).toBe('Failed');
    expect(podPhase(pod('OnFailure'), [exited(0)])).toBe('Succeeded');
    expect(podPhase(pod('OnFailure'), [exited(1)])).toBe('Running');
    expect(podPhase(pod('Always'), [exited(0)])).toBe('Running');
  });
});

describe('podStatus', () => {
  const rec = (c: ContainerRecord) => ({
    hostIp: '10.1.0.2',
    podIp: '10.244.0.2',
    startTime: at,
    containers: [c],
  });

  it('is Ready only when every container is', () => {
    const ready = podStatus(pod(), rec(running), new Date(at)) as any;
    expect(ready.status.conditions.find((c: any) => c.type === 'Ready').status).toBe('True');
    const notReady = podStatus(pod(), rec({ ...running, ready: false }), new Date(at)) as any;
    expect(notReady.status.conditions.find((c: any) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'ContainersNotReady',
    });
  });

  it('keeps lastTransitionTime while a condition holds', () => {
    const before = {
      ...pod(),
      status: {
        conditions: [{ type: 'Ready', status: 'True', lastTransitionTime: new Date('2026-01-01T00:00:00Z') }],
      },
    };
    const s = podStatus(before, rec(running), new Date(at)) as any;
    expect(s.status.conditions.find((c: any) => c.type === 'Ready').lastTransitionTime).toBe(
      '2026-01-01T00:00:00.000Z',
    );
  });

  it('reports an exit with its code and the phase the policy gives', () => {
    const s = podStatus(pod('Never'), rec(exited(3)), new Date(at)) as any;
    expect(s.status.phase).toBe('Failed');
    expect(s.status.containerStatuses[0].state.terminated).toMatchObject({ exitCode: 3, reason: 'Error' });
  });
});

it('backs off restarts like the kubelet: 10 s doubling to 5 min', () => {
  expect([1, 2, 3, 10].map(restartDelayMs)).toEqual([10_000, 20_000, 40_000, 300_000]);
});
