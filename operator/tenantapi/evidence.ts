import {
  ANNOTATION_KEY_ID,
  ANNOTATION_SIGNED_AT,
  LABEL_EVIDENCE,
  LABEL_RECEIPT_STEP,
  systemNamespaceOf,
} from '../api/names.ts';
import { readPublicKeys } from '../evidence/keystore.ts';
import type { KubeClient } from '../runtime/kube/client.ts';
import type { ConfigMap } from '../runtime/kube/core.ts';
import { Builtin } from '../runtime/kube/resource.ts';
import { type TenantDocument, tenantDocument } from './document.ts';

/**
 * Where an evidence ConfigMap keeps the blob its statement's subject digest covers: receipts
 * as subject.json, signed invoice reports as report.json.
 */
const SUBJECT_KEYS = ['subject.json', 'report.json'];

/** One signed piece of evidence, with the exact bytes that verify. */
export interface EvidenceBundle {
  name: string;
  /** What it is (the ConfigMap's evidence label): a receipt, an invoice report. */
  kind?: string;
  /** The onboarding step of a receipt. */
  step?: string;
  keyId?: string;
  signedAt?: string;
  /** The Sigstore bundle, byte for byte. */
  bundle: string;
  /** The blob the bundle's subject digest covers, byte for byte. */
  subject?: string;
}

export interface EvidenceContent {
  tenant: string;
  /** Ordered by name. (Not `items`: kubectl would take the document for a List.) */
  bundles: EvidenceBundle[];
  /** The operator's published public keys by key id (PEM), old ones included. */
  publicKeys: Record<string, string>;
}

export type EvidenceDocument = TenantDocument<'Evidence', EvidenceContent>;

/**
 * A tenant's receipts and other signed evidence (operator-only ConfigMaps in its system
 * namespace) and the public keys that verify them, as one document. The tenant API hands it out
 * with the operator's credentials; `tenantry evidence export` builds the same one with the
 * caller's when the API is not there.
 */
export async function collectEvidence(
  client: KubeClient,
  tenant: string,
  operatorNamespace: string,
): Promise<EvidenceDocument> {
  const [list, publicKeys] = await Promise.all([
    client.list<ConfigMap>(Builtin.ConfigMap, {
      namespace: systemNamespaceOf(tenant),
      labelSelector: LABEL_EVIDENCE,
    }),
    readPublicKeys(client, operatorNamespace),
  ]);
  const bundles: EvidenceBundle[] = [];
  for (const cm of [...list.items].sort((a, b) =>
    (a.metadata.name ?? '').localeCompare(b.metadata.name ?? ''),
  )) {
    const bundle = cm.data?.['bundle.json'];
    if (bundle === undefined) continue;
    const key = SUBJECT_KEYS.find((k) => cm.data?.[k] !== undefined);
    const subject = key === undefined ? undefined : cm.data?.[key];
    const labels = cm.metadata.labels ?? {};
    const annotations = cm.metadata.annotations ?? {};
    bundles.push({
      name: cm.metadata.name ?? '',
      ...optional('kind', labels[LABEL_EVIDENCE]),
      ...optional('step', labels[LABEL_RECEIPT_STEP]),
      ...optional('keyId', annotations[ANNOTATION_KEY_ID]),
      ...optional('signedAt', annotations[ANNOTATION_SIGNED_AT]),
      bundle,
      ...optional('subject', subject),
    });
  }
  return tenantDocument('Evidence', tenant, { tenant, bundles, publicKeys });
}

const optional = <K extends string>(key: K, value: string | undefined) =>
  (value === undefined || value === '' ? {} : { [key]: value }) as Partial<Record<K, string>>;
