import { type Clock, sleep } from './clock.ts';
import type { KubeClient } from './kube/client.ts';
import { isGone } from './kube/errors.ts';
import type { KubeObject } from './kube/object.ts';
import { keyOf, type ResourceType } from './kube/resource.ts';
import type { Logger } from './log.ts';

export interface EventHandler<T extends KubeObject = KubeObject> {
  onAdd?(obj: T): void;
  /** Also called with old === new on every periodic resync. */
  onUpdate?(oldObj: T, newObj: T): void;
  onDelete?(obj: T): void;
}

export interface InformerOptions {
  namespace?: string | undefined;
  labelSelector?: string | undefined;
  /** Re-deliver every cached object this often, a safety net for missed events. 0 disables. */
  resyncMs?: number;
  /** Upper bound of a single watch; the server ends it and the informer resumes. */
  watchTimeoutSeconds?: number;
  pageSize?: number;
}

/** Read side of an informer's cache. */
export interface Cache<T extends KubeObject = KubeObject> {
  get(key: string): T | undefined;
  list(): T[];
}

const RETRY_BASE_MS = 500;
const RETRY_MAX_MS = 30_000;

/**
 * How long to wait after the given number of list/watch failures in a row: doubling from a
 * second, capped at 30 s, and jittered down by up to half so that every cache of every replica
 * does not come back to a recovering API server at the same instant.
 */
function retryDelayMs(failures: number, random: () => number = Math.random): number {
  const exp = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** Math.min(failures, 16));
  return exp * (0.5 + random() / 2);
}

/**
 * List-then-watch cache of one resource type. Resumes watches from the last seen
 * resourceVersion (bookmarks keep it fresh), relists on 410 Gone, and restarts with backoff
 * after any other error — it never gives up while its signal is live.
 */
export class Informer<T extends KubeObject = KubeObject> implements Cache<T> {
  readonly type: ResourceType;
  private readonly store = new Map<string, T>();
  private readonly handlers: EventHandler<T>[] = [];
  private resourceVersion: string | undefined;
  private synced = false;
  private readonly syncWaiters: Array<() => void> = [];
  private readonly client: KubeClient;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly opts: InformerOptions;
  /** Counts list calls, so tests and metrics can see relist storms. */
  lists = 0;

  constructor(client: KubeClient, type: ResourceType, clock: Clock, log: Logger, opts: InformerOptions = {}) {
    this.client = client;
    this.type = type;
    this.clock = clock;
    this.log = log.child({
      informer: type.plural,
      ...(opts.labelSelector ? { selector: opts.labelSelector } : {}),
    });
    this.opts = opts;
  }

  addHandler(h: EventHandler<T>): void {
    this.handlers.push(h);
    // A handler added late still sees what is already cached, as client-go does.
    if (this.synced) for (const o of this.store.values()) h.onAdd?.(o);
  }

  get(key: string): T | undefined {
    return this.store.get(key);
  }

  list(): T[] {
    return [...this.store.values()];
  }

  hasSynced(): boolean {
    return this.synced;
  }

  waitForSync(signal: AbortSignal): Promise<boolean> {
    if (this.synced) return Promise.resolve(true);
    return new Promise((resolve) => {
      const onAbort = () => resolve(false);
      signal.addEventListener('abort', onAbort, { once: true });
      this.syncWaiters.push(() => {
        signal.removeEventListener('abort', onAbort);
        resolve(true);
      });
    });
  }

  /** Lists and watches until the signal ends. Each run starts from a fresh list. */
  async run(signal: AbortSignal): Promise<void> {
    this.forget();
    const cancelResync = this.scheduleResync(signal);
    // Failures in a row. Only progress (a list that succeeded, a watch that delivered an event)
    // resets it: a watch that merely started proves nothing while the API server is down.
    let failures = 0;
    try {
      while (!signal.aborted) {
        try {
          if (this.resourceVersion === undefined) {
            await this.relist(signal);
            failures = 0;
          }
          await this.client.watch<T>(
            this.type,
            {
              namespace: this.opts.namespace,
              labelSelector: this.opts.labelSelector,
              resourceVersion: this.resourceVersion,
              timeoutSeconds: this.opts.watchTimeoutSeconds ?? 300 + Math.floor(Math.random() * 300),
              signal,
            },
            (e) => {
              failures = 0;
              this.apply(e.type, e.object);
            },
          );
        } catch (e) {
          if (signal.aborted) break;
          if (isGone(e)) {
            this.log.info('watch expired (410 Gone); relisting');
            this.resourceVersion = undefined;
            continue;
          }
          failures++;
          const delay = retryDelayMs(failures);
          this.log.warn({ err: String(e), retryInMs: Math.round(delay) }, 'list/watch failed; retrying');
          await sleep(this.clock, delay, signal);
        }
      }
    } finally {
      cancelResync();
    }
  }

  /**
   * Drops what an earlier run cached: after a term as leader ended, the cache is as old as the
   * time this replica stood by, and a new term should see every object as new (an add), as a
   * restarted process would.
   */
  private forget(): void {
    this.store.clear();
    this.resourceVersion = undefined;
    this.synced = false;
  }

  private async relist(signal: AbortSignal): Promise<void> {
    this.lists++;
    const fresh = new Map<string, T>();
    let cont: string | undefined;
    let rv: string | undefined;
    do {
      if (signal.aborted) return;
      const page = await this.client.list<T>(this.type, {
        namespace: this.opts.namespace,
        labelSelector: this.opts.labelSelector,
        limit: this.opts.pageSize ?? 500,
        ...(cont ? { continue: cont } : {}),
      });
      for (const item of page.items) fresh.set(keyOf(item), item);
      cont = page.metadata.continue || undefined;
      rv = page.metadata.resourceVersion;
    } while (cont);
    for (const [key, old] of this.store) {
      if (!fresh.has(key)) {
        this.store.delete(key);
        for (const h of this.handlers) h.onDelete?.(old);
      }
    }
    for (const [key, obj] of fresh) {
      const old = this.store.get(key);
      this.store.set(key, obj);
      for (const h of this.handlers) {
        if (!old) h.onAdd?.(obj);
        else if (old.metadata.resourceVersion !== obj.metadata.resourceVersion) h.onUpdate?.(old, obj);
      }
    }
    this.resourceVersion = rv;
    if (!this.synced) {
      this.synced = true;
      for (const w of this.syncWaiters.splice(0)) w();
    }
  }

  private apply(type: string, obj: T): void {
    const rv = obj.metadata?.resourceVersion;
    if (type === 'BOOKMARK') {
      if (rv) this.resourceVersion = rv;
      return;
    }
    const key = keyOf(obj);
    const old = this.store.get(key);
    if (type === 'DELETED') {
      this.store.delete(key);
      for (const h of this.handlers) h.onDelete?.(obj);
    } else {
      this.store.set(key, obj);
      for (const h of this.handlers) {
        if (old) h.onUpdate?.(old, obj);
        else h.onAdd?.(obj);
      }
    }
    if (rv) this.resourceVersion = rv;
  }

  private scheduleResync(signal: AbortSignal): () => void {
    const every = this.opts.resyncMs ?? 0;
    if (every <= 0) return () => {};
    let cancel = () => {};
    const tick = () => {
      if (signal.aborted) return;
      if (this.synced) for (const o of this.store.values()) for (const h of this.handlers) h.onUpdate?.(o, o);
      cancel = this.clock.setTimer(every, tick);
    };
    cancel = this.clock.setTimer(every, tick);
    return () => cancel();
  }
}
