import { createHash, randomBytes } from 'node:crypto';
import type { V1Pod } from '@kubernetes/client-node';

// Pods arrive both from typed list calls and raw watch events, so only plain fields
// (strings, booleans, presence) are read here.

function conditionStatus(pod: V1Pod, type: string): string | undefined {
  return pod.status?.conditions?.find((c) => c.type === type)?.status;
}

/** Ready only once every readiness gate that someone else owns reports True, as the kubelet does. */
export function podShouldBeReady(pod: V1Pod): boolean {
  return (pod.spec?.readinessGates ?? []).every((g) => conditionStatus(pod, g.conditionType) === 'True');
}

export function isTerminal(pod: V1Pod): boolean {
  return pod.status?.phase === 'Succeeded' || pod.status?.phase === 'Failed';
}

/** True when the pod already looks the way runningStatus() would make it look. */
export function isRunningAsDesired(pod: V1Pod): boolean {
  const ready = podShouldBeReady(pod) ? 'True' : 'False';
  return pod.status?.phase === 'Running' && !!pod.status.podIP && conditionStatus(pod, 'Ready') === ready;
}

function imageId(image: string): string {
  return `${image.split('@')[0]}@sha256:${createHash('sha256').update(image).digest('hex')}`;
}

/** A strategic-merge patch for the status subresource that makes the pod Running with all containers started. */
export function runningStatusPatch(pod: V1Pod, p: { hostIp: string; podIp: string; now: Date }): object {
  const now = p.now.toISOString();
  const ready = podShouldBeReady(pod);
  const readyStatus = ready ? 'True' : 'False';
  const readyReason = ready ? undefined : 'ReadinessGatesNotReady';
  const startTime = pod.status?.startTime ?? now;
  const running = (name: string, image: string | undefined) => ({
    name,
    image: image ?? '',
    imageID: imageId(image ?? name),
    containerID: `containerd://${randomBytes(32).toString('hex')}`,
    ready: true,
    started: true,
    restartCount: 0,
    state: { running: { startedAt: now } },
  });
  const condition = (type: string, status: string, reason?: string) => ({
    type,
    status,
    lastTransitionTime: now,
    lastProbeTime: null,
    ...(reason === undefined ? {} : { reason }),
  });
  return {
    status: {
      phase: 'Running',
      hostIP: p.hostIp,
      hostIPs: [{ ip: p.hostIp }],
      podIP: p.podIp,
      podIPs: [{ ip: p.podIp }],
      startTime,
      conditions: [
        condition('PodReadyToStartContainers', 'True'),
        condition('Initialized', 'True'),
        condition('ContainersReady', 'True'),
        condition('Ready', readyStatus, readyReason),
      ],
      containerStatuses: (pod.spec?.containers ?? []).map((c) => running(c.name, c.image)),
      initContainerStatuses: (pod.spec?.initContainers ?? []).map((c) =>
        // Sidecars (restartPolicy Always) keep running; classic init containers have completed.
        c.restartPolicy === 'Always'
          ? running(c.name, c.image)
          : {
              ...running(c.name, c.image),
              ready: false,
              started: false,
              state: { terminated: { exitCode: 0, reason: 'Completed', startedAt: now, finishedAt: now } },
            },
      ),
    },
  };
}
