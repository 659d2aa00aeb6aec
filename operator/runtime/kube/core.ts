import type { KubeObject } from './object.ts';

// The parts of core/v1 objects that Tenantry reads, so caches and lookups of them are typed.

export interface NodeTaint {
  key: string;
  value?: string;
  effect: string;
  timeAdded?: string;
}

export interface Node extends KubeObject {
  spec?: { unschedulable?: boolean; taints?: NodeTaint[] };
  status?: { conditions?: Array<{ type: string; status: string }> };
}

export interface Namespace extends KubeObject {
  status?: { phase?: string };
}

export interface ConfigMap extends KubeObject {
  immutable?: boolean;
  data?: Record<string, string>;
}

export interface Secret extends KubeObject {
  type?: string;
  /** Values are base64, as the API serves them. */
  data?: Record<string, string>;
}
