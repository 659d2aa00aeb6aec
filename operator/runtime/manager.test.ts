import { describe, expect, it } from 'vitest';
import type { KubeObject } from './kube/object.ts';
import { handlerFor, primaryChanged } from './manager.ts';

const obj = (meta: Partial<KubeObject['metadata']>): KubeObject => ({
  metadata: { name: 't', resourceVersion: '1', generation: 1, ...meta },
});

describe('primaryChanged (which updates of a primary object reconcile it)', () => {
  it('skips status-only writes, including the reconcile own: same generation, same metadata', () => {
    expect(primaryChanged(obj({}), obj({ resourceVersion: '2' }))).toBe(false);
  });
  it('reconciles a spec change (new generation)', () => {
    expect(primaryChanged(obj({}), obj({ resourceVersion: '2', generation: 2 }))).toBe(true);
  });
  it('reconciles deletion, finalizer, label and annotation changes, which leave generation alone', () => {
    const before = obj({});
    for (const change of [
      { deletionTimestamp: '2026-12-01T00:00:00Z' },
      { finalizers: ['tenantry.dev/tenant-cleanup'] },
      { labels: { shard: 'a' } },
      { annotations: { 'tenantry.dev/approved-by': 'alice' } },
    ]) {
      expect(primaryChanged(before, obj({ resourceVersion: '2', ...change }))).toBe(true);
    }
  });
  it('reconciles on a resync (the informer hands the same object twice)', () => {
    const o = obj({});
    expect(primaryChanged(o, o)).toBe(true);
  });
});

describe('handlerFor (secondary informers)', () => {
  const record = () => {
    const keys: string[][] = [];
    const owner = (o: KubeObject) => [o.metadata.labels?.owner ?? ''].filter(Boolean);
    return { keys, h: handlerFor(owner, (k) => keys.push(k)) };
  };
  it('maps adds and deletes to the owner', () => {
    const { keys, h } = record();
    h.onAdd(obj({ labels: { owner: 'a' } }));
    h.onDelete(obj({ labels: { owner: 'b' } }));
    expect(keys).toEqual([['a'], ['b']]);
  });
  it('wakes the old and the new owner when an object moves, once each', () => {
    const { keys, h } = record();
    h.onUpdate(obj({ labels: { owner: 'a' } }), obj({ resourceVersion: '2', labels: { owner: 'b' } }));
    h.onUpdate(obj({ labels: { owner: 'a' } }), obj({ resourceVersion: '3', labels: { owner: 'a' } }));
    expect(keys).toEqual([['a', 'b'], ['a']]);
  });
  it('ignores resyncs of unchanged objects: the primary resync covers every key', () => {
    const { keys, h } = record();
    const o = obj({ labels: { owner: 'a' } });
    h.onUpdate(o, o);
    expect(keys).toEqual([]);
  });
});
