import type { V1Pod } from '@kubernetes/client-node';

/** What the runtime knows of one container, turned into a V1ContainerStatus by podStatus(). */
export interface ContainerRecord {
  name: string;
  image: string;
  imageID: string;
  containerID?: string;
  state:
    | { kind: 'waiting'; reason: string; message?: string }
    | { kind: 'running'; startedAt: string }
    | {
        kind: 'terminated';
        exitCode: number;
        reason: string;
        message?: string;
        startedAt: string;
        finishedAt: string;
      };
  lastTerminated?: { exitCode: number; reason: string; startedAt: string; finishedAt: string };
  ready: boolean;
  restartCount: number;
}

export interface PodRecord {
  hostIp: string;
  podIp: string;
  startTime: string;
  containers: ContainerRecord[];
}

/** Phase from the containers, as the kubelet decides it (restartPolicy Always never ends). */
export function podPhase(
  pod: V1Pod,
  containers: readonly ContainerRecord[],
): 'Pending' | 'Running' | 'Succeeded' | 'Failed' {
  const policy = pod.spec?.restartPolicy ?? 'Always';
  const started = containers.some((c) => c.state.kind !== 'waiting' || c.restartCount > 0);
  if (!started) return 'Pending';
  const ended = containers.every((c) => c.state.kind === 'terminated');
  if (policy === 'Always' || !ended) return 'Running';
  const failed = containers.some((c) => c.state.kind === 'terminated' && c.state.exitCode !== 0);
  if (!failed) return 'Succeeded';
  return policy === 'Never' ? 'Failed' : 'Running';
}

function stateOf(c: ContainerRecord): object {
  const s = c.state;
  if (s.kind === 'waiting')
    return { waiting: { reason: s.reason, ...(s.message ? { message: s.message } : {}) } };
  if (s.kind === 'running') return { running: { startedAt: s.startedAt } };
  const { kind: _, ...terminated } = s;
  return { terminated: { ...terminated, ...(c.containerID ? { containerID: c.containerID } : {}) } };
}

/** A status-subresource patch (strategic merge) for the pod as the runtime sees it. */
export function podStatus(pod: V1Pod, rec: PodRecord, now: Date): object {
  const phase = podPhase(pod, rec.containers);
  const allReady = rec.containers.every((c) => c.ready);
  const gates = (pod.spec?.readinessGates ?? []).every(
    (g) => pod.status?.conditions?.find((k) => k.type === g.conditionType)?.status === 'True',
  );
  const ready = allReady && gates && phase === 'Running';
  const at = now.toISOString();
  const previous = new Map((pod.status?.conditions ?? []).map((c) => [c.type, c]));
  // lastTransitionTime moves only when the status does.
  const condition = (type: string, status: boolean, reason?: string) => {
    const value = status ? 'True' : 'False';
    const before = previous.get(type);
    const since = before?.status === value && before.lastTransitionTime ? before.lastTransitionTime : at;
    return {
      type,
      status: value,
      lastTransitionTime: since instanceof Date ? since.toISOString() : since,
      lastProbeTime: null,
      ...(status || !reason ? {} : { reason }),
    };
  };
  const done = phase === 'Succeeded' || phase === 'Failed';
  return {
    status: {
      phase,
      hostIP: rec.hostIp,
      hostIPs: [{ ip: rec.hostIp }],
      ...(rec.podIp ? { podIP: rec.podIp, podIPs: [{ ip: rec.podIp }] } : {}),
      startTime: rec.startTime,
      conditions: [
        condition('PodReadyToStartContainers', !!rec.podIp && !done),
        condition('Initialized', true),
        condition('ContainersReady', allReady, done ? 'PodCompleted' : 'ContainersNotReady'),
        condition(
          'Ready',
          ready,
          done ? 'PodCompleted' : allReady ? 'ReadinessGatesNotReady' : 'ContainersNotReady',
        ),
      ],
      containerStatuses: rec.containers.map((c) => ({
        name: c.name,
        image: c.image,
        imageID: c.imageID,
        ...(c.containerID ? { containerID: c.containerID } : {}),
        ready: c.ready,
        started: c.state.kind === 'running',
        restartCount: c.restartCount,
        state: stateOf(c),
        lastState: c.lastTerminated ? { terminated: c.lastTerminated } : {},
      })),
    },
  };
}

/** The kubelet's crash-loop back-off: 10 s doubling to 5 min. */
export function restartDelayMs(restartCount: number): number {
  return Math.min(300_000, 10_000 * 2 ** Math.max(0, restartCount - 1));
}
