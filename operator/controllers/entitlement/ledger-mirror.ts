import {
  LABEL_LEDGER,
  LABEL_MANAGED_BY,
  LABEL_TENANT,
  ledgerMirrorName,
  MANAGED_BY,
} from '../../api/names.ts';
import { type Ledger, ledgerKey, partitionBounds, partitionLedger } from '../../metering/ledger.ts';
import type { StoredPartition } from '../../metering/seal.ts';
import { toMs } from '../../metering/windows.ts';
import type { KubeClient } from '../../runtime/kube/client.ts';
import { isAlreadyExists, isNotFound } from '../../runtime/kube/errors.ts';
import { Builtin } from '../../runtime/kube/resource.ts';

/**
 * Copies every closed day of the ledger into the tenant's system namespace as an immutable
 * ConfigMap `tenantry-ledger-<YYYY-MM-DD>`: tenant owners can read their ledger there but
 * not change it (the operator may only create ConfigMaps in tenant namespaces), and the
 * audit archive picks the copies up. The open day is in the Entitlement's status and the
 * authoritative ledger stays in the operator's namespace, beyond the tenant's lifetime.
 */
export async function mirrorClosedDays(
  client: KubeClient,
  ledger: Ledger,
  namespace: string,
  stored: () => Promise<StoredPartition[]>,
): Promise<void> {
  const wm = toMs(ledger.watermark);
  const closed = partitionLedger(ledger, 'day').filter((p) => partitionBounds(p.period).end <= wm);
  if (!closed.length) return;
  let existing: Set<string>;
  try {
    const list = await client.list(Builtin.ConfigMap, { namespace, labelSelector: LABEL_LEDGER });
    existing = new Set(list.items.map((c) => c.metadata.name ?? ''));
  } catch (e) {
    if (isNotFound(e)) return; // the tenant is gone with its namespace
    throw e;
  }
  const missing = closed.filter((p) => !existing.has(ledgerMirrorName(p.period)));
  if (!missing.length) return;
  // The copies are the sealed bytes themselves, so tenants can check them as the operator does.
  const sealed = new Map((await stored()).map((p) => [p.name, p]));
  for (const part of missing) {
    const name = ledgerMirrorName(part.period);
    const copy = sealed.get(ledgerKey(ledger.tenant, part.period));
    if (!copy) continue;
    try {
      await client.create(Builtin.ConfigMap, {
        metadata: {
          name,
          namespace,
          labels: {
            [LABEL_MANAGED_BY]: MANAGED_BY,
            [LABEL_LEDGER]: part.period,
            [LABEL_TENANT]: ledger.tenant,
          },
        },
        immutable: true,
        data: { 'ledger.json': copy.json, ...(copy.seal ? { 'seal.json': copy.seal } : {}) },
      });
    } catch (e) {
      if (!isAlreadyExists(e) && !isNotFound(e)) throw e;
    }
  }
}
