import { expect, inject } from 'vitest';
import { loadKubeConfig } from '../../cmd/kubeconfig.ts';
import { parseFeatureFlags } from '../../operator/config.ts';
import type { ControllerDeps } from '../../operator/controllers/deps.ts';
import { controllers } from '../../operator/controllers/index.ts';
import { KeyStore } from '../../operator/evidence/keystore.ts';
import { keyStoreSigner } from '../../operator/evidence/sign.ts';
import { DEFAULT_NAMESPACE, OPERATOR_NAME } from '../../operator/install/rbac.ts';
import { serviceAccountKubeConfig } from '../../operator/install/token.ts';
import { realClock } from '../../operator/runtime/clock.ts';
import type { ControllerDefinition, Result } from '../../operator/runtime/controller.ts';
import { KubeEventRecorder } from '../../operator/runtime/events.ts';
import { KubeClient } from '../../operator/runtime/kube/client.ts';
import type { KubeObject } from '../../operator/runtime/kube/object.ts';
import { keyOf, type ResourceType } from '../../operator/runtime/kube/resource.ts';
import { silentLogger } from '../../operator/runtime/log.ts';
import { Manager } from '../../operator/runtime/manager.ts';
import { RuntimeMetrics } from '../../operator/runtime/metrics.ts';
import { waitFor } from './wait.ts';

/**
 * Controllers as the operator wires them, with the operator's own ServiceAccount credentials
 * and real informers against the real API server, but no workers: a test reconciles a key
 * once, by hand, and looks at what that one pass did. Karpenter's "apply fixtures, reconcile
 * once, expect" in TypeScript.
 */
export interface ControllerHarness {
  /** The operator's client (its ServiceAccount): what the reconcile itself may do. */
  client: KubeClient;
  /**
   * Runs one reconcile of `key` by the named controller, once its cache holds `seen` (an object
   * as the API server returned it after the test's last change) or anything newer.
   */
  reconcileOnce(controller: string, key: string, seen?: KubeObject): Promise<Result | undefined>;
  close(): Promise<void>;
}

export async function startControllerHarness(
  admin: KubeClient,
  opts: {
    features?: string;
    /** Add test-only controllers beside (or instead of) the operator's. */
    extra?: (deps: ControllerDeps) => ControllerDefinition[];
    /** Only these of the operator's controllers (by name); default all. */
    only?: string[];
    /** The image validation Jobs run (the operator's own image); default none. */
    validationImage?: string;
  } = {},
): Promise<ControllerHarness> {
  const kc = loadKubeConfig(inject('kubeconfig'));
  const saKc = await serviceAccountKubeConfig(admin, kc, DEFAULT_NAMESPACE, OPERATOR_NAME);
  const client = await KubeClient.fromKubeConfig(saKc, { userAgent: 'tenantry-harness' });
  const metrics = new RuntimeMetrics(undefined, { defaultMetrics: false });
  const manager = new Manager({ client, clock: realClock, log: silentLogger, metrics, resyncMs: 0 });
  const features = parseFeatureFlags(opts.features);
  const deps: ControllerDeps = {
    client,
    clock: realClock,
    log: silentLogger,
    recorder: new KubeEventRecorder(client, realClock, silentLogger),
    manager,
    features,
    namespace: DEFAULT_NAMESPACE,
    registry: metrics.registry,
    signer: features.selfServeOnboarding
      ? keyStoreSigner(new KeyStore(client, { namespace: DEFAULT_NAMESPACE, log: silentLogger }))
      : undefined,
    dnsServers: [],
    validationImage: opts.validationImage,
  };
  const defs = [
    ...controllers(deps).filter((d) => !opts.only || opts.only.includes(d.name)),
    ...(opts.extra?.(deps) ?? []),
  ];
  const byName = new Map(defs.map((d) => [d.name, d]));
  const stop = new AbortController();
  const runs = await manager.runCaches(stop.signal);
  return {
    client,
    async reconcileOnce(controller, key, seen) {
      const def = byName.get(controller);
      if (!def) throw new Error(`no controller ${controller} (have: ${[...byName.keys()].join(', ')})`);
      if (seen) await cacheHolds(manager, def.for, def.forSelector, seen);
      const at = key.indexOf('/');
      const req = at < 0 ? { key, name: key } : { key, namespace: key.slice(0, at), name: key.slice(at + 1) };
      return def.reconciler.reconcile(req, { signal: stop.signal, log: silentLogger });
    },
    async close() {
      stop.abort();
      await Promise.all(runs);
      client.close();
    },
  };
}

/** Waits until the informer's copy of the object is at least as new as `seen`. */
async function cacheHolds(
  manager: Manager,
  type: ResourceType,
  selector: string | undefined,
  seen: KubeObject,
): Promise<void> {
  const cache = manager.informer(type, selector);
  const want = BigInt(seen.metadata.resourceVersion ?? '0');
  await waitFor(`the ${type.kind} cache to hold ${keyOf(seen)} at resourceVersion ${want}`, () => {
    const cached = cache.get(keyOf(seen));
    return cached !== undefined && BigInt(cached.metadata.resourceVersion ?? '0') >= want;
  });
}

/** Asserts the object exists with (at least) these fields, as the API server serves it now. */
export async function expectApplied<T extends KubeObject>(
  client: KubeClient,
  type: ResourceType<T>,
  key: string,
  fields: Record<string, unknown>,
): Promise<T> {
  const at = key.indexOf('/');
  const obj = await client.get<T>(
    type,
    at < 0 ? key : key.slice(at + 1),
    at < 0 ? undefined : key.slice(0, at),
  );
  expect(obj).toMatchObject(fields);
  return obj;
}
