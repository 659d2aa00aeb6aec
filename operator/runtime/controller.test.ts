import { describe, expect, it } from 'vitest';
import {
  type ControllerDefinition,
  ControllerRunner,
  ownerKeys,
  type Reconciler,
  TerminalError,
} from './controller.ts';
import { Builtin } from './kube/resource.ts';
import { silentLogger } from './log.ts';
import { RuntimeMetrics } from './metrics.ts';
import { FakeClock } from './testing/fake-clock.ts';

type Script = (key: string, call: number) => Promise<{ requeueAfterMs?: number } | undefined>;

/** A runner over a reconciler that follows the script; calls says what it was asked, in order. */
function runner(script: Script) {
  const clock = new FakeClock();
  const metrics = new RuntimeMetrics(undefined, { defaultMetrics: false });
  const calls: string[] = [];
  const waiters: Array<() => void> = [];
  const reconciler: Reconciler = {
    reconcile: (req) => {
      calls.push(req.key);
      const n = calls.length;
      queueMicrotask(() => {
        for (const w of waiters.splice(0)) w();
      });
      return script(req.key, n);
    },
  };
  const def: ControllerDefinition = { name: 'test', for: Builtin.ConfigMap, reconciler };
  const r = new ControllerRunner(def, clock, silentLogger, metrics);
  const stop = new AbortController();
  const running = r.run(stop.signal);
  /** Resolves once the runner has finished handling the n-th reconcile. */
  const handled = async (n: number) => {
    while (calls.length < n) await new Promise<void>((resolve) => waiters.push(resolve));
    // The worker's bookkeeping after the reconcile runs on later microtasks.
    for (let i = 0; i < 10; i++) await Promise.resolve();
  };
  const count = async (result: string) =>
    (await metrics.reconcileTotal.get()).values.find((v) => v.labels.result === result)?.value ?? 0;
  const close = async () => {
    stop.abort();
    await running;
  };
  return { r, clock, calls, handled, count, metrics, close };
}

describe('ControllerRunner', () => {
  it('forgets the backoff of a key that succeeds and does not look again on its own', async () => {
    const t = runner(async () => undefined);
    t.r.enqueue('ns/a');
    await t.handled(1);
    expect(t.r.queue.retries('ns/a')).toBe(0);
    expect(t.clock.pendingTimers()).toBe(0);
    expect(await t.count('success')).toBe(1);
    await t.close();
  });

  it('looks again after requeueAfterMs, and not before', async () => {
    const t = runner(async (_k, n) => (n === 1 ? { requeueAfterMs: 30_000 } : undefined));
    t.r.enqueue('a');
    await t.handled(1);
    t.clock.advance(29_999);
    expect(t.calls).toEqual(['a']);
    t.clock.advance(1);
    await t.handled(2);
    expect(t.calls).toEqual(['a', 'a']);
    expect(await t.count('requeue_after')).toBe(1);
    await t.close();
  });

  it('retries an error with per-key backoff that grows, and forgets it once the key succeeds', async () => {
    const t = runner(async (_k, n) => {
      if (n <= 2) throw new Error('API server unavailable');
      return undefined;
    });
    t.r.enqueue('a');
    await t.handled(1);
    expect(t.r.queue.retries('a')).toBe(1);
    t.clock.advance(5); // first backoff: 5 ms
    await t.handled(2);
    expect(t.r.queue.retries('a')).toBe(2);
    t.clock.advance(5);
    expect(t.calls).toHaveLength(2); // the second backoff is longer
    t.clock.advance(5);
    await t.handled(3);
    expect(t.r.queue.retries('a')).toBe(0);
    expect(await t.count('error')).toBe(2);
    await t.close();
  });

  it('records a TerminalError and does not retry it: the next change brings the key back', async () => {
    const t = runner(async (_k, n) => {
      if (n === 1) throw new TerminalError('spec.x is wrong', { reason: 'InvalidSpec' });
      return undefined;
    });
    t.r.enqueue('a');
    await t.handled(1);
    expect(t.r.queue.retries('a')).toBe(0);
    expect(t.clock.pendingTimers()).toBe(0);
    expect((await t.metrics.terminalErrors.get()).values[0]?.value).toBe(1);
    t.clock.advance(3_600_000);
    expect(t.calls).toEqual(['a']);
    t.r.enqueue('a');
    await t.handled(2);
    expect(t.calls).toEqual(['a', 'a']);
    await t.close();
  });

  it('survives a reconcile that throws synchronously or throws a non-Error, and keeps working', async () => {
    const t = runner((key) => {
      if (key === 'sync') throw new Error('thrown before any promise');
      if (key === 'odd') return Promise.reject('a string, not an Error');
      return Promise.resolve(undefined);
    });
    t.r.enqueue('sync');
    t.r.enqueue('odd');
    t.r.enqueue('fine');
    await t.handled(3);
    expect(t.calls).toEqual(['sync', 'odd', 'fine']);
    expect(t.r.queue.retries('sync')).toBe(1);
    expect(t.r.queue.retries('odd')).toBe(1);
    expect(await t.count('success')).toBe(1);
    await t.close();
  });

  it('never hands one key to two workers: an add while it is reconciled waits until it is done', async () => {
    let release = () => {};
    const t = runner(async (_k, n) => {
      if (n === 1) await new Promise<void>((resolve) => (release = resolve));
      return undefined;
    });
    t.r.enqueue('a');
    await t.handled(1);
    t.r.enqueue('a');
    for (let i = 0; i < 10; i++) await Promise.resolve();
    expect(t.calls).toEqual(['a']);
    release();
    await t.handled(2);
    expect(t.calls).toEqual(['a', 'a']);
    await t.close();
  });
});

describe('ControllerRunner, stopped', () => {
  it('leaves what is still queued to the next leader instead of working it off', async () => {
    let release = () => {};
    const t = runner(async (_k, n) => {
      if (n === 1) await new Promise<void>((resolve) => (release = resolve));
      return undefined;
    });
    t.r.enqueue('a');
    await t.handled(1);
    t.r.enqueue('b');
    t.r.enqueue('c');
    const closing = t.close();
    release();
    await closing;
    expect(t.calls).toEqual(['a']);
  });
});

describe('ownerKeys', () => {
  const owned = (ref: object, namespace?: string) => ({
    metadata: { name: 'x', ...(namespace ? { namespace } : {}), ownerReferences: [ref as never] },
  });
  it('maps an owned object to its controller owner of the given type', () => {
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: 'u', controller: true };
    expect(ownerKeys(Builtin.ConfigMap, owned(ref, 'ns'))).toEqual(['ns/owner']);
    expect(ownerKeys(Builtin.Namespace, owned({ ...ref, kind: 'Namespace' }, 'ns'))).toEqual(['owner']);
  });
  it('ignores owners that are not the controller or of another kind', () => {
    const ref = { apiVersion: 'v1', kind: 'ConfigMap', name: 'owner', uid: 'u' };
    expect(ownerKeys(Builtin.ConfigMap, owned(ref, 'ns'))).toEqual([]);
    expect(ownerKeys(Builtin.Secret, owned({ ...ref, controller: true }, 'ns'))).toEqual([]);
  });
});
