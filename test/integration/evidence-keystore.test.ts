import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it, vi } from 'vitest';
import { evidenceCommand } from '../../cmd/commands/evidence.ts';
import { keyIdOf } from '../../operator/evidence/keys.ts';
import { KeyStore, PUBLIC_KEYS_CONFIGMAP, SIGNING_KEY_SECRET } from '../../operator/evidence/keystore.ts';
import { signStatement } from '../../operator/evidence/sign.ts';
import { makeStatement, subjectFromBytes } from '../../operator/evidence/statement.ts';
import { verifyBundle } from '../../operator/evidence/verify.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import type { KubeObject } from '../../operator/runtime/kube/object.ts';
import { Builtin } from '../../operator/runtime/kube/resource.ts';
import { adminClient, uniqueName } from '../support/cluster.ts';

type WithData = KubeObject & { data?: Record<string, string> };

const statement = makeStatement([subjectFromBytes('report.json', 'r')], 'https://tenantry.dev/test/v1', {});
let admin: KubeClient;
const namespaces: string[] = [];
const dir = mkdtempSync(join(tmpdir(), 'tenantry-evidence-keystore-'));

/** Each test gets its own namespace, standing in for the operator namespace. */
async function freshNamespace(): Promise<string> {
  const name = uniqueName('evidence');
  await admin.create(Builtin.Namespace, { metadata: { name } });
  namespaces.push(name);
  return name;
}

beforeAll(async () => {
  admin = await adminClient();
});

afterAll(async () => {
  for (const ns of namespaces) await admin.delete(Builtin.Namespace, ns).catch(() => {});
  admin.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('KeyStore against the API server', () => {
  it('creates the Secret and the ConfigMap on first use; a second replica gets the same key', async () => {
    const ns = await freshNamespace();
    const first = await new KeyStore(admin, { namespace: ns }).activeKey();

    const secret = await admin.get<WithData & { type: string }>(Builtin.Secret, SIGNING_KEY_SECRET, ns);
    expect(secret.type).toBe('Opaque');
    expect(Buffer.from(secret.data?.['key-id'] ?? '', 'base64').toString()).toBe(first.keyId);
    expect(Date.parse(Buffer.from(secret.data?.['created-at'] ?? '', 'base64').toString())).toBeGreaterThan(
      0,
    );
    const cm = await admin.get<WithData>(Builtin.ConfigMap, PUBLIC_KEYS_CONFIGMAP, ns);
    expect(Object.keys(cm.data ?? {})).toEqual([`${first.keyId}.pem`]);
    expect(keyIdOf(cm.data?.[`${first.keyId}.pem`] ?? '')).toBe(first.keyId);

    const replica = await new KeyStore(admin, { namespace: ns }).activeKey();
    expect(replica.keyId).toBe(first.keyId);
    // Loading an existing key writes nothing.
    expect((await admin.get<WithData>(Builtin.Secret, SIGNING_KEY_SECRET, ns)).metadata.resourceVersion).toBe(
      secret.metadata.resourceVersion,
    );
    expect(
      (await admin.get<WithData>(Builtin.ConfigMap, PUBLIC_KEYS_CONFIGMAP, ns)).metadata.resourceVersion,
    ).toBe(cm.metadata.resourceVersion);
  });

  it('ends with one key when replicas start together', async () => {
    const ns = await freshNamespace();
    const keys = await Promise.all(
      [1, 2, 3, 4].map(() => new KeyStore(admin, { namespace: ns }).activeKey()),
    );
    expect(new Set(keys.map((k) => k.keyId)).size).toBe(1);
    const cm = await admin.get<WithData>(Builtin.ConfigMap, PUBLIC_KEYS_CONFIGMAP, ns);
    expect(Object.keys(cm.data ?? {})).toEqual([`${keys[0]?.keyId}.pem`]);
  });

  it('rotates and keeps the old public key, so old evidence still verifies', async () => {
    const ns = await freshNamespace();
    const store = new KeyStore(admin, { namespace: ns });
    const oldKey = await store.activeKey();
    const oldBundle = await signStatement(statement, oldKey);

    const newKey = await store.rotate();
    expect(newKey.keyId).not.toBe(oldKey.keyId);
    const newBundle = await signStatement(statement, newKey);
    expect((await new KeyStore(admin, { namespace: ns }).activeKey()).keyId).toBe(newKey.keyId);

    const published = await store.publicKeys();
    expect(Object.keys(published).sort()).toEqual([oldKey.keyId, newKey.keyId].sort());
    expect(verifyBundle(oldBundle, published).keyId).toBe(oldKey.keyId);
    expect(verifyBundle(newBundle, published).keyId).toBe(newKey.keyId);

    // The CLI, reading the published keys through a kubeconfig, agrees.
    writeFileSync(join(dir, 'old.json'), JSON.stringify(oldBundle));
    writeFileSync(join(dir, 'new.json'), JSON.stringify(newBundle));
    let out = '';
    const spy = vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
      out += String(chunk);
      return true;
    });
    try {
      await evidenceCommand()
        .exitOverride()
        .parseAsync(
          [
            'verify',
            '--keys-from-cluster',
            '--kubeconfig',
            inject('kubeconfig'),
            '-n',
            ns,
            // Lone bundles, signed here: there is no subject file beside them to check.
            '--no-subject-file',
            ...['old', 'new'].map((f) => join(dir, `${f}.json`)),
          ],
          { from: 'user' },
        );
    } finally {
      spy.mockRestore();
    }
    expect(process.exitCode ?? 0).toBe(0);
    expect(out).toContain(`OK ${join(dir, 'old.json')} keyid=${oldKey.keyId}`);
    expect(out).toContain(`OK ${join(dir, 'new.json')} keyid=${newKey.keyId}`);
  });
});
