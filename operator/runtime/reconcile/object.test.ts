import { describe, expect, it } from 'vitest';
import type { KubeClient } from '../kube/client.ts';
import type { Condition } from '../kube/meta.ts';
import type { KubeObject } from '../kube/object.ts';
import { Builtin } from '../kube/resource.ts';
import { FakeClock } from '../testing/fake-clock.ts';
import type { StatusDraft } from './draft.ts';
import { TerminalError } from './errors.ts';
import { type Finalized, type ObjectReconciler, objectReconciler } from './object.ts';

// The contract's bookkeeping on an in-memory API: what it writes, when, and what it returns.
// test/integration/reconcile-contract.test.ts runs the same paths against the real API server.

interface Status {
  observedGeneration?: number;
  conditions?: Condition[];
  pool?: string[];
}
type Obj = KubeObject & { status?: Status };

const FINALIZER = 'test.tenantry.dev/f';

/** An API that applies merge patches of metadata and status to one object, bumping its resourceVersion. */
function fakeApi(initial: Obj) {
  let stored = structuredClone(initial);
  const writes: string[] = [];
  const client = {
    patch: async (
      _t: unknown,
      _n: string,
      _ns: unknown,
      body: Obj,
      _pt: string,
      opts: { subresource?: string } = {},
    ) => {
      writes.push(opts.subresource ? 'status' : 'metadata');
      const rv = String(Number(stored.metadata.resourceVersion) + 1);
      stored = opts.subresource
        ? { ...stored, status: body.status as Status, metadata: { ...stored.metadata, resourceVersion: rv } }
        : { ...stored, metadata: { ...stored.metadata, ...body.metadata, resourceVersion: rv } };
      return structuredClone(stored);
    },
  } as unknown as KubeClient;
  return { client, writes, stored: () => stored };
}

function setup(
  initial: Obj,
  live: (obj: Obj, draft: StatusDraft<Status>) => Promise<void>,
  finalize?: () => Promise<Finalized>,
) {
  const api = fakeApi(initial);
  // The informer's copy: updated only when a test says the watch delivered.
  let cached: Obj | undefined = structuredClone(initial);
  const r: ObjectReconciler<Obj, Status> = {
    finalizer: FINALIZER,
    reconcile: live,
    ...(finalize ? { finalize } : {}),
  };
  const reconciler = objectReconciler(
    {
      type: Builtin.ConfigMap,
      cache: { get: () => cached, list: () => (cached ? [cached] : []) },
      client: api.client,
      clock: new FakeClock(),
    },
    r,
  );
  const once = () =>
    reconciler.reconcile(
      { key: 'ns/x', namespace: 'ns', name: 'x' },
      { signal: new AbortController().signal, log: undefined as never },
    );
  const deliver = () => {
    cached = structuredClone(api.stored());
  };
  return { api, once, deliver, setCache: (o: Obj | undefined) => (cached = o) };
}

const base: Obj = {
  metadata: { name: 'x', namespace: 'ns', resourceVersion: '1', generation: 1, finalizers: [FINALIZER] },
};
const pool = async (_o: Obj, draft: StatusDraft<Status>) => {
  draft.apply({ status: { pool: ['n1'] }, requeueAfterMs: 60_000 });
};

describe('objectReconciler', () => {
  it('writes the status once, and not again when the next pass comes before the watch delivered it', async () => {
    const t = setup(base, pool);
    expect(await t.once()).toEqual({ requeueAfterMs: 60_000 });
    expect(t.api.writes).toEqual(['status']);
    await t.once(); // the cache still holds resourceVersion 1, without the status
    expect(t.api.writes).toEqual(['status']);
    t.deliver();
    await t.once();
    expect(t.api.writes).toEqual(['status']);
    expect(t.api.stored().status).toEqual({ pool: ['n1'], observedGeneration: 1 });
  });

  it('adds its finalizer before the live path, and does nothing for an object that is gone', async () => {
    const t = setup({ ...base, metadata: { ...base.metadata, finalizers: [] } }, pool);
    await t.once();
    expect(t.api.writes).toEqual(['metadata', 'status']);
    expect(t.api.stored().metadata.finalizers).toEqual([FINALIZER]);
    t.setCache(undefined);
    expect(await t.once()).toBeUndefined();
    expect(t.api.writes).toHaveLength(2);
  });

  it('keeps the finalizer while cleanup needs time, then removes it; without it there is nothing to do', async () => {
    const answers: Finalized[] = [{ requeueAfterMs: 2_000 }, 'done'];
    let live = 0;
    const deleting = { ...base, metadata: { ...base.metadata, deletionTimestamp: '2026-12-01T00:00:00Z' } };
    const t = setup(
      deleting,
      async () => void live++,
      async () => answers.shift() ?? 'done',
    );
    expect(await t.once()).toEqual({ requeueAfterMs: 2_000 });
    expect(t.api.writes).toEqual([]);
    expect(await t.once()).toBeUndefined();
    expect(t.api.stored().metadata.finalizers).toEqual([]);
    t.deliver();
    await t.once();
    expect(t.api.writes).toEqual(['metadata']);
    expect(live).toBe(0);
  });

  it('writes what the parts found before reporting a failure, so a retry starts from it', async () => {
    const t = setup(base, async (_o, draft) => {
      draft.apply({ status: { pool: ['n1'] } });
      await draft.step('archive', () => Promise.reject(new Error('bucket unreachable')));
    });
    await expect(t.once()).rejects.toThrow('bucket unreachable');
    expect(t.api.stored().status?.pool).toEqual(['n1']);
  });

  it('marks the object Stalled for a TerminalError and rethrows it for the runner (no retry)', async () => {
    const t = setup(base, async () => {
      throw new TerminalError('spec.pool is empty', { reason: 'EmptyPool' });
    });
    await expect(t.once()).rejects.toBeInstanceOf(TerminalError);
    const stalled = t.api.stored().status?.conditions?.find((c) => c.type === 'Stalled');
    expect(stalled).toMatchObject({ status: 'True', reason: 'EmptyPool', message: 'spec.pool is empty' });
  });

  it('says what a deletion waits for: Ready=False reason Deleting', async () => {
    const deleting = { ...base, metadata: { ...base.metadata, deletionTimestamp: '2026-12-01T00:00:00Z' } };
    const t = setup(deleting, pool, async () => ({
      requeueAfterMs: 5_000,
      waitingFor: 'waiting for namespaces a, b to be deleted',
    }));
    expect(await t.once()).toEqual({ requeueAfterMs: 5_000 });
    expect(t.api.stored().status?.conditions?.find((c) => c.type === 'Ready')).toMatchObject({
      status: 'False',
      reason: 'Deleting',
      message: 'waiting for namespaces a, b to be deleted',
    });
  });
});
