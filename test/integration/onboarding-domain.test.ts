import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenantResource } from '../../operator/api/v1alpha1/index.ts';
import { readPublicKeys } from '../../operator/evidence/keystore.ts';
import { sha256Hex } from '../../operator/evidence/statement.ts';
import { verifyBundle } from '../../operator/evidence/verify.ts';
import { DEFAULT_NAMESPACE } from '../../operator/install/rbac.ts';
import { apply } from '../../operator/runtime/apply.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import type { AnyObject } from '../../operator/runtime/kube/object.ts';
import { Builtin } from '../../operator/runtime/kube/resource.ts';
import {
  adminClient,
  startTestOperator,
  type TenantObject,
  tenantManifest,
  uniqueName,
  waitReady,
} from '../support/cluster.ts';
import { type Dnsmasq, startDnsmasq } from '../support/dnsmasq.ts';
import { operatorKubeconfigFile, spawnOperator } from '../support/process.ts';
import { waitFor } from '../support/wait.ts';

let admin: KubeClient;
let dns: Dnsmasq;
const stops: Array<() => Promise<void>> = [];

async function operator() {
  const { stop } = await startTestOperator(admin, { dnsServers: [dns.server] });
  stops.push(stop);
  return stop;
}

beforeAll(async () => {
  admin = await adminClient();
  dns = await startDnsmasq({ zones: ['test.example'] });
});

afterAll(async () => {
  for (const stop of stops) await stop();
  await dns.stop();
  admin.close();
});

type ConfigMap = AnyObject & { data: Record<string, string>; immutable?: boolean };

describe('onboarding with a domain', () => {
  it('publishes the TXT challenge, waits for it, verifies it, and signs a receipt per step', async () => {
    const stop = await operator();
    const name = uniqueName('dom');
    const domain = `${name}.test.example`;
    await apply(admin, TenantResource, tenantManifest(name, { domain: { name: domain } }));
    const pending = await waitFor('the DNS challenge in status', async () => {
      const t = await admin.get<TenantObject>(TenantResource, name);
      const c = t.status?.conditions?.find((x) => x.type === 'DomainVerified');
      return t.status?.domain && c?.status === 'False' ? t : false;
    });
    const challenge = pending.status?.domain;
    expect(challenge?.recordName).toBe(`_tenantry-challenge.${domain}`);
    expect(pending.status?.conditions?.find((c) => c.type === 'Ready')?.status).toBe('False');
    expect(pending.status?.conditions?.find((c) => c.type === 'DomainVerified')?.message).toContain(
      challenge?.value,
    );

    await dns.setRecords({ [challenge?.recordName ?? '']: [challenge?.value ?? ''] });
    const t = await waitReady(admin, name, 90_000);
    expect(t.status?.domain?.verifiedAt).toBeDefined();
    expect(t.status?.receipts?.map((r) => r.step)).toEqual([
      'TenantAccepted',
      'NamespacesProvisioned',
      'DomainVerified',
    ]);
    expect(t.status?.onboarding?.firstReceiptSeconds).toBeGreaterThanOrEqual(0);
    expect(t.status?.onboarding?.readySeconds).toBeGreaterThanOrEqual(0);

    // Every receipt verifies offline with the published keys and attests this Tenant.
    const keys = await readPublicKeys(admin, DEFAULT_NAMESPACE);
    for (const r of t.status?.receipts ?? []) {
      const cm = await admin.get<ConfigMap>(Builtin.ConfigMap, r.configMap, `${name}-system`);
      expect(cm.immutable).toBe(true);
      expect(`sha256:${sha256Hex(cm.data['bundle.json'] ?? '')}`).toBe(r.digest);
      const verified = verifyBundle(cm.data['bundle.json'], keys, {
        predicateType: 'https://tenantry.dev/attestations/onboarding-receipt/v1',
        subjects: [{ name: `tenant/${name}`, digest: sha256Hex(cm.data['subject.json'] ?? '') }],
      });
      expect(verified.keyId).toBe(r.keyId);
      expect((verified.statement.predicate as { step: string }).step).toBe(r.step);
    }
    await stop();
    stops.pop();
    await admin.delete(TenantResource, name);
  });

  it('reports a wrong TXT value with what it found and what is expected', async () => {
    const stop = await operator();
    const name = uniqueName('wrong');
    const domain = `${name}.test.example`;
    await dns.setRecords({ [`_tenantry-challenge.${domain}`]: ['tenantry-domain-verification=not-it'] });
    await apply(admin, TenantResource, tenantManifest(name, { domain: { name: domain } }));
    const c = await waitFor('DomainVerified=False with WrongValue', async () => {
      const t = await admin.get<TenantObject>(TenantResource, name);
      const cond = t.status?.conditions?.find((x) => x.type === 'DomainVerified');
      return cond?.reason === 'WrongValue' ? cond : false;
    });
    expect(c.message).toContain('not-it');
    await stop();
    stops.pop();
    await admin.delete(TenantResource, name);
  });

  it('never duplicates receipts when the operator is killed and restarted mid-onboarding', async () => {
    const name = uniqueName('restart');
    const domain = `${name}.test.example`;
    let stop = await operator();
    await apply(admin, TenantResource, tenantManifest(name, { domain: { name: domain } }));
    const first = await waitFor('the first receipts', async () => {
      const t = await admin.get<TenantObject>(TenantResource, name);
      return (t.status?.receipts?.length ?? 0) >= 2 ? t : false;
    });
    await stop();
    stops.pop();
    // A second operator picks up where the first left off, twice over.
    for (let i = 0; i < 2; i++) {
      stop = await operator();
      await stop();
      stops.pop();
    }
    stop = await operator();
    const challenge = first.status?.domain;
    await dns.setRecords({ [challenge?.recordName ?? '']: [challenge?.value ?? ''] });
    const t = await waitReady(admin, name, 90_000);
    const steps = t.status?.receipts?.map((r) => `${r.step}@${r.generation}`) ?? [];
    expect(steps).toEqual([...new Set(steps)]);
    const stored = await admin.list<ConfigMap>(Builtin.ConfigMap, {
      namespace: `${name}-system`,
      labelSelector: 'tenantry.dev/evidence=receipt',
    });
    expect(stored.items.map((c) => c.metadata.name).sort()).toEqual(
      t.status?.receipts?.map((r) => r.configMap).sort(),
    );
    await stop();
    stops.pop();
    await admin.delete(TenantResource, name);
  });

  it('never duplicates receipts when operator processes are SIGKILLed at random points', async () => {
    const kubeconfig = await operatorKubeconfigFile(admin);
    const name = uniqueName('sigkill');
    const domain = `${name}.test.example`;
    await apply(admin, TenantResource, tenantManifest(name, { domain: { name: domain } }));
    for (let i = 0; i < 4; i++) {
      const p = spawnOperator(kubeconfig, ['--no-leader-elect', '--dns-server', dns.server]);
      await p.identity();
      // A random moment in the first second and a half of work: the kill is the test, not a wait.
      await new Promise((r) => setTimeout(r, Math.random() * 1500));
      p.child.kill('SIGKILL');
      await p.exited;
    }
    const t0 = await admin.get<TenantObject>(TenantResource, name);
    const challenge =
      t0.status?.domain ??
      (await waitFor(
        'the challenge',
        async () => (await admin.get<TenantObject>(TenantResource, name)).status?.domain,
      ));
    await dns.setRecords({ [challenge.recordName]: [challenge.value] });
    const stop = await operator();
    const t = await waitReady(admin, name, 90_000);
    const steps = t.status?.receipts?.map((r) => `${r.step}@${r.generation}`) ?? [];
    expect(steps).toEqual(['TenantAccepted@1', 'NamespacesProvisioned@1', 'DomainVerified@1']);
    const stored = await admin.list<ConfigMap>(Builtin.ConfigMap, {
      namespace: `${name}-system`,
      labelSelector: 'tenantry.dev/evidence=receipt',
    });
    expect(stored.items.map((c) => c.metadata.name).sort()).toEqual(
      t.status?.receipts?.map((r) => r.configMap).sort(),
    );
    await stop();
    stops.pop();
    await admin.delete(TenantResource, name);
  });
});
