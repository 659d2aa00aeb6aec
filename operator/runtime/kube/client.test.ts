import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { KubeClient } from './client.ts';
import { ApiError } from './errors.ts';
import { Builtin } from './resource.ts';

// A plain HTTP server that speaks just enough of the API to exercise the client's
// request and watch handling without a cluster.
let server: http.Server | undefined;
afterEach(() => server?.close());

async function clientFor(handler: http.RequestListener): Promise<KubeClient> {
  server = http.createServer(handler);
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [{ name: 'c', server: `http://127.0.0.1:${port}`, skipTLSVerify: true }],
    users: [{ name: 'u', token: 'secret-token' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  return KubeClient.fromKubeConfig(kc);
}

describe('KubeClient', () => {
  it('sends the token and content type, and turns a Status into an ApiError', async () => {
    let seen: http.IncomingHttpHeaders = {};
    const c = await clientFor((req, res) => {
      seen = req.headers;
      res.writeHead(422, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', reason: 'Invalid', message: 'spec.x: bad', code: 422 }));
    });
    const e = await c
      .patch(Builtin.ConfigMap, 'a', 'ns', { data: {} }, 'apply', { fieldManager: 'tenantry', force: true })
      .catch((err: unknown) => err);
    expect(e).toBeInstanceOf(ApiError);
    expect(e).toMatchObject({ code: 422, reason: 'Invalid', message: 'spec.x: bad' });
    expect(seen.authorization).toBe('Bearer secret-token');
    expect(seen['content-type']).toBe('application/apply-patch+yaml');
    c.close();
  });

  it('finds nothing on 404 instead of throwing', async () => {
    const c = await clientFor((_req, res) => {
      res.writeHead(404);
      res.end(JSON.stringify({ reason: 'NotFound', message: 'gone' }));
    });
    expect(await c.find(Builtin.ConfigMap, 'a', 'ns')).toBeUndefined();
    c.close();
  });

  it('streams watch events, including events split across chunks, and asks for bookmarks', async () => {
    let url = '';
    const c = await clientFor((req, res) => {
      url = req.url ?? '';
      res.writeHead(200);
      const line = JSON.stringify({
        type: 'ADDED',
        object: { metadata: { name: 'a', resourceVersion: '5' } },
      });
      res.write(line.slice(0, 10));
      res.write(`${line.slice(10)}\n`);
      res.end(`${JSON.stringify({ type: 'BOOKMARK', object: { metadata: { resourceVersion: '9' } } })}\n`);
    });
    const events: string[] = [];
    await c.watch(Builtin.ConfigMap, { resourceVersion: '4' }, (e) =>
      events.push(`${e.type}:${e.object.metadata.resourceVersion}`),
    );
    expect(events).toEqual(['ADDED:5', 'BOOKMARK:9']);
    expect(url).toContain('watch=true');
    expect(url).toContain('allowWatchBookmarks=true');
    expect(url).toContain('resourceVersion=4');
    c.close();
  });

  it('rejects a watch with 410 Gone so the informer relists', async () => {
    const c = await clientFor((_req, res) => {
      res.writeHead(200);
      res.end(
        `${JSON.stringify({ type: 'ERROR', object: { code: 410, reason: 'Expired', message: 'too old' } })}\n`,
      );
    });
    await expect(c.watch(Builtin.ConfigMap, {}, () => {})).rejects.toMatchObject({ code: 410 });
    c.close();
  });

  it('ends a streaming watch promptly when aborted, even one aborted before it started', async () => {
    const c = await clientFor((_req, res) => {
      res.writeHead(200);
      res.write('\n');
    });
    const ac = new AbortController();
    const watching = c.watch(Builtin.ConfigMap, { signal: ac.signal }, () => {});
    await new Promise((r) => setTimeout(r, 50));
    ac.abort();
    await expect(watching).resolves.toBeUndefined();
    await expect(c.watch(Builtin.ConfigMap, { signal: ac.signal }, () => {})).resolves.toBeUndefined();
    c.close();
  });
});
