import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateSigningKey, publicKeyPem } from '../evidence/keys.ts';
import { signStatement } from '../evidence/sign.ts';
import { verifyBundle } from '../evidence/verify.ts';
import { GrowthEventType } from '../growth/events.ts';
import { eventsOf, growthLogName } from '../growth/log.ts';
import { preferencesName } from '../growth/preferences.ts';
import { FakeClock } from '../runtime/testing/fake-clock.ts';
import { bundleDigest, validationStatements } from '../validation/evidence.ts';
import { judge } from '../validation/judge.ts';
import type { RunRecord } from '../validation/record.ts';
import { passingRun } from '../validation/testing.ts';
import type { Identity, TokenReviewer } from './authenticate.ts';
import { frontProxyConfigOf, type Peer } from './front-proxy.ts';
import { TENANT_API_MAX_PARTS } from './handlers.ts';
import { tenantApiClusterPath, tenantApiPath } from './names.ts';
import { type PipelineDeps, tenantApiPipeline } from './pipeline.ts';
import { RateLimiter } from './rate-limit.ts';
import type { Authorizer } from './reviews.ts';
import { AUTHENTICATION_DATA, type FakeKubeApi, FIXTURE_CA_FINGERPRINT, fakeKubeApi } from './testing.ts';

const NS = 'tenantry-system';
const PROXY: Peer = { authorized: true, commonName: 'front-proxy-client', anchor: FIXTURE_CA_FINGERPRINT };
const PLAIN: Peer = { authorized: false };
const TOKEN = 'ci-token-that-must-never-be-logged';
const ADMIN = 'platform-admin';
const BUNDLE_SPEC = { version: '1.0.0', profile: 'M' };
/** The fake cluster's kube-system uid and bundle are passingRun's, so its statements name them. */
const RUN = () => {
  const run = passingRun();
  if (run.bundle) run.bundle.digest = bundleDigest({ name: run.bundle.name, spec: BUNDLE_SPEC });
  return run;
};

/** RBAC as these tests have it: alice and the ci robot may do anything on acme, the platform admin anything cluster-wide, nobody else anything. */
function authorizer(calls: unknown[], delay?: Promise<void>): Authorizer {
  return {
    async decide(who, verb, resource, namespace, name) {
      calls.push({ user: who.user, verb, resource, namespace, name });
      await delay;
      const owner = who.user === 'alice' || who.user === 'system:serviceaccount:acme-system:ci';
      return (owner && namespace === 'acme-system') || (who.user === ADMIN && namespace === '')
        ? { allowed: true }
        : { allowed: false, reason: 'no RBAC rule' };
    },
  };
}

const reviewer: TokenReviewer = {
  async review(token): Promise<Identity | undefined> {
    return token === TOKEN
      ? { user: 'system:serviceaccount:acme-system:ci', groups: [], extra: {}, via: 'token' }
      : undefined;
  },
};

let kube: FakeKubeApi;
let server: http.Server;
let base: string;
let peer: Peer;
let logs: string[];
let calls: unknown[];
let pending: Promise<void>[];

async function start(over: Partial<PipelineDeps> = {}) {
  const clock = new FakeClock(Date.parse('2026-11-05T10:00:00Z'));
  const handle = tenantApiPipeline({
    ctx: { client: kube.client, namespace: NS, clock },
    log: pino({ level: 'info' }, { write: (line: string) => logs.push(line) }),
    frontProxy: () => frontProxyConfigOf(AUTHENTICATION_DATA),
    reviewer,
    authorizer: authorizer(calls),
    limiter: new RateLimiter({ burst: 50, perSecond: 1 }, clock),
    timeoutMs: 5_000,
    maxBodyBytes: 1024,
    ...over,
  });
  server = http.createServer((req, res) => {
    pending.push(handle(req, res, peer));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function call(
  path: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: Headers; body: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, {
    method: opts.method ?? 'GET',
    headers: opts.headers ?? {},
    ...(opts.body !== undefined ? { body: opts.body } : {}),
  });
  const body = (await res.json()) as Record<string, unknown>;
  return { status: res.status, headers: res.headers, body };
}

const as = (user: string) => ({ 'X-Remote-User': user, 'X-Remote-Group': 'system:authenticated' });
const prefsPath = tenantApiPath('acme', 'nudgepreferences');
const logOf = () => eventsOf(kube.configMaps.get(`${NS}/${growthLogName('acme', '2026-11-05')}`));

beforeEach(async () => {
  const run = RUN();
  kube = await fakeKubeApi(['acme'], {
    kubeSystemUid: run.cluster.kubeSystemUid,
    distributionBundles: { [run.bundle?.name ?? '']: BUNDLE_SPEC },
  });
  peer = PROXY;
  logs = [];
  calls = [];
  pending = [];
});

afterEach(async () => {
  await Promise.all(pending);
  server?.close();
  server?.closeAllConnections();
  kube.close();
});

describe('the tenant API pipeline', () => {
  it('answers a forged identity on a plain connection 401 in a Status, and logs neither it nor the token', async () => {
    await start();
    peer = PLAIN;
    const res = await call(prefsPath, {
      headers: { ...as('mallory-forged'), Authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status).toBe(401);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(res.body).toEqual({
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      reason: 'Unauthorized',
      code: 401,
      message: expect.stringMatching(/^identity headers \(x-remote-user, x-remote-group\) are accepted only/),
    });
    const ok = await call(prefsPath, { headers: { Authorization: `Bearer ${TOKEN}` } });
    expect(ok.status).toBe(200);
    await Promise.all(pending);
    expect(logs).toHaveLength(2);
    expect(JSON.parse(logs[1] ?? '{}')).toMatchObject({
      method: 'GET',
      path: prefsPath,
      code: 200,
      user: 'system:serviceaccount:acme-system:ci',
    });
    for (const line of logs) {
      expect(line).not.toContain(TOKEN);
      expect(line).not.toContain('mallory-forged');
    }
  });

  it('asks RBAC for exactly the verb, resource, namespace and name, and records nothing it refuses', async () => {
    await start();
    const res = await call(tenantApiPath('acme', 'evidence'), { headers: as('bob') });
    expect(res.status).toBe(403);
    expect(res.body.message).toBe(
      'evidence.api.tenantry.dev "acme" is forbidden: User "bob" cannot get resource "evidence" in API group "api.tenantry.dev" in the namespace "acme-system": no RBAC rule',
    );
    const put = await call(prefsPath, {
      method: 'PUT',
      headers: { ...as('bob'), 'Content-Type': 'application/json' },
      body: '{"optOutAll": true}',
    });
    expect(put.status).toBe(403);
    expect(calls).toEqual([
      { user: 'bob', verb: 'get', resource: 'evidence', namespace: 'acme-system', name: 'acme' },
      { user: 'bob', verb: 'update', resource: 'nudgepreferences', namespace: 'acme-system', name: 'acme' },
    ]);
    expect(kube.writes).toEqual([]);
  });

  it('hands out evidence and records the export with who did it and the digest', async () => {
    await start();
    const res = await call(tenantApiPath('acme', 'evidence'), { headers: as('alice') });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      kind: 'Evidence',
      metadata: { name: 'acme', namespace: 'acme-system' },
    });
    expect(logOf()).toEqual([
      expect.objectContaining({
        type: GrowthEventType.EvidenceExported,
        subject: 'acme',
        data: expect.objectContaining({ by: 'alice', digest: res.body.digest }),
      }),
    ]);
  });

  it('sets nudge preferences as the caller and records the change', async () => {
    await start();
    const res = await call(prefsPath, {
      method: 'PUT',
      headers: { ...as('alice'), 'Content-Type': 'application/json' },
      body: '{"optOut": ["setQuotas"]}',
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ kind: 'NudgePreferences', optOutAll: false, optOut: ['setQuotas'] });
    const stored = kube.configMaps.get(`${NS}/${preferencesName('acme')}`);
    expect(JSON.parse(stored?.data?.['preferences.json'] ?? '{}').history).toEqual([
      { by: 'alice', at: '2026-11-05T10:00:00Z', optOutAll: false, optOut: ['setQuotas'] },
    ]);
    expect(logOf().map((e) => [e.type, (e.data as { by: string }).by])).toEqual([
      [GrowthEventType.NudgePreferencesChanged, 'alice'],
    ]);
  });

  it('answers past the burst 429 with Retry-After, per user', async () => {
    await start({ limiter: new RateLimiter({ burst: 2, perSecond: 0.25 }, new FakeClock(0)) });
    const codes = [];
    for (let i = 0; i < 3; i++) codes.push((await call(prefsPath, { headers: as('alice') })).status);
    expect(codes).toEqual([200, 200, 429]);
    const limited = await call(prefsPath, { headers: as('alice') });
    expect(limited.headers.get('retry-after')).toBe('4');
    expect(limited.body).toMatchObject({
      reason: 'TooManyRequests',
      code: 429,
      details: { retryAfterSeconds: 4 },
      message:
        'too many requests from "alice": the tenant API allows 2 at once and 0.25 a second; retry after 4s',
    });
    expect((await call(prefsPath, { headers: as('amy') })).status).not.toBe(429);
  });

  it('bounds the body, and says what else is wrong with a request in a Status', async () => {
    await start();
    const json = { ...as('alice'), 'Content-Type': 'application/json' };
    const big = await call(prefsPath, { method: 'PUT', headers: json, body: 'x'.repeat(2048) });
    expect([big.status, big.body.message]).toEqual([413, 'the request body is larger than 1024 bytes']);
    const text = await call(prefsPath, {
      method: 'PUT',
      headers: { ...as('alice'), 'Content-Type': 'text/plain' },
      body: '{}',
    });
    expect([text.status, text.body.message]).toEqual([
      415,
      'the body of a PUT must be JSON (application/json), not text/plain',
    ]);
    const post = await call(prefsPath, { method: 'POST', headers: json, body: '{}' });
    expect([post.status, post.body.message]).toEqual([
      405,
      'POST is not allowed on nudgepreferences: use GET or PUT',
    ]);
    const at = (rest: string) =>
      call(`/apis/api.tenantry.dev/v1alpha1/namespaces/acme-system/${rest}`, { headers: as('alice') });
    const collection = await at('evidence');
    expect(collection.status).toBe(404);
    expect(collection.body.message).toMatch(/one document per tenant: ask for .*\/evidence\/<tenant>/);
    const otherName = await at('evidence/beta');
    expect([otherName.status, otherName.body.message]).toEqual([
      404,
      'evidence "beta" not found in acme-system: the one there is named after the tenant whose system namespace it is ("acme")',
    ]);
    expect((await at('secrets/acme')).status).toBe(404);
    expect(kube.writes).toEqual([]);
  });

  it('answers 404 for a tenant that does not exist, after RBAC said yes', async () => {
    await start({
      authorizer: { decide: async () => ({ allowed: true }) },
    });
    const res = await call(tenantApiPath('gone', 'usage'), { headers: as('alice') });
    expect([res.status, res.body.message]).toEqual([
      404,
      'usage "gone" not found: there is no Tenant "gone"',
    ]);
  });

  it('serves discovery to any authenticated caller, and nothing to an anonymous one', async () => {
    await start();
    const list = await call('/apis/api.tenantry.dev/v1alpha1', {
      headers: { 'X-Remote-User': 'system:kube-aggregator' },
    });
    expect(list.status).toBe(200);
    expect(list.body).toMatchObject({ kind: 'APIResourceList', groupVersion: 'api.tenantry.dev/v1alpha1' });
    const group = await call('/apis/api.tenantry.dev', { headers: as('carol') });
    expect(group.body).toMatchObject({ kind: 'APIGroup', preferredVersion: { version: 'v1alpha1' } });
    peer = PLAIN;
    expect((await call('/apis/api.tenantry.dev/v1alpha1')).status).toBe(401);
  });

  it('answers 504 past its deadline and records nothing for an answer never given', async () => {
    let release = () => {};
    const slow = new Promise<void>((r) => {
      release = r;
    });
    await start({ authorizer: authorizer(calls, slow), timeoutMs: 50 });
    const res = await call(tenantApiPath('acme', 'evidence'), { headers: as('alice') });
    expect(res.status).toBe(504);
    expect(res.body).toMatchObject({ reason: 'Timeout', code: 504 });
    release();
    await Promise.all(pending);
    expect(kube.writes).toEqual([]);
  });
  it('limits callers by address before their token is reviewed, and reads no body for an unknown one', async () => {
    const asked: string[] = [];
    const counting: TokenReviewer = {
      review: (t) => {
        asked.push(t);
        return reviewer.review(t);
      },
    };
    const clock = new FakeClock(Date.parse('2026-11-05T10:00:00Z'));
    await start({ reviewer: counting, addressLimiter: new RateLimiter({ burst: 3, perSecond: 1 }, clock) });
    peer = { ...PLAIN, address: '10.0.0.9' };
    const codes = [];
    for (let i = 0; i < 5; i++)
      codes.push((await call(prefsPath, { headers: { Authorization: `Bearer random-${i}` } })).status);
    expect(codes).toEqual([401, 401, 401, 429, 429]);
    expect(asked).toEqual(['random-0', 'random-1', 'random-2']);
    // The front proxy carries every user: it is never limited by address.
    peer = { ...PROXY, address: '10.0.0.9' };
    expect((await call(prefsPath, { headers: as('alice') })).status).toBe(200);
    // A body declared over the limit is refused before anything else.
    peer = { ...PLAIN, address: '10.0.0.10' };
    const big = await call(prefsPath, { method: 'PUT', body: 'x'.repeat(2048) });
    expect([big.status, asked.length]).toEqual([413, 3]);
  });

  it('answers an internal error with an id, keeping what went wrong to the log', async () => {
    const failing: Authorizer = {
      decide: async () => {
        throw new Error(
          'subjectaccessreviews is forbidden: User "system:serviceaccount:tenantry-system:tenantry"',
        );
      },
    };
    await start({ authorizer: failing });
    const res = await call(prefsPath, { headers: as('alice') });
    expect(res.status).toBe(500);
    expect(String(res.body.message)).toMatch(
      /^internal error \(id [0-9a-f-]{36}\); the operator's log has the details$/,
    );
    expect(logs.join('\n')).toContain('subjectaccessreviews is forbidden');
  });

  it('refuses an action rather than hand it out unrecorded once the day’s log for tenant API actions is full', async () => {
    await start();
    for (let part = 1; part <= TENANT_API_MAX_PARTS; part++) {
      const name = growthLogName('acme', '2026-11-05', part);
      kube.configMaps.set(`${NS}/${name}`, {
        metadata: {
          name,
          namespace: NS,
          resourceVersion: '1',
          annotations: { 'tenantry.dev/growth-log-full': 'true' },
          labels: { 'tenantry.dev/tenant': 'acme', 'tenantry.dev/growth-log': '2026-11-05' },
        },
        data: { 'events.json': '[]' },
      });
    }
    const res = await call(tenantApiPath('acme', 'evidence'), { headers: as('alice') });
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe(String(14 * 3600));
    expect(String(res.body.message)).toMatch(/as many recorded tenant API actions today \(2026-11-05, UTC\)/);
  });
});

describe('validationreports', () => {
  const key = generateSigningKey();
  const signer = {
    sign: async (statement: Parameters<typeof signStatement>[0]) => ({
      bundle: await signStatement(statement, key),
      keyId: key.keyId,
    }),
  };
  const path = tenantApiClusterPath('validationreports');
  const post = (statements: unknown, user = ADMIN) =>
    call(path, {
      method: 'POST',
      headers: { ...as(user), 'Content-Type': 'application/json' },
      body: JSON.stringify({ statements }),
    });
  const statementsOf = (run: RunRecord) => validationStatements(run, judge(run));
  const startSigning = (withSigner = true) =>
    start({
      ctx: { client: kube.client, namespace: NS, clock: new FakeClock(0), ...(withSigner ? { signer } : {}) },
      maxBodyBytes: 64 * 1024,
    });

  it("signs both statements of this cluster's run with the operator's key, for a platform admin only", async () => {
    await startSigning();
    const statements = statementsOf(RUN());
    const res = await post(statements);
    expect(res.status, JSON.stringify(res.body)).toBe(201);
    const signed = res.body.signed as Record<string, { bundle: unknown; keyId: string }>;
    const keys = { [key.keyId]: publicKeyPem(key) };
    expect(verifyBundle(signed.testResult?.bundle, keys).statement).toEqual(statements.testResult);
    expect(verifyBundle(signed.results?.bundle, keys).statement).toEqual(statements.results);
    const refused = await post(statements, 'alice');
    expect(refused.status).toBe(403);
    expect(refused.body.message).toMatch(
      /^validationreports\.api\.tenantry\.dev is forbidden: User "alice" cannot create resource "validationreports" in API group "api\.tenantry\.dev" at the cluster scope/,
    );
    expect(calls).toContainEqual({
      user: 'alice',
      verb: 'create',
      resource: 'validationreports',
      namespace: '',
      name: '',
    });
  });

  it('refuses 422, naming the field, statements of another cluster, another bundle digest or a swapped predicate', async () => {
    await startSigning();
    const other = RUN();
    other.cluster.kubeSystemUid = '00000000-another-cluster';
    const cases: [unknown, string][] = [
      [statementsOf(other), 'statements.testResult.subject[1]'],
      [
        statementsOf({
          ...RUN(),
          bundle: { ...(RUN().bundle as NonNullable<RunRecord['bundle']>), digest: 'b'.repeat(64) },
        }),
        'statements.testResult.subject[0].digest.sha256',
      ],
      [
        { ...statementsOf(RUN()), testResult: statementsOf(RUN()).results },
        'statements.testResult.predicateType',
      ],
      [
        {
          ...statementsOf(RUN()),
          results: { ...statementsOf(RUN()).results, predicate: { cluster: { kubeSystemUid: 'x' } } },
        },
        'statements.results.predicate.cluster.kubeSystemUid',
      ],
      [{ testResult: statementsOf(RUN()).testResult }, 'statements.results'],
    ];
    for (const [statements, field] of cases) {
      const res = await post(statements);
      expect(res.status, field).toBe(422);
      expect(res.body.details).toMatchObject({ causes: [{ field }] });
      expect(res.body.message).toContain(field);
    }
  });

  it('answers 503 when the operator has no signer', async () => {
    await startSigning(false);
    const res = await post(statementsOf(RUN()));
    expect(res.status).toBe(503);
    expect(res.body.message).toMatch(/signs no evidence.*--key/);
  });

  it('lists validationreports in discovery as cluster-scoped, create only', async () => {
    await start();
    const res = await call('/apis/api.tenantry.dev/v1alpha1', { headers: as(ADMIN) });
    expect(res.body.resources).toContainEqual({
      name: 'validationreports',
      singularName: 'validationreport',
      namespaced: false,
      kind: 'ValidationReport',
      verbs: ['create'],
    });
  });
});
