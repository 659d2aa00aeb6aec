import {
  LABEL_EVIDENCE,
  LABEL_GROWTH_LOG,
  LABEL_INVOICE,
  LABEL_LEDGER,
  LABEL_TENANT,
  systemNamespaceOf,
} from '../../../api/names.ts';
import { canonicalJson } from '../../../evidence/statement.ts';
import { eventsOf } from '../../../growth/log.ts';
import { tenantOfLog } from '../../../growth/log-index.ts';
import type { KubeClient } from '../../../runtime/kube/client.ts';
import type { ConfigMap } from '../../../runtime/kube/core.ts';
import type { AnyObject } from '../../../runtime/kube/object.ts';
import { Builtin } from '../../../runtime/kube/resource.ts';

/** One thing to archive: where under the tenant's prefix, its bytes and their media type. */
export interface ArchiveItem {
  kind: 'evidence' | 'invoices' | 'ledger' | 'events' | 'growth';
  body: Buffer;
  contentType: string;
}

type DataConfigMap = AnyObject & { data?: Record<string, string> };
type KubeEvent = AnyObject & {
  involvedObject?: { kind?: string; name?: string; namespace?: string; uid?: string };
  type?: string;
  reason?: string;
  message?: string;
  firstTimestamp?: string;
  eventTime?: string;
  source?: { component?: string };
  reportingComponent?: string;
};

const BUNDLE = 'application/vnd.dev.sigstore.bundle.v0.3+json';
const JSON_TYPE = 'application/json';
const CLOUDEVENT = 'application/cloudevents+json';

/**
 * What the audit archive keeps for a tenant, read from the cluster:
 * - receipts and other signed evidence (Sigstore bundles) from the tenant's system namespace;
 * - final invoice reports with their bundles;
 * - the closed days of the metering ledger (the read-only copies in the system namespace);
 * - audit-relevant Events: Tenantry's own Events in the tenant's namespaces (refusals,
 *   receipts, entitlement problems) and those about the Tenant itself;
 * - the tenant's growth log (milestones, checklist items, activity, nudges), one CloudEvent
 *   per object: an event never changes once logged, so each is archived once however often
 *   its day's log grows.
 * Events are written without their counters and last-seen times, so an Event that repeats
 * is one archived object, not one per repetition.
 */
export async function collectArchiveItems(client: KubeClient, tenant: string): Promise<ArchiveItem[]> {
  const system = systemNamespaceOf(tenant);
  const items: ArchiveItem[] = [];
  const evidence = await client.list<DataConfigMap>(Builtin.ConfigMap, {
    namespace: system,
    labelSelector: `${LABEL_EVIDENCE},${LABEL_TENANT}=${tenant}`,
  });
  for (const cm of evidence.items) {
    const invoice = cm.metadata.labels?.[LABEL_INVOICE] !== undefined;
    const bundle = cm.data?.['bundle.json'];
    if (bundle)
      items.push({ kind: invoice ? 'invoices' : 'evidence', body: Buffer.from(bundle), contentType: BUNDLE });
    const report = cm.data?.['report.json'];
    if (report) items.push({ kind: 'invoices', body: Buffer.from(report), contentType: JSON_TYPE });
  }
  const ledger = await client.list<DataConfigMap>(Builtin.ConfigMap, {
    namespace: system,
    labelSelector: `${LABEL_LEDGER},${LABEL_TENANT}=${tenant}`,
  });
  for (const cm of ledger.items) {
    const json = cm.data?.['ledger.json'];
    if (json) items.push({ kind: 'ledger', body: Buffer.from(json), contentType: JSON_TYPE });
  }
  for (const e of await tenantEvents(client, tenant)) {
    items.push({ kind: 'events', body: Buffer.from(canonicalJson(stableEvent(e))), contentType: JSON_TYPE });
  }
  for (const e of await growthLog(client, tenant)) {
    items.push({ kind: 'growth', body: Buffer.from(canonicalJson(e)), contentType: CLOUDEVENT });
  }
  return items;
}

/**
 * The tenant's growth log. It lives in the operator's namespace; only the operator may write
 * a ConfigMap labelled as one anywhere (admission), and only those named and labelled as the
 * operator writes them count.
 */
async function growthLog(client: KubeClient, tenant: string) {
  const logs = await client.list<ConfigMap>(Builtin.ConfigMap, {
    labelSelector: `${LABEL_GROWTH_LOG},${LABEL_TENANT}=${tenant}`,
  });
  return logs.items
    .filter((cm) => tenantOfLog(cm) === tenant)
    .flatMap((cm) => eventsOf(cm).filter((e) => e.subject === tenant));
}

async function tenantEvents(client: KubeClient, tenant: string): Promise<KubeEvent[]> {
  const namespaces = await client.list(Builtin.Namespace, { labelSelector: `${LABEL_TENANT}=${tenant}` });
  const out: KubeEvent[] = [];
  for (const ns of namespaces.items) {
    const list = await client.list<KubeEvent>(Builtin.Event, { namespace: ns.metadata.name ?? '' });
    out.push(...list.items.filter(fromTenantry));
  }
  // Events about the (cluster-scoped) Tenant are kept in the default namespace.
  const about = await client.list<KubeEvent>(Builtin.Event, {
    namespace: 'default',
    fieldSelector: `involvedObject.kind=Tenant,involvedObject.name=${tenant}`,
  });
  out.push(...about.items.filter(fromTenantry));
  return out;
}

const fromTenantry = (e: KubeEvent) => (e.reportingComponent || e.source?.component) === 'tenantry';

function stableEvent(e: KubeEvent) {
  return {
    uid: e.metadata.uid,
    namespace: e.metadata.namespace,
    involvedObject: {
      kind: e.involvedObject?.kind,
      name: e.involvedObject?.name,
      namespace: e.involvedObject?.namespace,
      uid: e.involvedObject?.uid,
    },
    type: e.type,
    reason: e.reason,
    message: e.message,
    firstTimestamp: e.firstTimestamp ?? e.eventTime,
  };
}
