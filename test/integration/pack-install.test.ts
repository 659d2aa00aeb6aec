import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureCosign } from '../../devcluster/tools.ts';
import { generateSigningKey, privateKeyPem, publicKeyPem } from '../../operator/evidence/keys.ts';
import { PROFILES } from '../../operator/install/profiles.ts';
import {
  buildPackImage,
  installProfile,
  operatorLogs,
  type PackCluster,
  type PackImage,
  startPackCluster,
  validateInstall,
} from '../support/pack-install.ts';
import { cosignVerifyBlob } from '../support/tools.ts';
import { waitFor } from '../support/wait.ts';

// The partner's path end to end, per profile, each on a fresh control plane of its own: the
// pack applied with kubectl, the operator running from the image in real pods (nodes that run
// containers, each pod in a network namespace of its own), then `tenantry validate` with the
// partner's key: every check passes (or is skipped for an add-on the bundle does not use) and
// cosign accepts the evidence for this cluster. bench/pack-install.ts repeats it ≥ 10 times.
const TEST_RESULT = 'https://in-toto.io/attestation/test-result/v0.1';
const key = generateSigningKey();
let image: PackImage;
let cosign: string;

beforeAll(async () => {
  cosign = await ensureCosign();
  image = await buildPackImage();
}, 600_000);

describe.each(PROFILES.map((p) => [p.name, p.run.replicas] as const))('profile %s', (profile, replicas) => {
  let c: PackCluster;
  let validation: Awaited<ReturnType<typeof validateInstall>>;

  beforeAll(async () => {
    c = await startPackCluster(image);
    try {
      await installProfile(c, profile, image);
      validation = await validateInstall(c, privateKeyPem(key));
    } catch (e) {
      throw new Error(`${(e as Error).message}\n${await operatorLogs(c)}`);
    }
  }, 420_000);

  afterAll(async () => {
    await c?.stop();
  }, 60_000);

  it('runs the operator from the image in every replica, one of them the leader', async () => {
    const pods = await c.kubectl('-n', 'tenantry-system', 'get', 'pods', '-o', 'json');
    const items = JSON.parse(pods.stdout).items as Array<{
      metadata: { name: string };
      status: { containerStatuses: Array<{ ready: boolean; imageID: string }> };
    }>;
    expect(items).toHaveLength(replicas);
    for (const p of items) {
      expect(p.status.containerStatuses[0]?.ready, p.metadata.name).toBe(true);
      expect(p.status.containerStatuses[0]?.imageID).toBe(`${image.repository}@${image.digest}`);
    }
    const lease = await c.kubectl('-n', 'tenantry-system', 'get', 'lease', 'tenantry-leader', '-o', 'json');
    const holder = JSON.parse(lease.stdout).spec.holderIdentity as string;
    expect(items.map((p) => p.metadata.name).some((n) => holder.startsWith(n))).toBe(true);
  });

  it('validates: every check passes or does not apply, exit 0', async () => {
    const { report, code, stderr } = validation;
    const notPassed = report.results.filter((r) => r.outcome !== 'pass' && r.outcome !== 'skip');
    expect(notPassed, stderr).toEqual([]);
    expect(report.verdict).toBe('PASSED');
    expect(code).toBe(0);
    const skipped = report.results.filter((r) => r.outcome === 'skip').map((r) => r.id);
    // Only the add-ons and sign-in this bundle has no Tenant using.
    expect(
      skipped.every((id) => ['pools.candidates', 'archive.endpoints', 'onboarding.idp'].includes(id)),
    ).toBe(true);
  });

  it("leaves evidence cosign accepts for this cluster with the partner's key", async () => {
    const pub = join(c.dir, 'partner.pub');
    writeFileSync(pub, publicKeyPem(key));
    const ok = await cosignVerifyBlob(cosign, {
      bundle: join(validation.evidence, 'testResult.bundle.json'),
      blob: join(validation.evidence, 'cluster.json'),
      key: pub,
      type: TEST_RESULT,
      home: c.dir,
    });
    expect(ok.code, ok.output).toBe(0);
    const bundle = await c.kubectl('get', 'distributionbundle', 'tenantry', '-o', 'json');
    const status = JSON.parse(bundle.stdout).status;
    expect(status).toMatchObject({ profile, summary: { failed: 0, warned: 0 } });
    expect(status.conditions.find((k: { type: string }) => k.type === 'Validated')).toMatchObject({
      status: 'True',
      reason: 'Passed',
    });
  });

  it.runIf(replicas > 1)(
    'fails over: deleting the leader pod hands the lease to a standby',
    async () => {
      const lease = async () =>
        JSON.parse(
          (await c.kubectl('-n', 'tenantry-system', 'get', 'lease', 'tenantry-leader', '-o', 'json')).stdout,
        ).spec.holderIdentity as string;
      const before = await lease();
      const pods = JSON.parse((await c.kubectl('-n', 'tenantry-system', 'get', 'pods', '-o', 'json')).stdout)
        .items as Array<{ metadata: { name: string } }>;
      const leader = pods.find((p) => before.startsWith(p.metadata.name))?.metadata.name ?? '';
      expect(leader).not.toBe('');
      const del = await c.kubectl('-n', 'tenantry-system', 'delete', 'pod', leader, '--wait=false');
      expect(del.code, del.stderr).toBe(0);
      const after = await waitFor(
        'a standby holding the lease',
        async () => {
          const h = await lease();
          return h && !h.startsWith(leader) ? h : undefined;
        },
        { timeoutMs: 60_000 },
      );
      expect(pods.some((p) => after.startsWith(p.metadata.name))).toBe(true);
    },
    90_000,
  );
});
