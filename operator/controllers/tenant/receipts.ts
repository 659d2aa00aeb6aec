import { TenantCondition } from '../../api/conditions.ts';
import {
  ANNOTATION_KEY_ID,
  ANNOTATION_SIGNED_AT,
  LABEL_EVIDENCE,
  LABEL_MANAGED_BY,
  LABEL_RECEIPT_STEP,
  LABEL_TENANT,
  MANAGED_BY,
  systemNamespaceOf,
} from '../../api/names.ts';
import type { Receipt, Tenant, TenantStatus } from '../../api/v1alpha1/index.ts';
import type { StatementSigner } from '../../evidence/sign.ts';
import { canonicalJson, type Statement, sha256Hex as sha256 } from '../../evidence/statement.ts';
import { type Clock, isoTime } from '../../runtime/clock.ts';
import type { KubeClient } from '../../runtime/kube/client.ts';
import { isAlreadyExists } from '../../runtime/kube/errors.ts';
import type { AnyObject } from '../../runtime/kube/object.ts';
import { Builtin } from '../../runtime/kube/resource.ts';
import type { StatusDraft } from '../../runtime/reconcile/draft.ts';

export const RECEIPT_PREDICATE = 'https://tenantry.dev/attestations/onboarding-receipt/v1';
const MAX_RECEIPTS = 100;

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

/** A step the tenant completed in this reconcile, with what its receipt records. */
export interface CompletedStep {
  step: string;
  details: Record<string, unknown>;
}

/**
 * The steps completed as this reconcile found them: the Tenant accepted, and each of
 * provisioning, domain verification and identity that was decided True just now.
 */
export function completedSteps(tenant: Tenant, draft: StatusDraft<TenantStatus>): CompletedStep[] {
  const now = (type: string) => draft.decided(type)?.status === 'True';
  const done: CompletedStep[] = [{ step: 'TenantAccepted', details: {} }];
  if (now(TenantCondition.Provisioned)) {
    done.push({ step: 'NamespacesProvisioned', details: { namespaces: draft.status.namespaces } });
  }
  if (now(TenantCondition.DomainVerified)) {
    done.push({ step: 'DomainVerified', details: { record: draft.status.domain?.recordName } });
  }
  if (now(TenantCondition.IdentityConnected)) {
    done.push({ step: 'IdentityConnected', details: { issuer: tenant.spec.identity?.issuer } });
  }
  return done;
}

/**
 * Makes sure each completed step has a signed receipt for the current generation, stored as
 * an immutable ConfigMap in the tenant's system namespace (owners may read, not change).
 * Returns the status list, newest last.
 */
export async function ensureReceipts(
  deps: ReceiptDeps,
  tenant: Tenant,
  steps: CompletedStep[],
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
      annotations: { [ANNOTATION_KEY_ID]: keyId, [ANNOTATION_SIGNED_AT]: time },
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
    keyId: ann[ANNOTATION_KEY_ID] ?? '',
    time: ann[ANNOTATION_SIGNED_AT] ?? cm.metadata.creationTimestamp ?? '',
    configMap: cm.metadata.name ?? '',
  };
}
