import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../runtime/testing/fake-clock.ts';
import { localClient } from '../runtime/testing/local-client.ts';
import { subjectAccessReviewer, tokenReviewer } from './reviews.ts';

/** An API server that answers reviews as `answer` says and keeps what it was asked. */
async function reviewServer(answer: (body: { spec: Record<string, unknown> }) => unknown) {
  const asked: Array<{ path: string; body: { spec: Record<string, unknown> } }> = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      asked.push({ path: req.url ?? '', body });
      res.writeHead(201, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify({ ...body, status: answer(body) }));
    });
  });
  const client = await localClient(server);
  return {
    client,
    asked,
    close: () => {
      client.close();
      server.close();
      server.closeAllConnections();
    },
  };
}

let close = () => {};
afterEach(() => close());

describe('TokenReviews of bearer tokens sent directly', () => {
  it('asks once per token within the cache time, again after it, and maps the user', async () => {
    const api = await reviewServer((b) =>
      b.spec.token === 'good'
        ? { authenticated: true, user: { username: 'ci', uid: 'u1', groups: ['g'], extra: { x: ['y'] } } }
        : { authenticated: false },
    );
    close = api.close;
    const clock = new FakeClock(0);
    const reviewer = tokenReviewer(api.client, clock, { ttlMs: 10_000 });
    const who = { user: 'ci', uid: 'u1', groups: ['g'], extra: { x: ['y'] }, via: 'token' };
    expect(await reviewer.review('good')).toEqual(who);
    expect(await reviewer.review('good')).toEqual(who);
    expect(await reviewer.review('bad')).toBeUndefined();
    expect(api.asked.map((a) => a.body.spec.token)).toEqual(['good', 'bad']);
    clock.advance(10_000);
    await reviewer.review('good');
    expect(api.asked).toHaveLength(3);
    expect(api.asked[0]?.path).toBe('/apis/authentication.k8s.io/v1/tokenreviews');
  });
});

describe('SubjectAccessReviews of tenant API requests', () => {
  it('asks for exactly the group, version, resource, verb, namespace and name, with the whole identity', async () => {
    const api = await reviewServer(() => ({ allowed: false, reason: 'no rule' }));
    close = api.close;
    const decision = await subjectAccessReviewer(api.client).decide(
      { user: 'bob', uid: 'b1', groups: ['beta-admins'], extra: { scopes: ['s'] }, via: 'front-proxy' },
      'update',
      'nudgepreferences',
      'acme-system',
      'acme',
    );
    expect(decision).toEqual({ allowed: false, reason: 'no rule' });
    expect(api.asked[0]).toEqual({
      path: '/apis/authorization.k8s.io/v1/subjectaccessreviews',
      body: {
        apiVersion: 'authorization.k8s.io/v1',
        kind: 'SubjectAccessReview',
        spec: {
          user: 'bob',
          uid: 'b1',
          groups: ['beta-admins'],
          extra: { scopes: ['s'] },
          resourceAttributes: {
            group: 'api.tenantry.dev',
            version: 'v1alpha1',
            resource: 'nudgepreferences',
            verb: 'update',
            namespace: 'acme-system',
            name: 'acme',
          },
        },
      },
    });
  });
});
