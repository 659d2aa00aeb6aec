import { applyStatus, deepEqual } from '../apply.ts';
import type { Clock } from '../clock.ts';
import type { ReconcileContext, Reconciler, Request, Result } from '../controller.ts';
import type { EventRecorder } from '../events.ts';
import { ensureFinalizer, hasFinalizer, removeFinalizer } from '../finalizer.ts';
import type { Cache } from '../informer.ts';
import type { KubeClient } from '../kube/client.ts';
import type { KubeObject } from '../kube/object.ts';
import type { ResourceType } from '../kube/resource.ts';
import { StatusDraft } from './draft.ts';
import { messageOf, TerminalError } from './errors.ts';
import type { ObjectStatus } from './outcome.ts';

/**
 * The deletion path's verdict: done lets the object go (the finalizer comes off); otherwise
 * look again, and say what the deletion waits for (Ready=False reason Deleting).
 */
export type Finalized = 'done' | { requeueAfterMs: number; waitingFor?: string };

/**
 * What a controller writes for its kind; the runtime does the rest (see `objectReconciler`).
 * Both paths must be idempotent: either may run again after a crash or a conflict.
 */
export interface ObjectReconciler<T extends KubeObject & { status?: S }, S extends ObjectStatus> {
  /** Guards `finalize`: added before the live path runs, removed once it says done. */
  readonly finalizer?: string;
  /** The live path: sub-reconcilers on the object, their outcomes merged into the draft. */
  reconcile(obj: T, draft: StatusDraft<S>, ctx: ReconcileContext): Promise<void>;
  /** The deletion path, while the finalizer is on: undo what the live path made. */
  finalize?(obj: T, ctx: ReconcileContext): Promise<Finalized>;
  /** After a status write that changed something: Events and metrics about the change. */
  statusChanged?(obj: T, next: S): void;
}

export interface ObjectReconcilerDeps<T extends KubeObject> {
  type: ResourceType<T>;
  /** The primary informer's cache: reconciles read from it, never from the API server. */
  cache: Cache<T>;
  client: KubeClient;
  clock: Clock;
  /** Failures become Warning Events on the object (what `kubectl describe` shows). */
  recorder?: EventRecorder;
}

/**
 * The reconcile contract every controller shares, in the shape of kube-rs's `finalizer()` and
 * Karpenter's sub-reconcilers: read the object from the cache and copy it (the cache is
 * shared), take the deletion path or make sure of the finalizer, run the live path on a status
 * draft, write the status once and only when it changed (an idle operator writes nothing),
 * then report failures (a TerminalError marks the object Stalled and is not retried) or the
 * shortest requeue.
 */
export function objectReconciler<T extends KubeObject & { status?: S }, S extends ObjectStatus>(
  deps: ObjectReconcilerDeps<T>,
  r: ObjectReconciler<T, S>,
): Reconciler {
  const written = new WrittenObjects<T>();
  return {
    async reconcile(req: Request, ctx: ReconcileContext): Promise<Result | undefined> {
      const cached = written.freshest(req.key, deps.cache.get(req.key));
      if (!cached) return undefined;
      const obj = structuredClone(cached);
      if (obj.metadata.deletionTimestamp) return finalizeObject(deps, r, obj, ctx);
      if (r.finalizer) await ensureFinalizer(deps.client, deps.type, obj, r.finalizer);
      const draft = new StatusDraft<S>(obj.status, obj.metadata.generation, deps.clock);
      try {
        await r.reconcile(obj, draft, ctx);
      } catch (e) {
        draft.fail('reconcile', e);
      }
      const next = draft.result();
      if (!deepEqual(next, obj.status ?? {})) {
        written.remember(req.key, await applyStatus<T>(deps.client, deps.type, obj, next));
        r.statusChanged?.(obj, next);
      }
      const error = draft.error();
      if (error) {
        const reason = error instanceof TerminalError ? error.reason : 'ReconcileError';
        deps.recorder?.event(obj, 'Warning', reason, messageOf(error));
        throw error;
      }
      const wait = draft.requeueAfterMs();
      return wait === undefined ? undefined : { requeueAfterMs: wait };
    },
  };
}

async function finalizeObject<T extends KubeObject & { status?: S }, S extends ObjectStatus>(
  deps: ObjectReconcilerDeps<T>,
  r: ObjectReconciler<T, S>,
  obj: T,
  ctx: ReconcileContext,
): Promise<Result | undefined> {
  if (!r.finalizer || !hasFinalizer(obj, r.finalizer)) return undefined;
  const verdict = r.finalize ? await r.finalize(obj, ctx) : 'done';
  if (verdict !== 'done') {
    if (verdict.waitingFor) await sayWhatDeletionWaitsFor(deps, obj, verdict.waitingFor);
    return { requeueAfterMs: verdict.requeueAfterMs };
  }
  await removeFinalizer(deps.client, deps.type, obj, r.finalizer);
  return undefined;
}

async function sayWhatDeletionWaitsFor<T extends KubeObject & { status?: S }, S extends ObjectStatus>(
  deps: ObjectReconcilerDeps<T>,
  obj: T,
  waitingFor: string,
): Promise<void> {
  const draft = new StatusDraft<S>(obj.status, obj.metadata.generation, deps.clock);
  draft.deleting(waitingFor);
  const next = draft.result();
  if (!deepEqual(next, obj.status ?? {})) await applyStatus(deps.client, deps.type, obj, next);
}

/**
 * The objects our own status writes returned, until the cache has caught up with them. Our
 * status writes don't trigger a reconcile, but something else may (an owned object, a
 * requeue) before the watch has delivered the write: a reconcile of the stale copy would
 * compute the status again from the old one and write it a second time (a new readyAt, a
 * second Onboarded Event). client-go's MutationCache does the same for the same reason.
 */
class WrittenObjects<T extends KubeObject> {
  private readonly byKey = new Map<string, T>();

  remember(key: string, obj: T): void {
    this.byKey.set(key, obj);
  }

  /** The newer of the cached object and the one we wrote; undefined once the object is gone. */
  freshest(key: string, cached: T | undefined): T | undefined {
    const mine = this.byKey.get(key);
    if (!cached || !mine || !isNewer(mine, cached)) {
      this.byKey.delete(key);
      return cached;
    }
    return mine;
  }
}

/** resourceVersions are opaque, but etcd's are integers; anything else counts as not newer. */
function isNewer(a: KubeObject, b: KubeObject): boolean {
  try {
    return BigInt(a.metadata.resourceVersion ?? '') > BigInt(b.metadata.resourceVersion ?? '');
  } catch {
    return false;
  }
}
