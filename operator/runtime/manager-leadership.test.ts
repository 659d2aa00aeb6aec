import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { Reconciler } from './controller.ts';
import type { KubeClient } from './kube/client.ts';
import { Builtin } from './kube/resource.ts';
import { silentLogger } from './log.ts';
import { LostLeadershipError, Manager } from './manager.ts';
import { RuntimeMetrics } from './metrics.ts';
import { FakeClock } from './testing/fake-clock.ts';
import { localClient } from './testing/local-client.ts';

type Lease = { metadata: { name: string; resourceVersion?: string }; spec: { holderIdentity?: string } };

const LEASES = '/apis/coordination.k8s.io/v1/namespaces/ops/leases';

/**
 * Just enough of an API server for a leader: Leases (get, create, update with the
 * resourceVersion as precondition) and one ConfigMap to list and watch. While `down`, every
 * request fails with 503 and open watches are cut, as during an API server outage.
 */
class LeaseApi {
  lease: Lease | undefined;
  private rv = 1;
  private isDown = false;
  private readonly watches = new Set<http.ServerResponse>();
  readonly server = http.createServer((req, res) => this.serve(req, res));

  set down(down: boolean) {
    this.isDown = down;
    if (down) for (const w of this.watches) w.destroy();
  }

  private serve(req: http.IncomingMessage, res: http.ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://x');
    const reply = (code: number, body: unknown) => {
      res.writeHead(code, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (this.isDown) return reply(503, { reason: 'ServiceUnavailable', message: 'down', code: 503 });
    if (url.pathname === '/api/v1/configmaps') {
      if (url.searchParams.get('watch') !== 'true') {
        const item = { metadata: { name: 'a', namespace: 'ns', resourceVersion: '1' } };
        return reply(200, { metadata: { resourceVersion: '1' }, items: [item] });
      }
      res.writeHead(200);
      res.write('\n');
      this.watches.add(res);
      res.on('close', () => this.watches.delete(res));
      return;
    }
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      const sent = body ? (JSON.parse(body) as Lease) : undefined;
      const stored = () => ({ ...sent, metadata: { ...sent?.metadata, resourceVersion: String(++this.rv) } });
      if (req.method === 'GET' && url.pathname === `${LEASES}/lead`) {
        return this.lease ? reply(200, this.lease) : reply(404, { reason: 'NotFound', code: 404 });
      }
      if (req.method === 'POST' && url.pathname === LEASES) {
        if (this.lease) return reply(409, { reason: 'AlreadyExists', code: 409 });
        this.lease = stored() as Lease;
        return reply(201, this.lease);
      }
      if (req.method === 'PUT' && url.pathname === `${LEASES}/lead`) {
        if (sent?.metadata.resourceVersion !== this.lease?.metadata.resourceVersion)
          return reply(409, { reason: 'Conflict', code: 409 });
        this.lease = stored() as Lease;
        return reply(200, this.lease);
      }
      reply(404, { reason: 'NotFound', code: 404 });
    });
  }
}

let api: LeaseApi | undefined;
let client: KubeClient | undefined;
afterEach(() => {
  client?.close();
  api?.server.close();
});

/** A leader-elected Manager with one controller that records each reconcile's signal. */
async function leader(exitOnLostLeadership = false) {
  api = new LeaseApi();
  client = await localClient(api.server);
  const clock = new FakeClock();
  const metrics = new RuntimeMetrics(undefined, { defaultMetrics: false });
  const manager = new Manager({
    client,
    clock,
    log: silentLogger,
    metrics,
    resyncMs: 0,
    exitOnLostLeadership,
    leaderElection: { namespace: 'ops', name: 'lead', identity: 'me' },
  });
  const reconciles: AbortSignal[] = [];
  const reconciler: Reconciler = {
    reconcile: async (_req, ctx) => {
      reconciles.push(ctx.signal);
      return undefined;
    },
  };
  manager.add({ name: 'test', for: Builtin.ConfigMap, reconciler });
  const stop = new AbortController();
  let settled: 'resolved' | Error | undefined;
  const done = manager.start(stop.signal).then(
    () => {
      settled = 'resolved';
    },
    (e: Error) => {
      settled = e;
    },
  );
  const leading = async () => (await metrics.leader.get()).values[0]?.value === 1;
  /** Lets time pass on the fake clock, a second per step, until check() holds. */
  const passTimeUntil = async (what: string, check: () => boolean | Promise<boolean>) => {
    const deadline = Date.now() + 5000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`${what}: not in time`);
      clock.advance(1000);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { api, manager, reconciles, stop, done, leading, passTimeUntil, settled: () => settled };
}

describe('Manager under leader election', () => {
  it('steps down when the lease cannot be renewed, and leads again with fresh caches once it can', async () => {
    const t = await leader();
    await t.passTimeUntil('first term', async () => t.reconciles.length === 1 && (await t.leading()));
    expect(t.api.lease?.spec.holderIdentity).toBe('me');

    t.api.down = true;
    await t.passTimeUntil('step down', async () => !(await t.leading()));
    // The term's controllers were stopped, and the process goes on.
    expect(t.reconciles[0]?.aborted).toBe(true);
    expect(t.settled()).toBeUndefined();

    t.api.down = false;
    await t.passTimeUntil('second term', async () => t.reconciles.length === 2 && (await t.leading()));
    // A new term relists: the object is reconciled again, under the new term's live signal.
    expect(t.reconciles[1]?.aborted).toBe(false);
    expect(t.settled()).toBeUndefined();

    t.stop.abort();
    await t.done;
    expect(t.settled()).toBe('resolved');
    expect(t.api.lease?.spec.holderIdentity).toBe('');
  });

  it('with exitOnLostLeadership, ends start() with a LostLeadershipError once the controllers stopped', async () => {
    const t = await leader(true);
    await t.passTimeUntil('first term', async () => t.reconciles.length === 1 && (await t.leading()));
    t.api.down = true;
    await t.passTimeUntil('start() to end', () => t.settled() !== undefined);
    const err = t.settled();
    expect(err).toBeInstanceOf(LostLeadershipError);
    expect((err as Error).message).toBe(
      'lost the leader lease ops/lead: it could not be renewed within the renew deadline',
    );
    expect(t.reconciles[0]?.aborted).toBe(true);
    expect(await t.leading()).toBe(false);
  });

  it('gives the lease up and fails start() when its caches never sync, rather than lead with nothing running', async () => {
    api = new LeaseApi();
    client = await localClient(api.server);
    const clock = new FakeClock();
    const manager = new Manager({
      client,
      clock,
      log: silentLogger,
      metrics: new RuntimeMetrics(undefined, { defaultMetrics: false }),
      resyncMs: 0,
      cacheSyncTimeoutMs: 200,
      leaderElection: { namespace: 'ops', name: 'lead', identity: 'me' },
    });
    // Secrets are not served (404, as with a missing CRD or RBAC): the cache never syncs.
    manager.add({ name: 'test', for: Builtin.Secret, reconciler: { reconcile: async () => undefined } });
    const stop = new AbortController();
    const result = manager.start(stop.signal).then(
      () => 'resolved',
      (e: Error) => e,
    );
    const deadline = Date.now() + 5000;
    let settled: unknown;
    void result.then((r) => {
      settled = r;
    });
    while (settled === undefined && Date.now() < deadline) {
      clock.advance(1000);
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(settled).toBeInstanceOf(Error);
    expect((settled as Error).message).toMatch(/caches did not sync in time: secrets/);
    expect(api.lease?.spec.holderIdentity).toBe('');
    stop.abort();
  });
});
