import { describe, expect, it } from 'vitest';
import type { Tenant } from '../../api/v1alpha1/index.ts';
import type { Namespace } from '../../runtime/kube/core.ts';
import { claimOf } from './ownership.ts';

const tenant = { metadata: { name: 'acme', uid: 'uid-acme' } } as Tenant;
const ref = (name: string, uid: string) => ({
  apiVersion: 'tenantry.dev/v1alpha1',
  kind: 'Tenant',
  name,
  uid,
  controller: true,
});
const ns = (labels: Record<string, string>, owners: ReturnType<typeof ref>[] = []): Namespace => ({
  metadata: { name: 'acme-default', labels, ownerReferences: owners },
});

describe('claimOf', () => {
  it('is free when the namespace does not exist', () => {
    expect(claimOf(undefined, tenant)).toEqual({ state: 'free' });
  });

  it('is ours by the owner reference even when the labels were stripped (they are restored)', () => {
    expect(claimOf(ns({}, [ref('acme', 'uid-acme')]), tenant)).toEqual({ state: 'ours' });
  });

  it('is theirs when another Tenant owns it, whatever its label says', () => {
    const c = claimOf(ns({ 'tenantry.dev/tenant': 'acme' }, [ref('other', 'uid-other')]), tenant);
    expect(c).toMatchObject({ state: 'theirs', message: expect.stringMatching(/belongs to tenant other/) });
  });

  it('is not ours when a Tenant of the same name but another uid owns it (deleted and recreated)', () => {
    expect(claimOf(ns({}, [ref('acme', 'uid-old')]), tenant).state).toBe('theirs');
  });

  it('is ours when a platform admin labelled an unowned namespace for the tenant', () => {
    expect(claimOf(ns({ 'tenantry.dev/tenant': 'acme' }), tenant)).toEqual({ state: 'ours' });
  });

  it('never takes over a namespace nobody gave the tenant', () => {
    expect(claimOf(ns({}), tenant)).toMatchObject({
      state: 'theirs',
      message: expect.stringMatching(/not managed by Tenantry/),
    });
    expect(claimOf(ns({ 'tenantry.dev/tenant': 'other' }), tenant)).toMatchObject({ state: 'theirs' });
  });
});
