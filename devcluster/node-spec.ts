import { createHash } from 'node:crypto';
import type { V1Node, V1NodeCondition } from '@kubernetes/client-node';

/** Where a simulated node sits and what it looks like. */
export interface NodePlacement {
  name: string;
  /** Position among all simulated nodes; decides the node IP and pod CIDR. */
  index: number;
  region: string;
  zone: string;
}

export const defaultCapacity: Readonly<Record<string, string>> = {
  cpu: '8',
  memory: '32Gi',
  pods: '110',
  'ephemeral-storage': '100Gi',
};

/** Spreads `count` nodes round-robin over the regions, and over three zones within each region. */
export function placeNodes(count: number, regions: readonly string[]): NodePlacement[] {
  if (regions.length === 0) throw new Error('at least one region is needed');
  const perRegion = new Map<string, number>();
  const placements: NodePlacement[] = [];
  for (let index = 0; index < count; index++) {
    const region = regions[index % regions.length] as string;
    const i = perRegion.get(region) ?? 0;
    perRegion.set(region, i + 1);
    placements.push({ name: `node-${region}-${i}`, index, region, zone: `${region}${'abc'[i % 3]}` });
  }
  return placements;
}

export function nodeIp(index: number): string {
  return `10.1.${Math.floor(index / 250)}.${(index % 250) + 2}`;
}

/** The /24 pod network of a node, as its first three octets. */
export function podNetworkPrefix(index: number): string {
  return `10.${244 + Math.floor(index / 256)}.${index % 256}`;
}

export interface NodeBodyParams {
  placement: NodePlacement;
  instanceType: string;
  kubeletVersion: string;
  capacity: Readonly<Record<string, string>>;
}

/** The labels a kubelet registers with, all of them ones NodeRestriction lets a node set on itself. */
export function nodeLabels(p: NodeBodyParams): Record<string, string> {
  return {
    'kubernetes.io/hostname': p.placement.name,
    'kubernetes.io/os': 'linux',
    'kubernetes.io/arch': 'amd64',
    'topology.kubernetes.io/region': p.placement.region,
    'topology.kubernetes.io/zone': p.placement.zone,
    'node.kubernetes.io/instance-type': p.instanceType,
  };
}

export function nodeBody(p: NodeBodyParams, now: Date): V1Node {
  const { name, index } = p.placement;
  const podCidr = `${podNetworkPrefix(index)}.0/24`;
  const machineId = createHash('sha256').update(name).digest('hex').slice(0, 32);
  return {
    apiVersion: 'v1',
    kind: 'Node',
    metadata: { name, labels: nodeLabels(p), annotations: { 'tenantry.dev/simulated': 'true' } },
    spec: { podCIDR: podCidr, podCIDRs: [podCidr] },
    status: {
      capacity: { ...p.capacity },
      allocatable: { ...p.capacity },
      conditions: nodeConditions(now, now),
      addresses: [
        { type: 'InternalIP', address: nodeIp(index) },
        { type: 'Hostname', address: name },
      ],
      daemonEndpoints: { kubeletEndpoint: { Port: 10250 } },
      nodeInfo: {
        architecture: 'amd64',
        operatingSystem: 'linux',
        osImage: 'Tenantry hollow node',
        kernelVersion: '6.8.0',
        containerRuntimeVersion: 'hollow://1.0.0',
        kubeletVersion: p.kubeletVersion,
        kubeProxyVersion: '',
        machineID: machineId,
        systemUUID: machineId,
        bootID: machineId,
      },
    },
  };
}

/** The conditions a healthy kubelet reports; `readySince` keeps lastTransitionTime stable across heartbeats. */
export function nodeConditions(heartbeat: Date, readySince: Date): V1NodeCondition[] {
  const condition = (type: string, status: string, reason: string, message: string): V1NodeCondition => ({
    type,
    status,
    reason,
    message,
    lastHeartbeatTime: heartbeat,
    lastTransitionTime: readySince,
  });
  return [
    condition(
      'MemoryPressure',
      'False',
      'KubeletHasSufficientMemory',
      'kubelet has sufficient memory available',
    ),
    condition('DiskPressure', 'False', 'KubeletHasNoDiskPressure', 'kubelet has no disk pressure'),
    condition('PIDPressure', 'False', 'KubeletHasSufficientPID', 'kubelet has sufficient PID available'),
    condition('Ready', 'True', 'KubeletReady', 'kubelet is posting ready status'),
  ];
}
