import type { Clock } from './clock.ts';
import type { Cache } from './informer.ts';
import type { KubeObject } from './kube/object.ts';
import { keyOf, objectKey, parseKey, type ResourceType } from './kube/resource.ts';
import type { Logger } from './log.ts';
import type { RuntimeMetrics } from './metrics.ts';
import { WorkQueue } from './queue.ts';
import { defaultRateLimiter } from './ratelimit.ts';
import { TerminalError } from './reconcile/errors.ts';

/** What a reconcile is asked to look at: a name, never an event. */
export interface Request {
  key: string;
  namespace?: string;
  name: string;
}

export interface Result {
  /** Look again after this long even if nothing changes. */
  requeueAfterMs?: number;
}

export { TerminalError } from './reconcile/errors.ts';

export interface ReconcileContext {
  signal: AbortSignal;
  log: Logger;
}

export interface Reconciler {
  reconcile(req: Request, ctx: ReconcileContext): Promise<Result | undefined>;
}

export interface Watch<T extends KubeObject = KubeObject> {
  type: ResourceType<T>;
  labelSelector?: string;
  /** Keys of the primary objects to reconcile when this object changes. */
  map(obj: T): string[];
}

/** A watch whose mapper sees the watched type (`watch(EntitlementResource, (e) => [...])`). */
export function watch<T extends KubeObject>(
  type: ResourceType<T>,
  map: (obj: T) => string[],
  labelSelector?: string,
): Watch<T> {
  return { type, map, ...(labelSelector ? { labelSelector } : {}) };
}

/**
 * The wiring of a controller, declared apart from its logic: the primary type it
 * reconciles, the types it owns (mapped back through controller owner references) and
 * other watched types with their mappers.
 */
export interface ControllerDefinition {
  name: string;
  for: ResourceType;
  /** Shards or filters the primary objects, e.g. `tenantry.dev/shard=a`. */
  forSelector?: string;
  owns?: Array<{ type: ResourceType; labelSelector?: string }>;
  watches?: Watch[];
  concurrency?: number;
  reconciler: Reconciler;
}

/** Maps an owned object to its controller owner's key when the owner is of the given type. */
export function ownerKeys(owner: ResourceType, obj: KubeObject): string[] {
  const ref = obj.metadata.ownerReferences?.find(
    (r) => r.controller && r.kind === owner.kind && r.apiVersion.split('/')[0] === (owner.group || 'v1'),
  );
  if (!ref) return [];
  return [objectKey(owner.namespaced ? obj.metadata.namespace : undefined, ref.name)];
}

/** Runs one controller's workers over its queue. */
export class ControllerRunner {
  readonly def: ControllerDefinition;
  readonly queue: WorkQueue;
  private readonly log: Logger;
  private readonly metrics: RuntimeMetrics;
  private readonly clock: Clock;

  constructor(def: ControllerDefinition, clock: Clock, log: Logger, metrics: RuntimeMetrics) {
    this.def = def;
    this.clock = clock;
    this.log = log.child({ controller: def.name });
    this.metrics = metrics;
    this.queue = new WorkQueue(clock, defaultRateLimiter(clock), metrics.queue(def.name));
  }

  enqueue(key: string): void {
    this.queue.add(key);
  }

  /** Enqueues everything in the primary cache, e.g. after caches sync. */
  enqueueAll(cache: Cache): void {
    for (const o of cache.list()) this.enqueue(keyOf(o));
  }

  async run(signal: AbortSignal): Promise<void> {
    const n = this.def.concurrency ?? 1;
    this.metrics.maxConcurrent.set({ controller: this.def.name }, n);
    this.metrics.initController(this.def.name);
    signal.addEventListener('abort', () => this.queue.shutDown(), { once: true });
    await Promise.all(Array.from({ length: n }, () => this.worker(signal)));
  }

  private async worker(signal: AbortSignal): Promise<void> {
    for (;;) {
      const key = await this.queue.get();
      if (key === undefined) return;
      // Stopped (shut down, or leadership lost): what is still queued is the next leader's.
      if (signal.aborted) {
        this.queue.done(key);
        return;
      }
      try {
        await this.process(key, signal);
      } finally {
        this.queue.done(key);
      }
    }
  }

  private async process(key: string, signal: AbortSignal): Promise<void> {
    const controller = this.def.name;
    const log = this.log.child({ key });
    const start = this.clock.now();
    this.metrics.activeWorkers.inc({ controller });
    try {
      const result = await this.def.reconciler.reconcile({ key, ...parseKey(key) }, { signal, log });
      this.queue.forget(key);
      if (result?.requeueAfterMs !== undefined && result.requeueAfterMs >= 0) {
        this.queue.addAfter(key, result.requeueAfterMs);
        this.metrics.reconcileTotal.inc({ controller, result: 'requeue_after' });
      } else {
        this.metrics.reconcileTotal.inc({ controller, result: 'success' });
      }
    } catch (e) {
      this.metrics.reconcileErrors.inc({ controller });
      this.metrics.reconcileTotal.inc({ controller, result: 'error' });
      if (e instanceof TerminalError) {
        this.metrics.terminalErrors.inc({ controller });
        this.queue.forget(key);
        log.error({ err: e.message }, 'reconcile failed permanently; waiting for a change');
      } else if (!signal.aborted) {
        log.warn(
          { err: e instanceof Error ? e.message : String(e), retries: this.queue.retries(key) },
          'reconcile failed; retrying',
        );
        this.queue.addRateLimited(key);
      }
    } finally {
      this.metrics.activeWorkers.dec({ controller });
      const seconds = (this.clock.now() - start) / 1000;
      this.metrics.reconcileTime.observe({ controller }, seconds);
      this.metrics.workDuration.observe({ name: controller, controller }, seconds);
    }
  }
}
