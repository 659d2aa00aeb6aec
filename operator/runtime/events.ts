import { randomBytes } from 'node:crypto';
import { type Clock, isoTime } from './clock.ts';
import type { KubeClient } from './kube/client.ts';
import type { KubeObject } from './kube/object.ts';
import { Builtin } from './kube/resource.ts';
import type { Logger } from './log.ts';

export type EventType = 'Normal' | 'Warning';

export interface EventRecorder {
  event(obj: KubeObject, type: EventType, reason: string, message: string): void;
}

/**
 * Records core/v1 Events (what `kubectl describe` shows). The same event for the same object
 * is written once per window rather than once per reconcile, so a repeating failure cannot
 * turn into a stream of writes. Recording never fails a reconcile.
 */
export class KubeEventRecorder implements EventRecorder {
  private readonly recent = new Map<string, number>();
  private readonly client: KubeClient;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly component: string;
  private readonly windowMs: number;
  private readonly fallbackNamespace: string;

  constructor(
    client: KubeClient,
    clock: Clock,
    log: Logger,
    opts: { component?: string; windowMs?: number; namespace?: string } = {},
  ) {
    this.client = client;
    this.clock = clock;
    this.log = log;
    this.component = opts.component ?? 'tenantry';
    this.windowMs = opts.windowMs ?? 10 * 60_000;
    this.fallbackNamespace = opts.namespace ?? 'default';
  }

  event(obj: KubeObject, type: EventType, reason: string, message: string): void {
    const key = `${obj.metadata.uid}|${type}|${reason}|${message}`;
    const now = this.clock.now();
    const last = this.recent.get(key);
    if (last !== undefined && now - last < this.windowMs) return;
    this.recent.set(key, now);
    if (this.recent.size > 10_000) this.prune(now);
    // Events about cluster-scoped objects live in the default namespace, as kubectl expects.
    const namespace = obj.metadata.namespace ?? this.fallbackNamespace;
    const time = isoTime(this.clock);
    const body = {
      metadata: { name: `${obj.metadata.name}.${randomBytes(8).toString('hex')}`, namespace },
      involvedObject: {
        apiVersion: obj.apiVersion,
        kind: obj.kind,
        name: obj.metadata.name,
        namespace: obj.metadata.namespace,
        uid: obj.metadata.uid,
        resourceVersion: obj.metadata.resourceVersion,
      },
      type,
      reason,
      message: message.slice(0, 1024),
      source: { component: this.component },
      reportingComponent: this.component,
      reportingInstance: process.env.HOSTNAME ?? this.component,
      firstTimestamp: time,
      lastTimestamp: time,
      count: 1,
    };
    this.client.create(Builtin.Event, body).catch((e: unknown) => {
      this.log.warn({ err: String(e), reason }, 'could not record event');
    });
  }

  private prune(now: number): void {
    for (const [k, t] of this.recent) if (now - t >= this.windowMs) this.recent.delete(k);
  }
}
