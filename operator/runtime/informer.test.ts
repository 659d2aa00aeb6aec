import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { type Clock, realClock } from './clock.ts';
import { Informer } from './informer.ts';
import { Builtin } from './kube/resource.ts';
import { silentLogger } from './log.ts';
import { FakeClock } from './testing/fake-clock.ts';
import { localClient } from './testing/local-client.ts';

let server: http.Server | undefined;
afterEach(() => server?.close());

const cm = (name: string, rv: string) => ({ metadata: { name, namespace: 'ns', resourceVersion: rv } });

/** Serves scripted list and watch responses, one per request, in order. */
async function scripted(responses: Array<(res: http.ServerResponse, url: URL) => void>) {
  const urls: URL[] = [];
  server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    urls.push(url);
    const next = responses.shift();
    if (next) next(res, url);
    else res.writeHead(200).write('\n'); // an idle watch that never ends
  });
  return { client: await localClient(server), urls };
}

const json = (body: unknown) => (res: http.ServerResponse) => {
  res.writeHead(200, { 'Content-Type': 'application/json' });
  res.end(JSON.stringify(body));
};
const events =
  (...lines: unknown[]) =>
  (res: http.ServerResponse) => {
    res.writeHead(200);
    res.end(lines.map((l) => `${JSON.stringify(l)}\n`).join(''));
  };

async function until(check: () => boolean) {
  const deadline = Date.now() + 5000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}

describe('Informer', () => {
  it('lists, resumes the watch from the last version seen, and relists after 410 Gone', async () => {
    const { client, urls } = await scripted([
      json({ metadata: { resourceVersion: '10' }, items: [cm('a', '10')] }),
      events(
        { type: 'MODIFIED', object: cm('a', '11') },
        { type: 'BOOKMARK', object: { metadata: { resourceVersion: '15' } } },
      ),
      events({
        type: 'ERROR',
        object: { code: 410, reason: 'Expired', message: 'too old resource version' },
      }),
      json({ metadata: { resourceVersion: '30' }, items: [cm('b', '29')] }),
    ]);
    const inf = new Informer(client, Builtin.ConfigMap, realClock, silentLogger);
    const seen: string[] = [];
    inf.addHandler({
      onAdd: (o) => seen.push(`add ${o.metadata.name}`),
      onUpdate: (_a, b) => seen.push(`update ${b.metadata.name}@${b.metadata.resourceVersion}`),
      onDelete: (o) => seen.push(`delete ${o.metadata.name}`),
    });
    const stop = new AbortController();
    const running = inf.run(stop.signal);
    const watchUrls = () => urls.filter((u) => u.searchParams.get('watch') === 'true');
    // The relist's add comes before the watch after it is sent: wait for both.
    await until(() => seen.includes('add b') && watchUrls().length === 3);
    stop.abort();
    await running;
    client.close();

    expect(seen).toEqual(['add a', 'update a@11', 'delete a', 'add b']);
    expect(inf.list().map((o) => o.metadata.name)).toEqual(['b']);
    expect(inf.lists).toBe(2);
    const watches = watchUrls();
    // The second watch resumed from the bookmark; the one after the relist from the new list.
    expect(watches.map((u) => u.searchParams.get('resourceVersion'))).toEqual(['10', '15', '30']);
  });

  it('keeps retrying after server errors and reports synced once a list succeeds', async () => {
    const { client } = await scripted([
      (res) => res.writeHead(500).end('{"reason":"InternalError","message":"etcd unavailable"}'),
      json({ metadata: { resourceVersion: '1' }, items: [] }),
    ]);
    const inf = new Informer(client, Builtin.ConfigMap, realClock, silentLogger);
    const stop = new AbortController();
    const running = inf.run(stop.signal);
    expect(await inf.waitForSync(AbortSignal.any([stop.signal, AbortSignal.timeout(5000)]))).toBe(true);
    stop.abort();
    await running;
    client.close();
  });

  it('backs off longer and longer while the API server is down, and starts over after progress', async () => {
    const down = (res: http.ServerResponse) =>
      res.writeHead(503).end('{"reason":"ServiceUnavailable","message":"apiserver is shutting down"}');
    const { client } = await scripted([
      down,
      down,
      json({ metadata: { resourceVersion: '10' }, items: [] }),
      ...Array.from({ length: 8 }, () => down),
      events({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '12' } } }),
      down,
    ]);
    const fake = new FakeClock();
    const delays: number[] = [];
    const clock: Clock = {
      now: () => fake.now(),
      setTimer: (ms, fn) => {
        delays.push(ms);
        return fake.setTimer(ms, fn);
      },
    };
    const inf = new Informer(client, Builtin.ConfigMap, clock, silentLogger);
    const stop = new AbortController();
    const running = inf.run(stop.signal);
    // Failures in a row before each retry: two failed lists, then the list succeeds; eight
    // failed watches, then a watch delivers a bookmark; then one more failure.
    const streak = [1, 2, 1, 2, 3, 4, 5, 6, 7, 8, 1];
    for (let i = 0; i < streak.length; i++) {
      await until(() => delays.length > i);
      fake.advance(delays[i] ?? 0);
    }
    await until(() => inf.hasSynced());
    stop.abort();
    await running;
    client.close();

    expect(delays).toHaveLength(streak.length);
    delays.forEach((d, i) => {
      // A second, doubling per failure up to 30 s, each jittered down by at most half.
      const ceiling = Math.min(30_000, 500 * 2 ** (streak[i] ?? 0));
      expect(d, `retry ${i + 1}`).toBeGreaterThanOrEqual(ceiling / 2);
      expect(d, `retry ${i + 1}`).toBeLessThanOrEqual(ceiling);
    });
    // Eight failed watches in a row wait 15-30 s, not the second the first failure waits.
    expect(delays[9]).toBeGreaterThanOrEqual(15_000);
  });
});
