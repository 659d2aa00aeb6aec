import { describe, expect, it } from 'vitest';
import type { KubeClient } from '../runtime/kube/client.ts';
import { ApiError } from '../runtime/kube/errors.ts';
import type { KubeObject } from '../runtime/kube/object.ts';
import type { ResourceType } from '../runtime/kube/resource.ts';
import { keyIdOf } from './keys.ts';
import { KeyStore, PUBLIC_KEYS_CONFIGMAP, readPublicKeys, SIGNING_KEY_SECRET } from './keystore.ts';
import { keyStoreSigner, signStatement } from './sign.ts';
import { makeStatement, subjectFromBytes } from './statement.ts';
import { verifyBundle } from './verify.ts';

type Obj = KubeObject & { data?: Record<string, string> };

/**
 * An in-memory API server for Secrets and ConfigMaps with the semantics the KeyStore relies
 * on: AlreadyExists on create, optimistic concurrency on update, merge patches. Every call
 * yields to the event loop first, so concurrent callers interleave as with a real server.
 */
class FakeApi {
  readonly objects = new Map<string, Obj>();
  writes = 0;
  /** Runs once before the next update, to simulate another writer getting in first. */
  beforeUpdate: (() => void) | undefined;
  /** While set, every read fails as if the API server were unavailable. */
  down = false;
  private rv = 0;
  private key = (t: ResourceType, ns: string | undefined, name: string) => `${t.plural}/${ns}/${name}`;

  async get<T>(t: ResourceType, name: string, ns?: string): Promise<T> {
    await Promise.resolve();
    if (this.down)
      throw new ApiError(503, 'ServiceUnavailable', 'the server is currently unable to handle the request');
    const o = this.objects.get(this.key(t, ns, name));
    if (!o) throw new ApiError(404, 'NotFound', `${t.plural} "${name}" not found`);
    return structuredClone(o) as T;
  }
  async find<T>(t: ResourceType, name: string, ns?: string): Promise<T | undefined> {
    return this.get<T>(t, name, ns).catch((e) => {
      if (e.code === 404) return undefined;
      throw e;
    });
  }
  async create<T extends Obj>(t: ResourceType, obj: T): Promise<T> {
    await Promise.resolve();
    const k = this.key(t, obj.metadata.namespace, obj.metadata.name ?? '');
    if (this.objects.has(k)) throw new ApiError(409, 'AlreadyExists', `${t.plural} already exists`);
    return this.store(k, obj);
  }
  async update<T extends Obj>(t: ResourceType, obj: T): Promise<T> {
    await Promise.resolve();
    const hook = this.beforeUpdate;
    this.beforeUpdate = undefined;
    hook?.();
    const k = this.key(t, obj.metadata.namespace, obj.metadata.name ?? '');
    const cur = this.objects.get(k);
    if (!cur) throw new ApiError(404, 'NotFound', 'not found');
    if (cur.metadata.resourceVersion !== obj.metadata.resourceVersion)
      throw new ApiError(409, 'Conflict', 'the object has been modified');
    return this.store(k, obj);
  }
  async patch<T extends Obj>(t: ResourceType, name: string, ns: string, patch: { data: object }): Promise<T> {
    await Promise.resolve();
    const k = this.key(t, ns, name);
    const cur = this.objects.get(k);
    if (!cur) throw new ApiError(404, 'NotFound', 'not found');
    return this.store(k, { ...cur, data: { ...cur.data, ...patch.data } }) as T;
  }
  private store<T extends Obj>(k: string, obj: T): T {
    this.writes++;
    const saved = structuredClone({
      ...obj,
      metadata: { ...obj.metadata, resourceVersion: String(++this.rv) },
    });
    this.objects.set(k, saved);
    return structuredClone(saved);
  }
  client(): KubeClient {
    return this as unknown as KubeClient;
  }
}

const NS = 'tenantry-system';
const statement = makeStatement([subjectFromBytes('x', 'x')], 'https://tenantry.dev/test/v1', {});

describe('KeyStore', () => {
  it('creates the Secret and publishes the public key on first use', async () => {
    const api = new FakeApi();
    const now = new Date('2026-01-02T03:04:05.678Z');
    const key = await new KeyStore(api.client(), { namespace: NS, now: () => now }).activeKey();
    const secret = api.objects.get(`secrets/${NS}/${SIGNING_KEY_SECRET}`);
    const field = (f: string) => Buffer.from(secret?.data?.[f] ?? '', 'base64').toString();
    expect(field('key-id')).toBe(key.keyId);
    expect(field('created-at')).toBe('2026-01-02T03:04:05Z');
    expect(field('key.pem')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
    expect((secret as { type?: string }).type).toBe('Opaque');
    const published = await readPublicKeys(api.client(), NS);
    expect(Object.keys(published)).toEqual([key.keyId]);
    expect(keyIdOf(published[key.keyId] ?? '')).toBe(key.keyId);
    expect(api.objects.get(`configmaps/${NS}/${PUBLIC_KEYS_CONFIGMAP}`)?.data).toHaveProperty(
      `${key.keyId}.pem`,
    );
  });

  it('gives a second replica the same key, and writes nothing when all is in place', async () => {
    const api = new FakeApi();
    const first = await new KeyStore(api.client(), { namespace: NS }).activeKey();
    const writes = api.writes;
    const second = await new KeyStore(api.client(), { namespace: NS }).activeKey();
    expect(second.keyId).toBe(first.keyId);
    expect(api.writes).toBe(writes);
  });

  it('ends with one key when replicas start at the same moment', async () => {
    const api = new FakeApi();
    const stores = [1, 2, 3].map(() => new KeyStore(api.client(), { namespace: NS }));
    const keys = await Promise.all(stores.map((s) => s.activeKey()));
    expect(new Set(keys.map((k) => k.keyId)).size).toBe(1);
    expect(Object.keys(await readPublicKeys(api.client(), NS))).toEqual([keys[0]?.keyId]);
  });

  it('caches the key, and loads it once for concurrent callers', async () => {
    const api = new FakeApi();
    const store = new KeyStore(api.client(), { namespace: NS });
    const [a, b] = await Promise.all([store.activeKey(), store.activeKey()]);
    expect(a).toBe(b);
    expect(await store.activeKey()).toBe(a);
  });

  it('rotates to a new key and keeps every old public key published', async () => {
    const api = new FakeApi();
    const store = new KeyStore(api.client(), { namespace: NS });
    const signer = keyStoreSigner(store);
    const before = await signer.sign(statement);
    const next = await store.rotate();
    expect(next.keyId).not.toBe(before.keyId);
    const after = await signer.sign(statement);
    expect(after.keyId).toBe(next.keyId);
    const third = await store.rotate();

    const published = await store.publicKeys();
    expect(Object.keys(published).sort()).toEqual([before.keyId, next.keyId, third.keyId].sort());
    // Evidence signed before each rotation still verifies with the published set.
    expect(verifyBundle(before.bundle, published).keyId).toBe(before.keyId);
    expect(verifyBundle(after.bundle, published).keyId).toBe(next.keyId);
    // Another replica (or a restart) picks up the rotated key.
    expect((await new KeyStore(api.client(), { namespace: NS }).activeKey()).keyId).toBe(third.keyId);
  });

  it('lets one of two concurrent rotations win', async () => {
    const api = new FakeApi();
    const a = new KeyStore(api.client(), { namespace: NS });
    const b = new KeyStore(api.client(), { namespace: NS });
    const old = await a.activeKey();
    await b.activeKey();
    const [ka, kb] = await Promise.all([a.rotate(), b.rotate()]);
    expect(ka.keyId).toBe(kb.keyId);
    expect(ka.keyId).not.toBe(old.keyId);
    expect((await new KeyStore(api.client(), { namespace: NS }).activeKey()).keyId).toBe(ka.keyId);
  });

  it('still rotates when the Secret changed in another way meanwhile', async () => {
    const api = new FakeApi();
    const store = new KeyStore(api.client(), { namespace: NS });
    const old = await store.activeKey();
    const name = `secrets/${NS}/${SIGNING_KEY_SECRET}`;
    api.beforeUpdate = () => {
      const s = api.objects.get(name);
      if (s)
        api.objects.set(name, {
          ...s,
          metadata: { ...s.metadata, labels: { x: 'y' }, resourceVersion: 'other' },
        });
    };
    const next = await store.rotate();
    expect(next.keyId).not.toBe(old.keyId);
    expect((await new KeyStore(api.client(), { namespace: NS }).activeKey()).keyId).toBe(next.keyId);
  });

  it('republishes a key whose publication was lost (crash between the two writes)', async () => {
    const api = new FakeApi();
    const key = await new KeyStore(api.client(), { namespace: NS }).activeKey();
    api.objects.delete(`configmaps/${NS}/${PUBLIC_KEYS_CONFIGMAP}`);
    await new KeyStore(api.client(), { namespace: NS }).activeKey();
    expect(Object.keys(await readPublicKeys(api.client(), NS))).toEqual([key.keyId]);
  });

  it('refuses, and never overwrites, a Secret that holds no usable key', async () => {
    const api = new FakeApi();
    const secret = await api.create<Obj>({ plural: 'secrets' } as ResourceType, {
      metadata: { name: SIGNING_KEY_SECRET, namespace: NS },
      data: { 'key.pem': Buffer.from('garbage').toString('base64') },
    });
    const store = new KeyStore(api.client(), { namespace: NS });
    await expect(store.activeKey()).rejects.toThrow(
      `Secret ${NS}/${SIGNING_KEY_SECRET}: signing key is not a valid PEM private key`,
    );
    expect(api.objects.get(`secrets/${NS}/${SIGNING_KEY_SECRET}`)?.metadata.resourceVersion).toBe(
      secret.metadata.resourceVersion,
    );
  });

  it('does not cache a failed load', async () => {
    const api = new FakeApi();
    const store = new KeyStore(api.client(), { namespace: NS });
    api.down = true;
    await expect(store.activeKey()).rejects.toThrow('unable to handle');
    api.down = false;
    await expect(store.activeKey()).resolves.toHaveProperty('keyId');
  });

  it('signs in a form that verifies with the key it reports', async () => {
    const api = new FakeApi();
    const store = new KeyStore(api.client(), { namespace: NS });
    const key = await store.activeKey();
    const bundle = await signStatement(statement, key);
    expect(verifyBundle(bundle, await store.publicKeys()).statement).toEqual(statement);
  });
});
