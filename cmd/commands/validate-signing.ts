import type { SigningKey } from '../../operator/evidence/keys.ts';
import { PUBLIC_KEYS_CONFIGMAP, readPublicKeys } from '../../operator/evidence/keystore.ts';
import { signStatement } from '../../operator/evidence/sign.ts';
import type { Statement } from '../../operator/evidence/statement.ts';
import type { KubeClient } from '../../operator/runtime/kube/client.ts';
import { ApiError } from '../../operator/runtime/kube/errors.ts';
import { createOnTenantApi } from '../../operator/tenantapi/client.ts';
import { TENANT_API_CLUSTER_RESOURCES } from '../../operator/tenantapi/names.ts';
import { CliError } from '../exit-codes.ts';

/** A run's statements, signed: each bundle by statement name, and the public keys that verify them. */
export interface SignedEvidence {
  bundles: Record<string, unknown>;
  /** Key id → PEM; for the operator's signature, as published in tenantry-public-keys. */
  publicKeys: Record<string, string>;
  /** Whose signature it is, for the command to say. */
  signedBy: string;
  /** The key that signed (the testResult bundle's, when the operator used more than one). */
  keyId: string;
}

/** Signs with the partner's own key (--key): the signature stands for the key's holder. */
export async function signWithKey(
  statements: Record<string, Statement>,
  key: SigningKey,
): Promise<SignedEvidence> {
  const bundles: Record<string, unknown> = {};
  for (const [name, s] of Object.entries(statements)) bundles[name] = await signStatement(s, key);
  return { bundles, publicKeys: {}, signedBy: `your key ${key.keyId.slice(0, 12)}`, keyId: key.keyId };
}

/**
 * Asks the operator to sign, through the API server with the caller's credentials (create
 * validationreports.api.tenantry.dev: platform admins). The operator checks the statements name
 * this cluster and an installed bundle, and signs with its own key, which never leaves it; the
 * public key comes from where every verifier gets it, the tenantry-public-keys ConfigMap.
 */
export async function signByOperator(
  client: KubeClient,
  namespace: string,
  statements: Record<string, Statement>,
  exitCode: number,
  waitMs = 0,
): Promise<SignedEvidence> {
  const { kind } = TENANT_API_CLUSTER_RESOURCES.validationreports;
  const ask = () =>
    createOnTenantApi(client, 'validationreports', kind, { statements }).catch((e: unknown) => {
      // A refusal (403 RBAC, 422 a statement of another cluster) is the answer: say it as it is.
      if (e instanceof ApiError)
        throw new CliError(`the operator refused to sign the evidence: ${e.message}`, exitCode);
      throw e;
    });
  // An APIService that is there but not (yet) available, as right after the operator starts
  // and sets its caBundle, may become so: asked again until waitMs, never when not installed.
  const deadline = Date.now() + waitMs;
  let got = await ask();
  while ('unavailable' in got && got.installed && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 2000));
    got = await ask();
  }
  if ('unavailable' in got)
    throw new CliError(
      `the operator did not sign the evidence: ${got.unavailable}; sign it with your own key instead (--key FILE)`,
      exitCode,
    );
  const signed = (got.doc.signed ?? {}) as Record<string, { bundle?: unknown; keyId?: unknown }>;
  const bundles: Record<string, unknown> = {};
  const keyIds = new Set<string>();
  let keyId = '';
  for (const name of Object.keys(statements)) {
    const one = signed[name];
    if (one?.bundle === undefined || typeof one.keyId !== 'string')
      throw new CliError(`the operator's ${kind} has no signed ${name}`, exitCode);
    bundles[name] = one.bundle;
    keyIds.add(one.keyId);
    if (name === 'testResult' || !keyId) keyId = one.keyId;
  }
  const published = await readPublicKeys(client, namespace);
  const publicKeys: Record<string, string> = {};
  for (const id of keyIds) {
    const pem = published[id];
    if (pem === undefined)
      throw new CliError(
        `the operator signed with key ${id}, which ${namespace}/${PUBLIC_KEYS_CONFIGMAP} does not publish`,
        exitCode,
      );
    publicKeys[id] = pem;
  }
  return {
    bundles,
    publicKeys,
    signedBy: `the operator's key ${[...keyIds].map((id) => id.slice(0, 12)).join(', ')}`,
    keyId,
  };
}
