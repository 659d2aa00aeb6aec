import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse, stringify } from 'yaml';
import { EntitlementResource, TenantResource } from '../../operator/api/v1alpha1/index.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import { adminClient, kubectl, uniqueName } from '../support/cluster.ts';
import { waitFor } from '../support/wait.ts';

// What a GitOps pipeline does, with the real kubectl: apply the repository's manifests again
// and again, and move from client-side to server-side apply. An unchanged manifest must stay
// unchanged (no default the server adds may differ from what the manifest says), and the move
// must not conflict. No operator runs here: this is about the API alone.

const examples = path.join(import.meta.dirname, '../../operator/api/examples');
let admin: KubeClient;
let dir: string;
const tenant = uniqueName('gitops');

/** The example manifests, renamed for this test. */
function manifests(): string {
  const t = parse(readFileSync(path.join(examples, 'tenant.yaml'), 'utf8'));
  t.metadata.name = tenant;
  const e = parse(readFileSync(path.join(examples, 'entitlement.yaml'), 'utf8'));
  e.metadata.name = tenant;
  e.spec.tenantRef.name = tenant;
  const file = path.join(dir, 'repo.yaml');
  writeFileSync(file, `${stringify(t)}---\n${stringify(e)}`);
  return file;
}

beforeAll(async () => {
  admin = await adminClient();
  dir = mkdtempSync(path.join(os.tmpdir(), 'tenantry-gitops-'));
});

afterAll(async () => {
  await admin.delete(EntitlementResource, tenant).catch(() => {});
  await admin.delete(TenantResource, tenant).catch(() => {});
  await waitFor('the test objects to be gone', async () => !(await admin.find(TenantResource, tenant)), {
    timeoutMs: 60_000,
  });
  admin.close();
});

describe('GitOps re-applies', () => {
  it('reports an unchanged manifest as unchanged on every client-side apply', async () => {
    const file = manifests();
    const first = await kubectl('apply', '-f', file);
    expect(first.stdout).toMatch(/created/);
    for (let i = 0; i < 3; i++) {
      const again = await kubectl('apply', '-f', file);
      expect(again.stdout.trim().split('\n')).toEqual([
        `tenant.tenantry.dev/${tenant} unchanged`,
        `entitlement.tenantry.dev/${tenant} unchanged`,
      ]);
    }
  });

  it('moves from client-side to server-side apply without a conflict, and stays there', async () => {
    const file = manifests();
    const ssa = await kubectl('apply', '--server-side', '-f', file);
    expect(ssa.stdout).toMatch(/serverside-applied/);
    const rv = (await admin.get(TenantResource, tenant)).metadata.resourceVersion;
    await kubectl('apply', '--server-side', '-f', file);
    expect((await admin.get(TenantResource, tenant)).metadata.resourceVersion).toBe(rv);
  });
});
