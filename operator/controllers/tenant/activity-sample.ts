import { sha256Hex } from '../../evidence/statement.ts';
import type { ActivitySample } from '../../growth/health-inputs.ts';
import { HOUR_MS } from '../../metering/windows.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { KubeClient } from '../../runtime/kube/client.ts';
import type { KubeObject } from '../../runtime/kube/object.ts';
import { Builtin } from '../../runtime/kube/resource.ts';

type KubeEvent = KubeObject & {
  reportingComponent?: string;
  source?: { component?: string };
  lastTimestamp?: string;
  eventTime?: string;
  firstTimestamp?: string;
};

/** At most this many refusal Events are read per namespace and sample; the score is 0 well before. */
const MAX_REFUSAL_EVENTS = 100;

/**
 * Counts what the health score needs from a tenant's namespaces, cheaply and at most hourly:
 * per workload namespace one list of at most one pod in phase Running (no pod informer: a
 * cluster-wide cache of every pod would cost far more than the answer is worth), and per
 * namespace the AdmissionDenied Events the denial receiver recorded there. Each tenant is
 * sampled on its own phase of the hour (from its uid), so a thousand tenants spread their
 * lists over the hour instead of sending them all at once. Kept in memory: after a restart the
 * first reconcile samples again, and an unchanged sample changes nothing in status.
 */
/**
 * The first instant after `at` on the tenant's phase of the sampling period: each tenant has
 * its own phase (from its uid), so the samples of many tenants spread over the period.
 */
export function sampleDueAt(uid: string, at: number, everyMs = HOUR_MS): number {
  const phase = Number.parseInt(sha256Hex(uid).slice(0, 8), 16) % everyMs;
  return Math.floor((at - phase) / everyMs) * everyMs + phase + everyMs;
}

export class ActivitySampler {
  private readonly samples = new Map<string, { sample: ActivitySample; namespaces: string }>();
  private readonly client: KubeClient;
  private readonly clock: Clock;
  private readonly everyMs: number;

  constructor(client: KubeClient, clock: Clock, everyMs = HOUR_MS) {
    this.client = client;
    this.clock = clock;
    this.everyMs = everyMs;
  }

  /** The tenant's sample, taken now if it has none for these namespaces or its slot has passed. */
  async sample(uid: string, namespaces: { workload: string[]; all: string[] }): Promise<ActivitySample> {
    const key = JSON.stringify(namespaces);
    const held = this.samples.get(uid);
    if (held && held.namespaces === key && this.clock.now() < this.dueAt(uid, held.sample.at))
      return held.sample;
    const at = this.clock.now();
    const running = await Promise.all(namespaces.workload.map((ns) => this.hasRunningPod(ns)));
    const refusals = await Promise.all(namespaces.all.map((ns) => this.refusalsIn(ns, at)));
    const sample: ActivitySample = {
      at,
      workloadNamespaces: namespaces.workload.length,
      runningNamespaces: running.filter(Boolean).length,
      refusals: refusals.reduce((a, b) => a + b, 0),
    };
    this.samples.set(uid, { sample, namespaces: key });
    return sample;
  }

  /** Milliseconds until the tenant's next sample is due. */
  nextIn(uid: string): number | undefined {
    const held = this.samples.get(uid);
    return held ? Math.max(1_000, this.dueAt(uid, held.sample.at) - this.clock.now()) : undefined;
  }

  forget(uid: string): void {
    this.samples.delete(uid);
  }

  private dueAt(uid: string, at: number): number {
    return sampleDueAt(uid, at, this.everyMs);
  }

  private async hasRunningPod(namespace: string): Promise<boolean> {
    const list = await this.client.list(Builtin.Pod, {
      namespace,
      fieldSelector: 'status.phase=Running',
      limit: 1,
    });
    return list.items.length > 0;
  }

  private async refusalsIn(namespace: string, at: number): Promise<number> {
    const list = await this.client.list<KubeEvent>(Builtin.Event, {
      namespace,
      fieldSelector: 'reason=AdmissionDenied,type=Warning',
      limit: MAX_REFUSAL_EVENTS,
    });
    return list.items.filter((e) => {
      const fromTenantry = (e.reportingComponent || e.source?.component) === 'tenantry';
      const when = Date.parse(e.lastTimestamp ?? e.eventTime ?? e.firstTimestamp ?? '');
      return fromTenantry && when > at - HOUR_MS && when <= at;
    }).length;
  }
}
