import type { Clock } from './clock.ts';
import { type ControllerDefinition, ControllerRunner, ownerKeys } from './controller.ts';
import { Informer } from './informer.ts';
import type { KubeClient } from './kube/client.ts';
import type { KubeObject } from './kube/object.ts';
import { keyOf, type ResourceType } from './kube/resource.ts';
import { type LeaderElectionConfig, LeaderElector } from './leader.ts';
import type { Logger } from './log.ts';
import type { RuntimeMetrics } from './metrics.ts';

export interface ManagerOptions {
  client: KubeClient;
  clock: Clock;
  log: Logger;
  metrics: RuntimeMetrics;
  /** Omit to run without leader election (a single replica, or tests). */
  leaderElection?: LeaderElectionConfig | undefined;
  /**
   * End start() with a LostLeadershipError when the lease is lost, for supervisors that would
   * rather restart the process. By default the replica steps down and campaigns again.
   */
  exitOnLostLeadership?: boolean | undefined;
  /** Periodic re-delivery of every primary object; a safety net, not the main trigger. */
  resyncMs?: number;
  cacheSyncTimeoutMs?: number;
}

export class LostLeadershipError extends Error {
  override readonly name = 'LostLeadershipError';
}

/** A controller and the runner of the current term (each term starts with an empty queue). */
interface Registered {
  def: ControllerDefinition;
  runner: ControllerRunner;
}

/**
 * Owns the shared informers and the controllers. With leader election, informers and
 * workers run only while this replica leads. When the lease is lost, the term ends: the
 * workers and informers stop, and the replica campaigns again; a new term starts from fresh
 * lists and empty queues, as a restarted process would (or start() ends with a
 * LostLeadershipError, with exitOnLostLeadership).
 */
export class Manager {
  private readonly informers = new Map<string, Informer>();
  private readonly controllers: Registered[] = [];
  private readonly opts: ManagerOptions;
  private started = false;
  private synced = false;

  constructor(opts: ManagerOptions) {
    this.opts = opts;
  }

  /** A shared informer for the type and selector; created on first use. */
  informer<T extends KubeObject>(type: ResourceType<T>, labelSelector?: string): Informer<T> {
    const id = `${type.group}/${type.version}/${type.plural}?${labelSelector ?? ''}`;
    let inf = this.informers.get(id);
    if (!inf) {
      inf = new Informer(this.opts.client, type, this.opts.clock, this.opts.log, { labelSelector });
      this.informers.set(id, inf);
    }
    return inf as unknown as Informer<T>;
  }

  add(def: ControllerDefinition): void {
    if (this.started) throw new Error('controllers must be added before start()');
    const c: Registered = { def, runner: this.newRunner(def) };
    // Through c, so events reach the queue of whichever term is running.
    const enqueue = (keys: string[]) => {
      for (const k of keys) c.runner.enqueue(k);
    };
    const primary = this.informer(def.for, def.forSelector);
    primary.addHandler({
      onAdd: (o) => enqueue([keyOf(o)]),
      onUpdate: (a, b) => {
        if (primaryChanged(a, b)) enqueue([keyOf(b)]);
      },
      onDelete: (o) => enqueue([keyOf(o)]),
    });
    for (const owned of def.owns ?? []) {
      const map = (o: KubeObject) => ownerKeys(def.for, o);
      this.informer(owned.type, owned.labelSelector).addHandler(handlerFor(map, enqueue));
    }
    for (const w of def.watches ?? []) {
      this.informer(w.type, w.labelSelector).addHandler(handlerFor((o) => w.map(o), enqueue));
    }
    this.controllers.push(c);
  }

  private newRunner(def: ControllerDefinition): ControllerRunner {
    return new ControllerRunner(def, this.opts.clock, this.opts.log, this.opts.metrics);
  }

  /** True once every cache has synced (or while standing by for leadership). */
  ready(): boolean {
    return this.synced || (this.started && this.opts.leaderElection !== undefined && !this.leading);
  }

  private leading = false;

  async start(signal: AbortSignal): Promise<void> {
    this.started = true;
    const le = this.opts.leaderElection;
    if (!le) {
      await this.runControllers(signal);
      return;
    }
    const elector = new LeaderElector(this.opts.client, this.opts.clock, this.opts.log, le);
    const lease = `${le.namespace}/${le.name}`;
    for (;;) {
      const outcome = await this.term(elector, le.name, signal);
      if (outcome === 'stopped') return;
      const lost = `lost the leader lease ${lease}: it could not be renewed within the renew deadline`;
      if (this.opts.exitOnLostLeadership) throw new LostLeadershipError(lost);
      this.opts.log.warn({ lease }, `${lost}; stopped the controllers, campaigning again`);
    }
  }

  /** Campaigns, leads until the lease is lost or the signal ends, and returns once the term's controllers have stopped. */
  /**
   * One term of leadership. Controllers that fail to start (caches that never sync: missing
   * RBAC or CRDs) end the term: the lease is released for another replica and the failure is
   * returned, rather than holding the lease with nothing running.
   */
  private async term(elector: LeaderElector, name: string, signal: AbortSignal): Promise<'lost' | 'stopped'> {
    let running: Promise<void> = Promise.resolve();
    let failure: unknown;
    const term = new AbortController();
    const outcome = await elector.run(AbortSignal.any([signal, term.signal]), (leading) => {
      this.leading = true;
      this.opts.metrics.leader.set({ name }, 1);
      running = this.runControllers(leading).catch((e: unknown) => {
        failure = e;
        term.abort();
      });
    });
    this.leading = false;
    this.opts.metrics.leader.set({ name }, 0);
    await running;
    if (failure !== undefined) throw failure;
    return outcome;
  }

  /**
   * Runs every informer until the signal ends and waits for their caches to sync; throws when
   * they do not in time. Controllers' workers are not started: tests that reconcile by hand
   * use this directly. Returns the informers' runs.
   */
  async runCaches(signal: AbortSignal): Promise<Array<Promise<void>>> {
    const informerRuns = [...this.informers.values()].map((i) => i.run(signal));
    const timeout = AbortSignal.timeout(this.opts.cacheSyncTimeoutMs ?? 120_000);
    const both = AbortSignal.any([signal, timeout]);
    const ok = await Promise.all([...this.informers.values()].map((i) => i.waitForSync(both)));
    if (!signal.aborted && !ok.every(Boolean)) {
      const missing = [...this.informers.values()].filter((i) => !i.hasSynced()).map((i) => i.type.plural);
      throw new Error(
        `caches did not sync in time: ${missing.join(', ')} (check RBAC and CRDs are installed)`,
      );
    }
    return informerRuns;
  }

  private async runControllers(signal: AbortSignal): Promise<void> {
    const log = this.opts.log;
    // Fresh queues and backoffs: what an earlier term left queued is refilled by the relists.
    for (const c of this.controllers) c.runner = this.newRunner(c.def);
    const informerRuns = await this.runCaches(signal);
    if (signal.aborted) {
      await Promise.all(informerRuns);
      return;
    }
    this.synced = true;
    log.info(
      { informers: this.informers.size, controllers: this.controllers.length },
      'caches synced; starting workers',
    );
    const resync = this.scheduleResync(signal);
    try {
      await Promise.all([...this.controllers.map((c) => c.runner.run(signal)), ...informerRuns]);
    } finally {
      resync();
      this.synced = false;
    }
  }

  /** Periodically re-enqueues every primary object: missed events cannot strand an object. */
  private scheduleResync(signal: AbortSignal): () => void {
    const every = this.opts.resyncMs ?? 10 * 60_000;
    if (every <= 0) return () => {};
    let cancel = () => {};
    const tick = () => {
      if (signal.aborted) return;
      for (const { def, runner } of this.controllers)
        runner.enqueueAll(this.informer(def.for, def.forSelector));
      cancel = this.opts.clock.setTimer(every, tick);
    };
    cancel = this.opts.clock.setTimer(every, tick);
    return () => cancel();
  }
}

/**
 * Whether an update of a primary object is worth a reconcile: a resync (the same object), a new
 * generation (spec), or a change of the metadata reconciles act on (deletion, finalizers,
 * labels, annotations). Status-only writes, including the reconcile's own, leave generation
 * alone and so cost no second reconcile.
 */
export function primaryChanged(a: KubeObject, b: KubeObject): boolean {
  return a === b || a.metadata.generation !== b.metadata.generation || metaChanged(a, b);
}

function metaChanged(a: KubeObject, b: KubeObject): boolean {
  const pick = (o: KubeObject) =>
    JSON.stringify([
      o.metadata.deletionTimestamp,
      o.metadata.finalizers,
      o.metadata.labels,
      o.metadata.annotations,
    ]);
  return pick(a) !== pick(b);
}

/**
 * Handler of a secondary informer: the keys its mapper gives, before and after the change (an
 * object moving from one owner to another wakes both). Resyncs of unchanged objects map to
 * nothing: the primary resync already covers every key.
 */
export function handlerFor(map: (o: KubeObject) => string[], enqueue: (keys: string[]) => void) {
  return {
    onAdd: (o: KubeObject) => enqueue(map(o)),
    onUpdate: (a: KubeObject, b: KubeObject) => {
      if (a.metadata.resourceVersion !== b.metadata.resourceVersion)
        enqueue([...new Set([...map(a), ...map(b)])]);
    },
    onDelete: (o: KubeObject) => enqueue(map(o)),
  };
}
