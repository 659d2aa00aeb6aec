import http from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import type { Tenant } from '../../api/v1alpha1/index.ts';
import { CheckSchedule } from '../../runtime/check-schedule.ts';
import type { KubeClient } from '../../runtime/kube/client.ts';
import { FakeClock } from '../../runtime/testing/fake-clock.ts';
import { localClient } from '../../runtime/testing/local-client.ts';
import { CLIENT_SECRET_GRACE_MS, checkIdentity } from './identity.ts';

// The tenant's identity step against a small API server holding the system namespace and,
// when a test puts it there, the client secret. The issuer still has its template placeholder,
// so the checks that do run fail at once and reach no identity provider.

const NAMESPACE_CREATED = Date.UTC(2026, 0, 1, 12, 0, 0);

let server: http.Server | undefined;
let client: KubeClient | undefined;
afterEach(() => {
  client?.close();
  server?.close();
});

async function apiServer(objects: Record<string, unknown>): Promise<KubeClient> {
  server = http.createServer((req, res) => {
    const found = objects[new URL(req.url ?? '/', 'http://x').pathname];
    res.writeHead(found ? 200 : 404, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(found ?? { kind: 'Status', code: 404, reason: 'NotFound', message: 'not found' }));
  });
  client = await localClient(server);
  return client;
}

const namespace = {
  '/api/v1/namespaces/acme-system': {
    metadata: { name: 'acme-system', creationTimestamp: new Date(NAMESPACE_CREATED).toISOString() },
  },
};
const secret = {
  '/api/v1/namespaces/acme-system/secrets/tenantry-idp': {
    metadata: { name: 'tenantry-idp', namespace: 'acme-system' },
    data: { 'client-secret': Buffer.from('s3cret').toString('base64') },
  },
};

const tenant = {
  metadata: { name: 'acme', uid: 'u1', generation: 1 },
  spec: {
    identity: {
      preset: 'entra',
      issuer: 'https://login.microsoftonline.com/{tenantId}/v2.0',
      clientId: 'app',
      redirectUri: 'https://acme.example.com/cb',
      clientSecretRef: { name: 'tenantry-idp' },
    },
  },
} as unknown as Tenant;

const deps = (c: KubeClient, clock: FakeClock) => ({ client: c, clock, schedule: new CheckSchedule(clock) });

describe('the identity step while the client Secret is missing', () => {
  it('waits for it (Unknown, no check run) while the system namespace is new', async () => {
    const clock = new FakeClock(NAMESPACE_CREATED + 500);
    const out = await checkIdentity(deps(await apiServer(namespace), clock), tenant, false);
    expect(out.conditions).toEqual([
      {
        type: 'IdentityConnected',
        status: 'Unknown',
        reason: 'WaitingForClientSecret',
        message:
          'waiting for Secret acme-system/tenantry-idp, key client-secret with the client secret; the identity checks run once it exists',
      },
    ]);
    expect(out.status).toEqual({ identity: undefined });
    expect(out.requeueAfterMs).toBe(1_000);
  });

  it('reports ClientSecretMissing, naming the Secret and key and how to create it, once the grace period is over', async () => {
    const clock = new FakeClock(NAMESPACE_CREATED + CLIENT_SECRET_GRACE_MS);
    const out = await checkIdentity(deps(await apiServer(namespace), clock), tenant, false);
    expect(out.conditions?.[0]).toMatchObject({
      type: 'IdentityConnected',
      status: 'False',
      reason: 'ClientSecretMissing',
      message: expect.stringMatching(
        /^Secret acme-system\/tenantry-idp, key client-secret with the client secret is missing; create it: kubectl -n acme-system create secret generic tenantry-idp --from-file=client-secret=FILE /,
      ),
    });
    expect(out.status?.identity?.checks?.map((c) => c.status)).toContain('skip');
    expect(out.requeueAfterMs).toBe(30_000);
  });

  it('runs the checks as soon as the Secret is there', async () => {
    const clock = new FakeClock(NAMESPACE_CREATED + 500);
    const out = await checkIdentity(deps(await apiServer({ ...namespace, ...secret }), clock), tenant, false);
    expect(out.conditions?.[0]).toMatchObject({ status: 'False', reason: 'DiscoveryFailed' });
    expect(out.status?.identity?.checks?.[0]).toMatchObject({ id: 'discovery', status: 'fail' });
  });
});
