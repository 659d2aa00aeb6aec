import { LABEL_LEDGER, LABEL_MANAGED_BY, LABEL_TENANT, MANAGED_BY } from '../api/names.ts';
import type { KubeClient } from '../runtime/kube/client.ts';
import { isAlreadyExists, isConflict } from '../runtime/kube/errors.ts';
import type { AnyObject } from '../runtime/kube/object.ts';
import { Builtin } from '../runtime/kube/resource.ts';
import {
  advance,
  type Ledger,
  type LedgerPartition,
  ledgerKey,
  mergePartitions,
  partitionLedger,
} from './ledger.ts';
import type { MeteringInputs } from './record.ts';
import type { Instant } from './windows.ts';

type LedgerConfigMap = AnyObject & { data?: Record<string, string> };

/** Reads every partition of a tenant's ledger from the operator namespace and merges them. */
export async function loadLedger(
  client: KubeClient,
  namespace: string,
  tenant: string,
  since: Instant,
  windowMs?: number,
): Promise<{ ledger: Ledger; versions: Map<string, string> }> {
  const list = await client.list<LedgerConfigMap>(Builtin.ConfigMap, {
    namespace,
    labelSelector: `${LABEL_LEDGER},${LABEL_TENANT}=${tenant}`,
  });
  const versions = new Map<string, string>();
  const parts: LedgerPartition[] = [];
  for (const cm of list.items) {
    const json = cm.data?.['ledger.json'];
    if (!json) continue;
    parts.push(JSON.parse(json) as LedgerPartition);
    versions.set(cm.metadata.name ?? '', cm.metadata.resourceVersion ?? '');
  }
  return { ledger: mergePartitions(tenant, parts, since, windowMs), versions };
}

/**
 * Writes the partitions that changed, each with the resourceVersion it was read at (or as a
 * create when new): a concurrent writer makes this fail with a conflict rather than lose a
 * record. Partitions may land in any order; a crash part-way is repaired by the next run.
 */
async function saveLedger(
  client: KubeClient,
  namespace: string,
  before: Ledger,
  after: Ledger,
  versions: Map<string, string>,
) {
  const old = new Map(partitionLedger(before, 'day').map((p) => [p.period, JSON.stringify(p)]));
  for (const part of partitionLedger(after, 'day')) {
    const json = JSON.stringify(part);
    if (old.get(part.period) === json) continue;
    const name = ledgerKey(after.tenant, part.period);
    const version = versions.get(name);
    const cm: LedgerConfigMap = {
      metadata: {
        name,
        namespace,
        labels: { [LABEL_MANAGED_BY]: MANAGED_BY, [LABEL_LEDGER]: part.period, [LABEL_TENANT]: after.tenant },
        ...(version ? { resourceVersion: version } : {}),
      },
      data: { 'ledger.json': json },
    };
    if (version) await client.update(Builtin.ConfigMap, cm);
    else await client.create(Builtin.ConfigMap, cm);
  }
}

/**
 * Meters every window closed since the stored watermark and stores the result, retrying on
 * a concurrent write. Restarts, retries and racing replicas converge on the same ledger:
 * record ids are deterministic and existing records win.
 */
export async function advanceStoredLedger(
  client: KubeClient,
  namespace: string,
  tenant: string,
  since: Instant,
  inputs: MeteringInputs,
  now: Instant,
  opts: { attempts?: number; windowMs?: number } = {},
): Promise<Ledger> {
  const attempts = opts.attempts ?? 5;
  for (let i = 0; ; i++) {
    const { ledger, versions } = await loadLedger(client, namespace, tenant, since, opts.windowMs);
    const next = advance(ledger, inputs, now);
    if (next === ledger) return ledger;
    try {
      await saveLedger(client, namespace, ledger, next, versions);
      return next;
    } catch (e) {
      if (!(isConflict(e) || isAlreadyExists(e)) || i + 1 >= attempts) throw e;
    }
  }
}
