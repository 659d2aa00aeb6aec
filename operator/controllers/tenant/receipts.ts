import { LABEL_MANAGED_BY, LABEL_TENANT, MANAGED_BY, systemNamespaceOf } from '../../api/labels.ts';
import type { Receipt, Tenant } from '../../api/v1alpha1/index.ts';
import { canonicalJson, type Statement, sha256Hex as sha256 } from '../../evidence/statement.ts';
import { type Clock, isoTime } from '../../runtime/clock.ts';
import type { KubeClient } from '../../runtime/kube/client.ts';
import { isAlreadyExists } from '../../runtime/kube/errors.ts';
import type { AnyObject } from '../../runtime/kube/object.ts';
import { Builtin } from '../../runtime/kube/resource.ts';

export const RECEIPT_PREDICATE = 'https://tenantry.dev/attestations/onboarding-receipt/v1';
export const LABEL_RECEIPT_STEP = 'tenantry.dev/receipt-step';
export const LABEL_EVIDENCE = 'tenantry.dev/evidence';
const MAX_RECEIPTS = 100;

/** Signs an in-toto statement into a Sigstore bundle; the evidence module provides the real one. */
export interface StatementSigner {
  sign(statement: Statement): Promise<{ bundle: unknown; keyId: string }>;
}

/**
 * A receipt's identity is its step and the Tenant's uid and generation, so re-reconciles,
 * retries and restarts find the receipt they already made instead of signing another.
 */
export function receiptName(tenant: Tenant, step: string): string {
  const slug = step.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
  return `receipt-${slug}-g${tenant.metadata.generation ?? 0}-${sha256(tenant.metadata.uid ?? '').slice(0, 8)}`;
}

/** The attested subject: the Tenant as accepted at this generation. */
export function receiptSubject(tenant: Tenant): string {
  return canonicalJson({
    apiVersion: 'tenantry.dev/v1alpha1',
    kind: 'Tenant',
    name: tenant.metadata.name,
    uid: tenant.metadata.uid,
    generation: tenant.metadata.generation,
    spec: tenant.spec,
  });
}

export interface ReceiptDeps {
  client: KubeClient;
  clock: Clock;
  signer: StatementSigner;
}

/**
 * Makes sure each completed step has a signed receipt for the current generation, stored as
 * an immutable ConfigMap in the tenant's system namespace (owners may read, not change).
 * Returns the status list, newest last.
 */
export async function ensureReceipts(
  deps: ReceiptDeps,
  tenant: Tenant,
  steps: Array<{ step: string; details: Record<string, unknown> }>,
): Promise<Receipt[]> {
  const receipts = [...(tenant.status?.receipts ?? [])];
  const generation = tenant.metadata.generation ?? 0;
  for (const { step, details } of steps) {
    if (receipts.some((r) => r.step === step && r.generation === generation)) continue;
    receipts.push(await issueReceipt(deps, tenant, step, details));
  }
  return receipts.slice(-MAX_RECEIPTS);
}

async function issueReceipt(
  deps: ReceiptDeps,
  tenant: Tenant,
  step: string,
  details: Record<string, unknown>,
): Promise<Receipt> {
  const name = receiptName(tenant, step);
  const namespace = systemNamespaceOf(tenant.metadata.name ?? '');
  const existing = await deps.client.find<AnyObject & { data?: Record<string, string> }>(
    Builtin.ConfigMap,
    name,
    namespace,
  );
  if (existing) return fromConfigMap(existing, step, tenant);
  const subject = receiptSubject(tenant);
  const time = isoTime(deps.clock);
  const statement: Statement = {
    _type: 'https://in-toto.io/Statement/v1',
    subject: [{ name: `tenant/${tenant.metadata.name}`, digest: { sha256: sha256(subject) } }],
    predicateType: RECEIPT_PREDICATE,
    predicate: {
      step,
      tenant: tenant.metadata.name,
      uid: tenant.metadata.uid,
      generation: tenant.metadata.generation,
      region: tenant.spec.region,
      policyProfile: tenant.spec.policyProfile ?? 'baseline',
      completedAt: time,
      details,
    },
  };
  const { bundle, keyId } = await deps.signer.sign(statement);
  const bundleJson = JSON.stringify(bundle);
  const cm: AnyObject = {
    metadata: {
      name,
      namespace,
      labels: {
        [LABEL_MANAGED_BY]: MANAGED_BY,
        [LABEL_TENANT]: tenant.metadata.name ?? '',
        [LABEL_EVIDENCE]: 'receipt',
        [LABEL_RECEIPT_STEP]: step,
      },
      annotations: { 'tenantry.dev/key-id': keyId, 'tenantry.dev/signed-at': time },
    },
    // Immutable: not even someone with write access to ConfigMaps can alter a receipt.
    immutable: true,
    data: { 'bundle.json': bundleJson, 'subject.json': subject },
  };
  try {
    await deps.client.create(Builtin.ConfigMap, cm);
  } catch (e) {
    // Another reconcile (or a replica before a restart) won the race: use what it stored.
    if (!isAlreadyExists(e)) throw e;
    return fromConfigMap(await deps.client.get(Builtin.ConfigMap, name, namespace), step, tenant);
  }
  return {
    step,
    generation: tenant.metadata.generation ?? 0,
    digest: `sha256:${sha256(bundleJson)}`,
    keyId,
    time,
    configMap: name,
  };
}

function fromConfigMap(
  cm: AnyObject & { data?: Record<string, string> },
  step: string,
  tenant: Tenant,
): Receipt {
  const ann = cm.metadata.annotations ?? {};
  return {
    step,
    generation: tenant.metadata.generation ?? 0,
    digest: `sha256:${sha256(cm.data?.['bundle.json'] ?? '')}`,
    keyId: ann['tenantry.dev/key-id'] ?? '',
    time: ann['tenantry.dev/signed-at'] ?? cm.metadata.creationTimestamp ?? '',
    configMap: cm.metadata.name ?? '',
  };
}
