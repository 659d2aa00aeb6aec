import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCosign } from '../../devcluster/tools.ts';
import { TenantResource } from '../../operator/api/v1alpha1/index.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import type { AnyObject } from '../../operator/runtime/kube/object.ts';
import { Builtin } from '../../operator/runtime/kube/resource.ts';
import { tenantry } from '../support/cli.ts';
import {
  adminClient,
  startTestOperator,
  type TenantObject,
  tenantManifest,
  uniqueName,
} from '../support/cluster.ts';
import { type Dnsmasq, startDnsmasq } from '../support/dnsmasq.ts';
import { startTestProvider, type TestProvider } from '../support/oidc-provider.ts';
import { waitFor } from '../support/wait.ts';

const run = promisify(execFile);
const RECEIPT = 'https://tenantry.dev/attestations/onboarding-receipt/v1';
const REDIRECT = 'https://console.test.example/oidc/callback';

let admin: KubeClient;
let dns: Dnsmasq;
let idp: TestProvider;
let stopOperator: () => Promise<void>;
let secretFile: string;
let cosign: string;

beforeAll(async () => {
  admin = await adminClient();
  [dns, idp, cosign] = await Promise.all([
    startDnsmasq({ zones: ['test.example'] }),
    startTestProvider({
      clients: [
        {
          client_id: 'tenantry-console',
          client_secret: 's3cret-value',
          redirect_uris: [REDIRECT],
          grant_types: ['authorization_code', 'client_credentials'],
        },
      ],
    }),
    ensureCosign(),
  ]);
  ({ stop: stopOperator } = await startTestOperator(admin, { dnsServers: [dns.server], identityCa: idp.ca }));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'signup-'));
  secretFile = path.join(dir, 'client-secret');
  writeFileSync(secretFile, 's3cret-value\n', { mode: 0o600 });
}, 900_000);

afterAll(async () => {
  await stopOperator();
  await Promise.all([dns.stop(), idp.stop()]);
  admin.close();
});

const signupArgs = (name: string, extra: string[] = []) => [
  'signup',
  '--no-input',
  '--name',
  name,
  '--display-name',
  `Org ${name}`,
  '--region',
  'eu-west-1',
  '--owner',
  'alice@example.com',
  ...extra,
];

/** Flags of the test provider's keycloak client, with the secret from `secretFrom` if given. */
const idpFlags = (opts: { issuer?: string; secretFrom?: string } = {}) => [
  '--idp',
  'keycloak',
  '--issuer',
  opts.issuer ?? idp.issuer,
  '--client-id',
  'tenantry-console',
  '--redirect-uri',
  REDIRECT,
  ...(opts.secretFrom ? ['--client-secret-file', opts.secretFrom] : []),
];

describe('tenantry signup', () => {
  it('takes a regulated tenant with domain and IdP to Ready, with receipts that verify with tenantry and cosign', async () => {
    const name = uniqueName('signup');
    const domain = `${name}.test.example`;
    const cli = tenantry(
      signupArgs(name, [
        '--profile',
        'regulated',
        '--retention',
        '400',
        '--domain',
        domain,
        '--idp',
        'keycloak',
        '--issuer',
        idp.issuer,
        '--client-id',
        'tenantry-console',
        '--client-secret-file',
        secretFile,
        '--redirect-uri',
        REDIRECT,
        '--output',
        'json',
        '--timeout',
        '2m',
      ]),
    );
    // The wizard prints the record to publish; here the "customer" publishes it from status.
    const pending = await waitFor('the DNS challenge', async () => {
      const t = await admin.find<TenantObject>(TenantResource, name);
      return t?.status?.domain;
    });
    // The regulated profile holds identity checks until the domain is verified.
    const before = await admin.get<TenantObject>(TenantResource, name);
    expect(before.status?.conditions?.find((c) => c.type === 'IdentityConnected')?.reason).toBe(
      'WaitingForDomainVerification',
    );
    await dns.setRecords({ [pending.recordName]: [pending.value] });
    const result = await cli;
    expect(result.code, result.stderr).toBe(0);
    const summary = JSON.parse(result.stdout) as {
      outcome: string;
      elapsedSeconds: number;
      firstReceipt: { step: string };
    };
    expect(summary.outcome).toBe('ready');
    expect(summary.firstReceipt.step).toBe('TenantAccepted');

    const t = await admin.get<TenantObject>(TenantResource, name);
    expect(t.status?.receipts?.map((r) => r.step)).toEqual([
      'TenantAccepted',
      'NamespacesProvisioned',
      'DomainVerified',
      'IdentityConnected',
    ]);
    expect(t.status?.identity?.checks?.every((c) => c.status !== 'fail')).toBe(true);

    const out = mkdtempSync(path.join(os.tmpdir(), 'evidence-'));
    const exported = await tenantry(['evidence', 'export', '--tenant', name, '--out', out]);
    expect(exported.code, exported.stderr).toBe(0);
    const bundles = readdirSync(out).filter((f) => f.endsWith('.bundle.json'));
    expect(bundles).toHaveLength(4);
    const keys = readdirSync(path.join(out, 'keys')).map((k) => path.join(out, 'keys', k));
    const keyArgs = keys.flatMap((k) => ['--key', k]);
    const verified = await tenantry([
      'evidence',
      'verify',
      ...keyArgs,
      '--type',
      RECEIPT,
      ...bundles.map((b) => path.join(out, b)),
    ]);
    expect(verified.code, verified.stdout + verified.stderr).toBe(0);

    const receipt = bundles[0] ?? '';
    const blob = path.join(out, receipt.replace('.bundle.json', '.subject.json'));
    const cosignVerify = (bundle: string, key: string) =>
      run(cosign, [
        'verify-blob-attestation',
        '--insecure-ignore-tlog',
        '--key',
        key,
        '--type',
        RECEIPT,
        '--bundle',
        bundle,
        blob,
      ]);
    const key = keys.find((k) => k.includes(t.status?.receipts?.[0]?.keyId ?? '-')) ?? keys[0] ?? '';
    await cosignVerify(path.join(out, receipt), key);

    // Tampering: change the signed payload; both verifiers must refuse it.
    const original = JSON.parse(readFileSync(path.join(out, receipt), 'utf8')) as {
      dsseEnvelope: { payload: string };
    };
    const statement = JSON.parse(Buffer.from(original.dsseEnvelope.payload, 'base64').toString()) as {
      predicate: { step: string };
    };
    statement.predicate.step = 'IdentityConnected';
    original.dsseEnvelope.payload = Buffer.from(JSON.stringify(statement)).toString('base64');
    const tampered = path.join(out, 'tampered.bundle.json');
    writeFileSync(tampered, JSON.stringify(original));
    const refused = await tenantry(['evidence', 'verify', ...keyArgs, tampered]);
    expect(refused.code).toBe(1);
    expect(refused.stdout + refused.stderr).toMatch(/FAIL/);
    await expect(cosignVerify(tampered, key)).rejects.toThrow();
    await admin.delete(TenantResource, name);
  });

  it('reports the exact failing identity check and its fix', async () => {
    const name = uniqueName('badidp');
    const wrongSecret = path.join(path.dirname(secretFile), 'wrong');
    writeFileSync(wrongSecret, 'not-the-secret');
    const result = await tenantry(
      signupArgs(name, [...idpFlags({ secretFrom: wrongSecret }), '--timeout', '1m']),
    );
    expect(result.code, result.stderr).toBe(1);
    const t = await admin.get<TenantObject>(TenantResource, name);
    const failing = t.status?.identity?.checks?.filter((c) => c.status === 'fail') ?? [];
    expect(failing.map((c) => c.id)).toEqual(['clientCredentials']);
    expect(failing[0]?.fix).toMatch(/Credentials|secret/i);
    // The fix says which Secret and key to put the right secret in.
    expect(failing[0]?.fix).toContain(
      `then put it in Secret ${name}-system/tenantry-idp, key client-secret: kubectl -n ${name}-system create secret generic tenantry-idp --from-file=client-secret=FILE`,
    );
    expect(result.stderr).toContain('      ✗ clientCredentials (fail): the token endpoint rejected');
    // The wizard writes the Secret right after the namespace appears: never reported missing.
    expect(result.stderr).not.toContain('ClientSecretMissing');
    expect(t.status?.conditions?.find((c) => c.type === 'IdentityConnected')?.status).toBe('False');
    expect(JSON.stringify(t.status)).not.toContain('not-the-secret');
    await admin.delete(TenantResource, name);
  });

  it('lists the checks discovery held back as skipped, not failed', async () => {
    const name = uniqueName('nodisc');
    const result = await tenantry(
      signupArgs(name, [
        ...idpFlags({ issuer: `${idp.issuer}/no-such-realm`, secretFrom: secretFile }),
        '--timeout',
        '1m',
      ]),
    );
    expect(result.code, result.stderr).toBe(1);
    const t = await admin.get<TenantObject>(TenantResource, name);
    const checks = t.status?.identity?.checks ?? [];
    expect(checks.filter((c) => c.status === 'fail').map((c) => c.id)).toEqual(['discovery']);
    // The provider answered (404), so its clock could still be read.
    expect(checks.filter((c) => c.status === 'skip').map((c) => c.id)).toEqual([
      'issuer',
      'jwks',
      'scopes',
      'claims',
      'redirectUri',
      'clientCredentials',
    ]);
    expect(t.status?.conditions?.find((c) => c.type === 'IdentityConnected')?.message).toMatch(
      /^1 identity check failed: discovery: .* answered HTTP 404.*; 6 dependent checks skipped \(issuer, jwks, scopes, claims, redirectUri, clientCredentials\)$/,
    );
    expect(result.stderr).toContain('      ✗ discovery (fail):');
    expect(result.stderr).toContain('      - issuer (skip): skipped: discovery failed');
    expect(result.stderr).not.toMatch(/✗ (issuer|jwks|clockSkew)/);
    await admin.delete(TenantResource, name);
  });

  it('waits for a client Secret on its way instead of calling it missing, and checks once it is there', async () => {
    const name = uniqueName('latesecret');
    await admin.create(
      TenantResource,
      tenantManifest(name, {
        identity: {
          preset: 'keycloak',
          issuer: idp.issuer,
          clientId: 'tenantry-console',
          redirectUri: REDIRECT,
          clientSecretRef: { name: 'tenantry-idp' },
        },
      }),
    );
    const identity = (t: TenantObject | undefined) =>
      t?.status?.conditions?.find(
        (c) => c.type === 'IdentityConnected' && c.observedGeneration === t.metadata.generation,
      );
    const waiting = await waitFor('IdentityConnected to be decided', async () => {
      const t = await admin.get<TenantObject>(TenantResource, name);
      return identity(t) ? t : undefined;
    });
    expect(identity(waiting)).toMatchObject({
      status: 'Unknown',
      reason: 'WaitingForClientSecret',
      message: `waiting for Secret ${name}-system/tenantry-idp, key client-secret with the client secret; the identity checks run once it exists`,
    });
    expect(waiting.status?.conditions?.find((c) => c.type === 'Ready')?.reason).toBe(
      'WaitingForClientSecret',
    );
    expect(waiting.status?.conditions?.find((c) => c.type === 'Stalled')).toBeUndefined();
    await admin.create(Builtin.Secret, {
      metadata: { name: 'tenantry-idp', namespace: `${name}-system` },
      stringData: { 'client-secret': 's3cret-value' },
    } as AnyObject);
    const connected = await waitFor('IdentityConnected=True once the Secret exists', async () => {
      const t = await admin.get<TenantObject>(TenantResource, name);
      return identity(t)?.status === 'True' ? t : undefined;
    });
    expect(connected.status?.identity?.checks?.every((c) => c.status === 'pass')).toBe(true);
    await admin.delete(TenantResource, name);
  });

  it('refuses bad answers before creating anything', async () => {
    const name = uniqueName('refused');
    const short = await tenantry(signupArgs(name, ['--profile', 'regulated', '--retention', '30']));
    expect(short.code).toBe(2);
    expect(short.stderr).toMatch(/at least 365 days/);
    const region = await tenantry(signupArgs(name, ['--region', 'EU West']));
    expect(region.code).toBe(2);
    expect(region.stderr).toMatch(/spec\.region/);
    const missing = await tenantry(['signup', '--no-input', '--name', name]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/--region/);
    const noFile = path.join(path.dirname(secretFile), 'no-such-file');
    const unreadable = await tenantry(signupArgs(name, idpFlags({ secretFrom: noFile })));
    expect(unreadable.code).toBe(2);
    expect(unreadable.stderr).toBe(`error: --client-secret-file ${noFile}: cannot read it (no such file)\n`);
    expect(await admin.find(TenantResource, name)).toBeUndefined();
  });
});
