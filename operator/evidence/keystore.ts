import { LABEL_MANAGED_BY, MANAGED_BY } from '../api/names.ts';
import type { KubeClient } from '../runtime/kube/client.ts';
import { isAlreadyExists, isConflict, isNotFound } from '../runtime/kube/errors.ts';
import type { KubeObject } from '../runtime/kube/object.ts';
import { Builtin } from '../runtime/kube/resource.ts';
import type { Logger } from '../runtime/log.ts';
import {
  generateSigningKey,
  keyIdOf,
  privateKeyPem,
  publicKeyPem,
  type SigningKey,
  signingKeyFromPem,
} from './keys.ts';

export const SIGNING_KEY_SECRET = 'tenantry-signing-key';
export const PUBLIC_KEYS_CONFIGMAP = 'tenantry-public-keys';

/** Fields of the signing-key Secret. */
const F = { key: 'key.pem', keyId: 'key-id', createdAt: 'created-at' } as const;

interface Secret extends KubeObject {
  type?: string;
  data?: Record<string, string>;
}
interface ConfigMap extends KubeObject {
  data?: Record<string, string>;
}

export interface KeyStoreOptions {
  /** The operator's namespace, home of the Secret and the ConfigMap. */
  namespace: string;
  log?: Logger;
  /** Stamps the key's creation time; a parameter so tests can fix it. */
  now?: () => Date;
}

/** Where verifiers find every public key that ever signed evidence in this cluster. */
export function publicKeyFileName(keyId: string): string {
  return `${keyId}.pem`;
}

/**
 * The operator's evidence signing key, kept in the Kubernetes API:
 * - Secret `tenantry-signing-key` holds the active private key (PKCS#8 PEM), its key id
 *   and creation time. It is created on first use with create-if-absent semantics, so
 *   replicas starting together end up with one key: whoever loses the create re-reads.
 * - ConfigMap `tenantry-public-keys` holds `<keyId>.pem` for every key that was ever
 *   active. Entries are only ever added, so evidence signed before a rotation still
 *   verifies. A key is published before it is handed out for signing (on every load,
 *   which also repairs a crash between writing the Secret and publishing).
 *
 * Key material is never logged: log lines carry the key id only.
 */
export class KeyStore {
  private readonly client: KubeClient;
  private readonly namespace: string;
  private readonly log: Logger | undefined;
  private readonly now: () => Date;
  private current: Promise<SigningKey> | undefined;

  constructor(client: KubeClient, opts: KeyStoreOptions) {
    this.client = client;
    this.namespace = opts.namespace;
    this.log = opts.log;
    this.now = opts.now ?? (() => new Date());
  }

  /** The key to sign with: loaded (or created) once, then cached. */
  activeKey(): Promise<SigningKey> {
    if (this.current) return this.current;
    const loading = this.load();
    this.current = loading;
    // A failed load (API down) must not be cached: the next call tries again.
    loading.catch(() => {
      if (this.current === loading) this.current = undefined;
    });
    return loading;
  }

  /** Re-reads the Secret, e.g. after another replica rotated the key. */
  reload(): Promise<SigningKey> {
    this.current = undefined;
    return this.activeKey();
  }

  /** Every published public key, key id → PEM. */
  publicKeys(): Promise<Record<string, string>> {
    return readPublicKeys(this.client, this.namespace);
  }

  /**
   * Makes a new active key. The old public key stays published, so evidence it signed
   * keeps verifying. If another replica rotates at the same moment, its key wins (our
   * update carries the resourceVersion we read) and is returned: either way the caller
   * ends with a key newer than the one it had.
   */
  async rotate(): Promise<SigningKey> {
    const next = generateSigningKey();
    let key: SigningKey | undefined;
    for (let attempt = 0; !key; attempt++) {
      const secret = await this.client.find<Secret>(Builtin.Secret, SIGNING_KEY_SECRET, this.namespace);
      if (!secret) {
        key = await this.createOrAdopt(next);
        break;
      }
      const previous = parseSecret(secret);
      try {
        await this.client.update<Secret>(Builtin.Secret, {
          ...secret,
          type: 'Opaque',
          data: this.secretData(next),
        });
        this.log?.info({ keyId: next.keyId, previousKeyId: previous.keyId }, 'rotated signing key');
        key = next;
      } catch (e) {
        if (!isConflict(e) || attempt >= 3) throw e;
        // Someone else changed the Secret. If they rotated, theirs is the new key; if they
        // changed something else (labels), try again on the fresh version.
        const now = await this.readKey();
        if (now.keyId !== previous.keyId) key = now;
      }
    }
    await this.publish(key);
    this.current = Promise.resolve(key);
    return key;
  }

  private async load(): Promise<SigningKey> {
    const secret = await this.client.find<Secret>(Builtin.Secret, SIGNING_KEY_SECRET, this.namespace);
    const key = secret ? parseSecret(secret) : await this.createOrAdopt(generateSigningKey());
    await this.publish(key);
    return key;
  }

  private async createOrAdopt(key: SigningKey): Promise<SigningKey> {
    try {
      await this.client.create<Secret>(Builtin.Secret, {
        metadata: { name: SIGNING_KEY_SECRET, namespace: this.namespace, labels: labels() },
        type: 'Opaque',
        data: this.secretData(key),
      });
      this.log?.info({ keyId: key.keyId }, 'created signing key');
      return key;
    } catch (e) {
      // Another replica created it first: use theirs, so there is one key.
      if (isAlreadyExists(e)) return this.readKey();
      throw e;
    }
  }

  private async readKey(): Promise<SigningKey> {
    return parseSecret(await this.client.get<Secret>(Builtin.Secret, SIGNING_KEY_SECRET, this.namespace));
  }

  /** Adds the key's public half to the ConfigMap unless it is there already (no idle writes). */
  private async publish(key: SigningKey): Promise<void> {
    const file = publicKeyFileName(key.keyId);
    const pem = publicKeyPem(key);
    for (let attempt = 0; ; attempt++) {
      const cm = await this.client.find<ConfigMap>(Builtin.ConfigMap, PUBLIC_KEYS_CONFIGMAP, this.namespace);
      if (cm?.data?.[file] === pem) return;
      try {
        if (cm) {
          // A merge patch adds one entry and leaves the rest alone, so replicas publishing
          // different keys at once cannot drop each other's.
          await this.client.patch(
            Builtin.ConfigMap,
            PUBLIC_KEYS_CONFIGMAP,
            this.namespace,
            { data: { [file]: pem } },
            'merge',
          );
        } else {
          await this.client.create<ConfigMap>(Builtin.ConfigMap, {
            metadata: { name: PUBLIC_KEYS_CONFIGMAP, namespace: this.namespace, labels: labels() },
            data: { [file]: pem },
          });
        }
        this.log?.info({ keyId: key.keyId }, 'published public key');
        return;
      } catch (e) {
        // Lost a create race, or the ConfigMap vanished between read and patch: look again.
        if ((isAlreadyExists(e) || isNotFound(e)) && attempt < 3) continue;
        throw e;
      }
    }
  }

  private secretData(key: SigningKey): Record<string, string> {
    const b64 = (s: string) => Buffer.from(s, 'utf8').toString('base64');
    return {
      [F.key]: b64(privateKeyPem(key)),
      [F.keyId]: b64(key.keyId),
      [F.createdAt]: b64(
        this.now()
          .toISOString()
          .replace(/\.\d+Z$/, 'Z'),
      ),
    };
  }
}

/** Reads the published public keys (what `tenantry evidence verify --keys-from-cluster` trusts). */
export async function readPublicKeys(client: KubeClient, namespace: string): Promise<Record<string, string>> {
  const cm = await client.find<ConfigMap>(Builtin.ConfigMap, PUBLIC_KEYS_CONFIGMAP, namespace);
  const keys: Record<string, string> = {};
  for (const [file, pem] of Object.entries(cm?.data ?? {})) {
    if (file.endsWith('.pem')) keys[file.slice(0, -'.pem'.length)] = pem;
  }
  return keys;
}

/**
 * The Secret's key, checked against its recorded id. A Secret that does not hold a usable
 * key is an error for a person to look at, never something to overwrite: replacing it
 * would silently change the identity that evidence is signed with.
 */
function parseSecret(secret: Secret): SigningKey {
  const field = (name: string) => {
    const v = secret.data?.[name];
    return v === undefined ? undefined : Buffer.from(v, 'base64').toString('utf8');
  };
  const where = `Secret ${secret.metadata.namespace}/${SIGNING_KEY_SECRET}`;
  const pem = field(F.key);
  if (!pem) throw new Error(`${where} has no ${F.key}`);
  let key: SigningKey;
  try {
    key = signingKeyFromPem(pem);
  } catch (e) {
    throw new Error(`${where}: ${(e as Error).message}`);
  }
  const recorded = field(F.keyId);
  if (recorded !== undefined && recorded !== key.keyId)
    throw new Error(`${where} records key id ${recorded} but its key has id ${keyIdOf(key.publicKey)}`);
  return key;
}

function labels(): Record<string, string> {
  return { [LABEL_MANAGED_BY]: MANAGED_BY, 'app.kubernetes.io/component': 'evidence-signing' };
}
