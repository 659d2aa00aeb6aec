import { systemNamespaceOf } from '../api/names.ts';
import { canonicalJson, sha256Hex } from '../evidence/statement.ts';
import { TENANT_API_GROUP_VERSION } from './names.ts';

/**
 * A document the tenant API hands out: its content with the envelope of a Kubernetes object and
 * a `digest`, `sha256:` of the content as canonical JSON. The digest is what the growth log
 * records as handed out, and what a client checks the content against.
 */
export type TenantDocument<K extends string, C extends object> = {
  apiVersion: typeof TENANT_API_GROUP_VERSION;
  kind: K;
  metadata: { name: string; namespace: string };
  digest: string;
} & C;

const ENVELOPE = new Set(['apiVersion', 'kind', 'metadata', 'digest']);

export function digestOf(content: object): string {
  return `sha256:${sha256Hex(canonicalJson(content))}`;
}

export function tenantDocument<K extends string, C extends object>(
  kind: K,
  tenant: string,
  content: C,
): TenantDocument<K, C> {
  return {
    apiVersion: TENANT_API_GROUP_VERSION,
    kind,
    metadata: { name: tenant, namespace: systemNamespaceOf(tenant) },
    ...content,
    digest: digestOf(content),
  };
}

/** Checks a document received from the API: its kind, and that the content still has its digest. */
export function checkDocument<K extends string, C extends object>(
  value: unknown,
  kind: K,
): TenantDocument<K, C> {
  const doc = value as Partial<TenantDocument<K, C>> | undefined;
  if (!doc || doc.apiVersion !== TENANT_API_GROUP_VERSION || doc.kind !== kind)
    throw new Error(`the tenant API answered with no ${kind} document`);
  const content = Object.fromEntries(Object.entries(doc).filter(([k]) => !ENVELOPE.has(k)));
  const digest = digestOf(content);
  if (doc.digest !== digest)
    throw new Error(
      `the ${kind} document does not match its digest (${doc.digest} given, ${digest} computed)`,
    );
  return doc as TenantDocument<K, C>;
}
