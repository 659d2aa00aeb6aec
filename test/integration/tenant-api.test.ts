// The tenant API through the path a user really takes: her kubeconfig (a client certificate),
// the API server's aggregation layer (APIService v1alpha1.api.tenantry.dev), the operator's
// listener. Users are authenticated by the API server from their certificates, never
// impersonated; what the API hands out is checked against the growth log it records in.
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadKubeConfig } from '../../cmd/kubeconfig.ts';
import { clientCert, pemKeyPair } from '../../devcluster/certs.ts';
import { CLUSTERROLE_TENANT_SYSTEM } from '../../operator/api/names.ts';
import type { Entitlement } from '../../operator/api/v1alpha1/index.ts';
import { EntitlementResource, TenantResource } from '../../operator/api/v1alpha1/index.ts';
import { GrowthEventType } from '../../operator/growth/events.ts';
import { readEvents } from '../../operator/growth/log.ts';
import { readPreferences } from '../../operator/growth/preferences.ts';
import { DEFAULT_NAMESPACE } from '../../operator/install/rbac.ts';
import { tenantApiServingName } from '../../operator/install/tenant-api.ts';
import { apply } from '../../operator/runtime/apply.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import { ApiError } from '../../operator/runtime/kube/errors.ts';
import { Builtin } from '../../operator/runtime/kube/resource.ts';
import { checkDocument } from '../../operator/tenantapi/document.ts';
import type { EvidenceContent } from '../../operator/tenantapi/evidence.ts';
import { TENANT_API_GROUP_VERSION, tenantApiPath } from '../../operator/tenantapi/names.ts';
import type { TenantApiEventData } from '../../operator/tenantapi/records.ts';
import { tenantry } from '../support/cli.ts';
import {
  adminClient,
  kubectlWith,
  startTestOperator,
  tenantManifest,
  uniqueName,
  waitReady,
} from '../support/cluster.ts';
import { prepareTenantApi, rawRequest, type TestTenantApi } from '../support/tenant-api.ts';
import { type CertUser, certificateUsers, kubeconfigFile } from '../support/users.ts';
import { waitFor } from '../support/wait.ts';

const A = uniqueName('tapi-a');
const B = uniqueName('tapi-b');
const sysA = `${A}-system`;
const RATE = { burst: 20, perSecond: 1 };

let admin: KubeClient;
let api: TestTenantApi | undefined;
let stopOperator: () => Promise<void> = async () => {};
let users: Record<'alice' | 'amy' | 'bob' | 'carol', CertUser> & { close(): void };
const kubeconfigs = {} as Record<'alice' | 'bob' | 'carol', string>;

/** The API server as the kubeconfig names it, and the CA that verifies it. */
function apiServer(): { url: string; ca: string } {
  const cluster = loadKubeConfig(inject('kubeconfig')).getCurrentCluster();
  if (!cluster) throw new Error('no current cluster');
  const ca = cluster.caData
    ? Buffer.from(cluster.caData, 'base64').toString('utf8')
    : readFileSync(cluster.caFile ?? '', 'utf8');
  return { url: cluster.server, ca };
}

/** The operator's listener, reached directly, as an attacker on the network would. */
const operatorUrl = (p: string) => `https://127.0.0.1:${api?.port}${p}`;
const direct = (p: string, extra: Omit<Parameters<typeof rawRequest>[0], 'url' | 'ca'> = {}) =>
  rawRequest({
    url: operatorUrl(p),
    ca: api?.tls.ca ?? '',
    servername: tenantApiServingName(DEFAULT_NAMESPACE),
    ...extra,
  });

type Logged = { type: string; data: TenantApiEventData };
const apiEvents = async (tenant: string): Promise<Logged[]> =>
  (await readEvents(admin, DEFAULT_NAMESPACE, tenant)) as unknown as Logged[];

async function refused(p: Promise<unknown>): Promise<ApiError> {
  const e = await p.then(
    () => 'accepted',
    (err: unknown) => err,
  );
  expect(e, 'the request should have been refused').toBeInstanceOf(ApiError);
  return e as ApiError;
}

/** `kubectl auth can-i` as a user: its answer (it exits 1 on "no"). */
async function canI(kubeconfig: string, verb: string, resource: string, namespace: string): Promise<string> {
  const out = await kubectlWith(kubeconfig, 'auth', 'can-i', verb, resource, '-n', namespace).catch(
    (e: { stdout?: string }) => ({ stdout: e.stdout ?? '' }),
  );
  return out.stdout.trim();
}

beforeAll(async () => {
  admin = await adminClient();
  users = await certificateUsers(admin, { alice: [], amy: [], bob: [], carol: [] });
  for (const k of ['alice', 'bob', 'carol'] as const) kubeconfigs[k] = await kubeconfigFile(users[k]);
  api = await prepareTenantApi(admin, { rateLimit: RATE });
  ({ stop: stopOperator } = await startTestOperator(admin, { tenantApi: api.operator }));
  await api.register();
  await apply(
    admin,
    TenantResource,
    tenantManifest(A, { owners: [{ name: users.alice.name }, { name: users.amy.name }] }),
  );
  await apply(admin, TenantResource, tenantManifest(B, { owners: [{ name: users.bob.name }] }));
  await admin.create(EntitlementResource, {
    apiVersion: 'tenantry.dev/v1alpha1',
    kind: 'Entitlement',
    metadata: { name: A },
    spec: { tenantRef: { name: A }, plan: 'enterprise' },
  } as Entitlement);
  await waitReady(admin, A);
  await waitReady(admin, B);
});

afterAll(async () => {
  // First: an APIService whose server is gone would hold up every namespace deletion.
  await api?.unregister();
  await admin.delete(EntitlementResource, A).catch(() => {});
  await admin.delete(TenantResource, A).catch(() => {});
  await admin.delete(TenantResource, B).catch(() => {});
  await waitFor(
    'both tenants to be gone',
    async () => !(await admin.find(TenantResource, A)) && !(await admin.find(TenantResource, B)),
    { timeoutMs: 120_000 },
  );
  await stopOperator();
  users?.close();
  admin.close();
});

describe('the tenant API behind the aggregation layer', () => {
  it('publishes discovery, so kubectl knows its resources', async () => {
    const raw = await kubectlWith(kubeconfigs.carol, 'get', '--raw', `/apis/${TENANT_API_GROUP_VERSION}`);
    const list = JSON.parse(raw.stdout) as {
      kind: string;
      resources: Array<{ name: string; verbs: string[] }>;
    };
    expect(list.kind).toBe('APIResourceList');
    expect(list.resources.map((r) => [r.name, r.verbs])).toEqual([
      ['evidence', ['get']],
      ['usage', ['get']],
      ['nudgepreferences', ['get', 'update']],
      // Cluster-scoped: a validation run's statements for the operator to sign (platform admins).
      ['validationreports', ['create']],
    ]);
    await waitFor('kubectl api-resources to list the group', async () => {
      const out = await kubectlWith(kubeconfigs.carol, 'api-resources', '--api-group=api.tenantry.dev');
      return /nudgepreferences/.test(out.stdout) && /evidence/.test(out.stdout);
    });
  });

  it('gives the owner of A her evidence and records who, what and the digest in A’s growth log', async () => {
    const hourBefore = new Date().toISOString().slice(0, 13);
    const doc = checkDocument<'Evidence', EvidenceContent>(
      await users.alice.client.request('GET', tenantApiPath(A, 'evidence')),
      'Evidence',
    );
    expect(doc.tenant).toBe(A);
    expect(doc.bundles.map((b) => b.step)).toContain('TenantAccepted');
    expect(Object.keys(doc.publicKeys).length).toBeGreaterThan(0);
    const exported = (await apiEvents(A)).filter((e) => e.type === GrowthEventType.EvidenceExported);
    expect(exported).toHaveLength(1);
    // kubectl reads it as the object it is, not as a list.
    const got = await kubectlWith(kubeconfigs.alice, 'get', 'evidence', A, '-n', sysA, '-o', 'json');
    expect(JSON.parse(got.stdout)).toMatchObject({ kind: 'Evidence', digest: doc.digest });
    expect(exported[0]?.data).toMatchObject({
      by: users.alice.name,
      action: 'get evidence',
      digest: doc.digest,
    });

    // The same view again within the hour is the same event: the log stays bounded.
    await users.alice.client.request('GET', tenantApiPath(A, 'evidence'));
    const hours = new Set([hourBefore, new Date().toISOString().slice(0, 13)]).size;
    expect((await apiEvents(A)).filter((e) => e.type === GrowthEventType.EvidenceExported)).toHaveLength(
      hours,
    );
  });

  it('shows the owner of A usage and cost, through kubectl too, and records the view', async () => {
    const period = new Date().toISOString().slice(0, 7);
    const raw = await kubectlWith(
      kubeconfigs.alice,
      'get',
      '--raw',
      `${tenantApiPath(A, 'usage')}?period=${period}`,
    );
    const doc = checkDocument<'Usage', { tenant: string; period: string; lines: unknown[] }>(
      JSON.parse(raw.stdout),
      'Usage',
    );
    expect(doc).toMatchObject({ tenant: A, period });
    const viewed = (await apiEvents(A)).filter((e) => e.type === GrowthEventType.UsageViewed);
    expect(viewed.map((e) => e.data)).toEqual([
      expect.objectContaining({ by: users.alice.name, digest: doc.digest, period }),
    ]);
  });

  it('lets the owner of A set nudge preferences, recorded as hers, and names a wrong field', async () => {
    const put = (body: unknown, client = users.alice.client) =>
      client.request('PUT', tenantApiPath(A, 'nudgepreferences'), { body });
    const doc = (await put({ optOutAll: false, optOut: ['setQuotas'] })) as {
      optOut: string[];
      digest: string;
    };
    expect(doc.optOut).toEqual(['setQuotas']);
    const stored = await readPreferences(admin, DEFAULT_NAMESPACE, A);
    expect(stored.history.at(-1)).toMatchObject({ by: users.alice.name, optOut: ['setQuotas'] });
    const changed = () =>
      apiEvents(A).then((all) => all.filter((e) => e.type === GrowthEventType.NudgePreferencesChanged));
    expect((await changed()).map((e) => e.data)).toEqual([
      expect.objectContaining({ by: users.alice.name, digest: doc.digest }),
    ]);

    // kubectl replace --raw sends the file with no Content-Type: still read as JSON.
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'tenantry-prefs-')), 'prefs.json');
    writeFileSync(file, JSON.stringify({ optOut: ['setQuotas', 'inviteAuditor'] }));
    const replaced = await kubectlWith(
      kubeconfigs.alice,
      'replace',
      '--raw',
      tenantApiPath(A, 'nudgepreferences'),
      '-f',
      file,
    );
    expect(JSON.parse(replaced.stdout)).toMatchObject({ optOut: ['inviteAuditor', 'setQuotas'] });
    await put({ optOutAll: false, optOut: ['setQuotas'] });

    const wrong = await refused(put({ optOut: ['set quotas'] }));
    expect(wrong.code).toBe(422);
    expect(wrong.message).toMatch(/optOut\[0\]: "set quotas" is not a nudge name/);
    const got = (await users.alice.client.request('GET', tenantApiPath(A, 'nudgepreferences'))) as {
      optOut: string[];
    };
    expect(got.optOut).toEqual(['setQuotas']);
    // Each change is its own event; the refused one is none.
    expect((await changed()).map((e) => e.data.by)).toEqual([
      users.alice.name,
      users.alice.name,
      users.alice.name,
    ]);
  });

  it('refuses the owner of B and a plain user 403 on A’s resources, and records nothing of it', async () => {
    const before = await apiEvents(A);
    const prefs = await readPreferences(admin, DEFAULT_NAMESPACE, A);
    for (const user of [users.bob, users.carol]) {
      for (const resource of ['evidence', 'usage', 'nudgepreferences'] as const) {
        const e = await refused(user.client.request('GET', tenantApiPath(A, resource)));
        expect(e.code).toBe(403);
        // The API server refuses it itself before proxying, in RBAC's words (our own check is the second line).
        expect(e.message).toContain(
          `User "${user.name}" cannot get resource "${resource}" in API group "api.tenantry.dev" in the namespace "${sysA}"`,
        );
      }
      const e = await refused(
        user.client.request('PUT', tenantApiPath(A, 'nudgepreferences'), { body: { optOutAll: true } }),
      );
      expect(e.code).toBe(403);
    }
    // Answers are written after the record, so nothing recorded by now is nothing recorded.
    expect(await apiEvents(A)).toEqual(before);
    expect(await readPreferences(admin, DEFAULT_NAMESPACE, A)).toEqual(prefs);
  });

  it('agrees with kubectl auth can-i', async () => {
    const resource = (r: string) => `${r}.api.tenantry.dev`;
    expect(await canI(kubeconfigs.alice, 'get', resource('evidence'), sysA)).toBe('yes');
    expect(await canI(kubeconfigs.alice, 'get', resource('usage'), sysA)).toBe('yes');
    expect(await canI(kubeconfigs.alice, 'update', resource('nudgepreferences'), sysA)).toBe('yes');
    expect(await canI(kubeconfigs.alice, 'update', resource('evidence'), sysA)).toBe('no');
    expect(await canI(kubeconfigs.alice, 'get', resource('evidence'), `${B}-system`)).toBe('no');
    expect(await canI(kubeconfigs.bob, 'get', resource('evidence'), sysA)).toBe('no');
    expect(await canI(kubeconfigs.carol, 'get', resource('usage'), sysA)).toBe('no');
  });
});

describe('the operator’s own port', () => {
  const evidence = tenantApiPath(A, 'evidence');

  it('refuses identity headers without the front proxy’s certificate', async () => {
    const forged = { 'X-Remote-User': users.alice.name, 'X-Remote-Group': 'system:masters' };
    const plain = await direct(evidence, { headers: forged });
    expect(plain.status).toBe(401);
    expect(plain.body).toMatchObject({ kind: 'Status', reason: 'Unauthorized', code: 401 });
    expect(String(plain.body.message)).toMatch(/x-remote-user, x-remote-group\) are accepted only from/);
    expect(String(plain.body.message)).not.toContain(users.alice.name);

    // Her real client certificate is the cluster's, not the front proxy's: it carries no headers.
    const withUserCert = await direct(evidence, {
      headers: forged,
      cert: users.alice.certPem,
      key: users.alice.keyPem,
    });
    expect(withUserCert.status).toBe(401);
  });

  // Minting a certificate of the front proxy's CA takes its private key: the local control
  // plane's, which an external cluster (KUBECONFIG) never hands out. On ours the key must be there.
  it.skipIf(inject('binDir') === '')(
    'refuses a certificate of the front proxy’s CA whose name is not allowed',
    async () => {
      const pki = path.join(path.dirname(inject('kubeconfig')), 'pki');
      expect(
        existsSync(path.join(pki, 'front-proxy-ca.key')),
        `the local control plane's ${pki}/front-proxy-ca.key`,
      ).toBe(true);
      const dir = await mkdtemp(path.join(os.tmpdir(), 'tenantry-proxy-'));
      try {
        const key = await pemKeyPair('ec');
        await writeFile(path.join(dir, 'k.pem'), key.privateKey, { mode: 0o600 });
        await clientCert({
          keyPath: path.join(dir, 'k.pem'),
          certPath: path.join(dir, 'c.pem'),
          caCertPath: path.join(pki, 'front-proxy-ca.crt'),
          caKeyPath: path.join(pki, 'front-proxy-ca.key'),
          commonName: 'not-the-front-proxy',
          days: 1,
        });
        const res = await direct(evidence, {
          headers: { 'X-Remote-User': users.alice.name },
          cert: await readFile(path.join(dir, 'c.pem'), 'utf8'),
          key: key.privateKey,
        });
        expect(res.status).toBe(401);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );

  it('accepts a bearer token sent directly, checked with a TokenReview and authorized by RBAC', async () => {
    const sa = uniqueName('automation');
    await admin.create(Builtin.ServiceAccount, { metadata: { name: sa, namespace: sysA } });
    await admin.create(Builtin.RoleBinding, {
      metadata: { name: sa, namespace: sysA },
      roleRef: {
        apiGroup: 'rbac.authorization.k8s.io',
        kind: 'ClusterRole',
        name: CLUSTERROLE_TENANT_SYSTEM,
      },
      subjects: [{ kind: 'ServiceAccount', name: sa, namespace: sysA }],
    } as never);
    const { status } = await admin.request<{ status: { token: string } }>(
      'POST',
      `/api/v1/namespaces/${sysA}/serviceaccounts/${sa}/token`,
      {
        body: {
          apiVersion: 'authentication.k8s.io/v1',
          kind: 'TokenRequest',
          spec: { expirationSeconds: 600 },
        },
      },
    );
    const ok = await waitFor('RBAC to allow the new binding', async () => {
      const res = await direct(tenantApiPath(A, 'nudgepreferences'), {
        headers: { Authorization: `Bearer ${status.token}` },
      });
      return res.status === 200 ? res : undefined;
    });
    expect(ok.body).toMatchObject({ kind: 'NudgePreferences', metadata: { namespace: sysA } });
    const wrong = await direct(tenantApiPath(A, 'nudgepreferences'), {
      headers: { Authorization: `Bearer ${status.token.slice(0, -4)}xxxx` },
    });
    expect(wrong.status).toBe(401);
    expect(String(wrong.body.message)).toMatch(/bearer token is not valid/);
  });
});

describe('limits', () => {
  it('answers a user over her rate 429 with Retry-After, through the API server, and no one else', async () => {
    const server = apiServer();
    const asAmy = () =>
      rawRequest({
        url: `${server.url}${tenantApiPath(A, 'nudgepreferences')}`,
        ca: server.ca,
        cert: users.amy.certPem,
        key: users.amy.keyPem,
      });
    const answers = await Promise.all(Array.from({ length: RATE.burst + 6 }, asAmy));
    const limited = answers.filter((r) => r.status === 429);
    expect(limited.length).toBeGreaterThan(0);
    expect(answers.filter((r) => r.status !== 429).every((r) => r.status === 200)).toBe(true);
    const first = limited[0];
    expect(Number(first?.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(first?.body).toMatchObject({ kind: 'Status', reason: 'TooManyRequests', code: 429 });
    expect(String(first?.body.message)).toContain(`too many requests from "${users.amy.name}"`);
    // Per user: alice, an owner of the same tenant, is not held back by amy's burst.
    await users.alice.client.request('GET', tenantApiPath(A, 'nudgepreferences'));
  });

  it('refuses a body over the limit 413', async () => {
    const e = await refused(
      users.alice.client.request('PUT', tenantApiPath(A, 'nudgepreferences'), {
        body: { optOut: [], padding: 'x'.repeat(70 * 1024) },
      }),
    );
    expect(e.code).toBe(413);
    expect(e.message).toMatch(/larger than 65536 bytes/);
  });
});

describe('the CLI', () => {
  it('exports evidence and shows usage through the tenant API, and says so', async () => {
    const out = mkdtempSync(path.join(os.tmpdir(), 'tenantry-evidence-'));
    const exported = await tenantry(['evidence', 'export', '--tenant', A, '--out', out], {
      kubeconfig: kubeconfigs.alice,
    });
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stderr).toMatch(/through the tenant API \(recorded in the growth log of/);
    const manifest = JSON.parse(readFileSync(path.join(out, 'manifest.json'), 'utf8')) as { digest: string };
    const logged = (await apiEvents(A)).filter((e) => e.type === GrowthEventType.EvidenceExported);
    expect(logged.some((e) => e.data.by === users.alice.name)).toBe(true);
    expect(readdirSync(out).filter((f) => f.endsWith('.bundle.json')).length).toBeGreaterThan(0);
    expect(manifest.digest).toMatch(/^sha256:[0-9a-f]{64}$/);

    const use = await tenantry(['usage', '--tenant', A], { kubeconfig: kubeconfigs.alice });
    expect(use.code, use.stderr).toBe(0);
    expect(use.stdout).toContain(`usage of ${A}`);
    expect(use.stderr).toMatch(/through the tenant API, recorded in its growth log/);
  });

  it('falls back to reading directly once the APIService is gone, and says it is not recorded', async () => {
    await api?.unregister();
    await waitFor('the group to leave discovery', async () =>
      users.alice.client.request('GET', `/apis/${TENANT_API_GROUP_VERSION}`).then(
        () => false,
        (e: unknown) => e instanceof ApiError && e.code === 404,
      ),
    );
    const out = mkdtempSync(path.join(os.tmpdir(), 'tenantry-evidence-'));
    const exported = await tenantry(['evidence', 'export', '--tenant', A, '--out', out], {
      kubeconfig: kubeconfigs.alice,
    });
    expect(exported.code, exported.stderr).toBe(0);
    expect(exported.stderr).toMatch(
      /read directly, not recorded: the APIService v1alpha1\.api\.tenantry\.dev is not installed/,
    );
  });
});
