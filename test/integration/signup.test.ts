import { execFile } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCosign } from '../../devcluster/tools.ts';
import { TenantResource } from '../../operator/api/v1alpha1/index.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import { tenantry } from '../support/cli.ts';
import { adminClient, startTestOperator, type TenantObject, uniqueName } from '../support/cluster.ts';
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
      signupArgs(name, [
        '--idp',
        'keycloak',
        '--issuer',
        idp.issuer,
        '--client-id',
        'tenantry-console',
        '--client-secret-file',
        wrongSecret,
        '--redirect-uri',
        REDIRECT,
        '--timeout',
        '1m',
      ]),
    );
    expect(result.code, result.stderr).toBe(1);
    const t = await admin.get<TenantObject>(TenantResource, name);
    const failing = t.status?.identity?.checks?.filter((c) => c.status === 'fail') ?? [];
    expect(failing.map((c) => c.id)).toEqual(['clientCredentials']);
    expect(failing[0]?.fix).toMatch(/Credentials|secret/i);
    expect(t.status?.conditions?.find((c) => c.type === 'IdentityConnected')?.status).toBe('False');
    expect(JSON.stringify(t.status)).not.toContain('not-the-secret');
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
    expect(await admin.find(TenantResource, name)).toBeUndefined();
  });
});
