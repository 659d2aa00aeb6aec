import { describe, expect, it } from 'vitest';
import { applyIfChanged, isSubset } from './apply.ts';
import type { KubeClient } from './kube/client.ts';
import { Builtin } from './kube/resource.ts';

describe('isSubset', () => {
  it('ignores fields the server added', () => {
    expect(
      isSubset(
        { metadata: { name: 'a', labels: { x: '1' } }, spec: { hard: { pods: '10' } } },
        {
          metadata: { name: 'a', uid: 'u', labels: { x: '1', y: '2' } },
          spec: { hard: { pods: '10' } },
          status: {},
        },
      ),
    ).toBe(true);
  });

  it('sees a changed or missing value', () => {
    expect(isSubset({ spec: { hard: { pods: '10' } } }, { spec: { hard: { pods: '11' } } })).toBe(false);
    expect(isSubset({ spec: { hard: { pods: '10' } } }, { spec: {} })).toBe(false);
  });

  it('compares lists element by element, allowing defaulted fields inside elements', () => {
    const desired = { ports: [{ port: 53 }] };
    expect(isSubset(desired, { ports: [{ port: 53, protocol: 'UDP' }] })).toBe(true);
    expect(isSubset(desired, { ports: [{ port: 53 }, { port: 54 }] })).toBe(false);
    expect(isSubset({ a: [] }, { a: [] })).toBe(true);
    expect(isSubset({ a: [] }, {})).toBe(false);
  });

  it('does not confuse objects and lists', () => {
    expect(isSubset({ a: {} }, { a: [] })).toBe(false);
    expect(isSubset({ a: [] }, { a: {} })).toBe(false);
  });
});

describe('applyIfChanged', () => {
  it('applies when one of our own labels must go, even though the rest is a subset', async () => {
    const calls: unknown[] = [];
    const client = { patch: async (...args: unknown[]) => calls.push(args) } as unknown as KubeClient;
    const desired = { metadata: { name: 'ns', labels: { 'tenantry.dev/tenant': 'a' } } };
    const actual = {
      metadata: {
        name: 'ns',
        labels: { 'tenantry.dev/tenant': 'a', 'tenantry.dev/entitlement': 'a', other: 'x' },
      },
    };
    expect(await applyIfChanged(client, Builtin.Namespace, desired, actual)).toBe(true);
    const same = { metadata: { name: 'ns', labels: { 'tenantry.dev/tenant': 'a', other: 'x' } } };
    expect(await applyIfChanged(client, Builtin.Namespace, desired, same)).toBe(false);
    expect(calls).toHaveLength(1);
  });
});
