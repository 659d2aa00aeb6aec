import { LABEL_LEDGER, LABEL_MANAGED_BY, LABEL_TENANT, MANAGED_BY } from '../api/names.ts';
import type { StatementSigner } from '../evidence/sign.ts';
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
import { digestOf, LedgerTamperedError, type StoredPartition, sealPartition, verifyLedger } from './seal.ts';
import type { Instant } from './windows.ts';

type LedgerConfigMap = AnyObject & { data?: Record<string, string> };

/** A tenant's stored ledger: merged, with each partition as stored and its resourceVersion. */
export interface StoredLedger {
  ledger: Ledger;
  versions: Map<string, string>;
  partitions: StoredPartition[];
}

/** Reads every partition of a tenant's ledger from the operator namespace and merges them. */
export async function loadLedger(
  client: KubeClient,
  namespace: string,
  tenant: string,
  since: Instant,
  windowMs?: number,
): Promise<StoredLedger> {
  const list = await client.list<LedgerConfigMap>(Builtin.ConfigMap, {
    namespace,
    labelSelector: `${LABEL_LEDGER},${LABEL_TENANT}=${tenant}`,
  });
  const versions = new Map<string, string>();
  const parts: LedgerPartition[] = [];
  const partitions: StoredPartition[] = [];
  for (const cm of list.items) {
    const json = cm.data?.['ledger.json'];
    if (!json) continue;
    const name = cm.metadata.name ?? '';
    parts.push(JSON.parse(json) as LedgerPartition);
    partitions.push({ name, json, seal: cm.data?.['seal.json'] });
    versions.set(name, cm.metadata.resourceVersion ?? '');
  }
  return { ledger: mergePartitions(tenant, parts, since, windowMs), versions, partitions };
}

/**
 * The partitions of a ledger as they are to be stored, chained: each names the digest of the
 * one before it (which has closed by then, so its bytes never change again).
 */
export function chainedPartitions(ledger: Ledger): Array<{ name: string; json: string }> {
  const out: Array<{ name: string; json: string }> = [];
  for (const part of partitionLedger(ledger, 'day')) {
    const prev = out.at(-1);
    const json = JSON.stringify(prev ? { ...part, previous: digestOf(prev.json) } : part);
    out.push({ name: ledgerKey(ledger.tenant, part.period), json });
  }
  return out;
}

/**
 * Writes the partitions that changed, sealed when there is a signer, each with the
 * resourceVersion it was read at (or as a create when new): a concurrent writer makes this fail
 * with a conflict rather than lose a record. A crash part-way is repaired by the next run.
 */
async function saveLedger(
  client: KubeClient,
  namespace: string,
  stored: StoredLedger,
  after: Ledger,
  signer: StatementSigner | undefined,
) {
  const old = new Map(stored.partitions.map((p) => [p.name, p.json]));
  for (const { name, json } of chainedPartitions(after)) {
    if (old.get(name) === json) continue;
    const version = stored.versions.get(name);
    const period = (JSON.parse(json) as LedgerPartition).period;
    const cm: LedgerConfigMap = {
      metadata: {
        name,
        namespace,
        labels: { [LABEL_MANAGED_BY]: MANAGED_BY, [LABEL_LEDGER]: period, [LABEL_TENANT]: after.tenant },
        ...(version ? { resourceVersion: version } : {}),
      },
      data: {
        'ledger.json': json,
        ...(signer ? { 'seal.json': await sealPartition(signer, name, json) } : {}),
      },
    };
    if (version) await client.update(Builtin.ConfigMap, cm);
    else await client.create(Builtin.ConfigMap, cm);
  }
}

/** How the operator seals and checks the stored ledger. */
export interface LedgerIntegrity {
  /** Seals what it writes; when present, every stored partition must be sealed. */
  signer?: StatementSigner | undefined;
  /** The published keys the seals are checked with. */
  publicKeys?: Record<string, string> | undefined;
  /** The watermark the operator last reported (Entitlement status): the ledger must reach it. */
  reportedWatermark?: string | undefined;
  /** The operator has sealed this ledger before (Entitlement status): every day must be sealed. */
  sealed?: boolean | undefined;
}

/**
 * Meters every window closed since the stored watermark and stores the result, retrying on
 * a concurrent write. Restarts, retries and racing replicas converge on the same ledger:
 * record ids are deterministic and existing records win. The stored ledger is verified first
 * (seals, chain, nothing deleted): a ledger someone changed is neither metered on nor
 * trusted (LedgerTamperedError).
 */
export async function advanceStoredLedger(
  client: KubeClient,
  namespace: string,
  tenant: string,
  since: Instant,
  inputs: MeteringInputs,
  now: Instant,
  opts: { attempts?: number; windowMs?: number } & LedgerIntegrity = {},
): Promise<Ledger> {
  const attempts = opts.attempts ?? 5;
  for (let i = 0; ; i++) {
    const stored = await loadLedger(client, namespace, tenant, since, opts.windowMs);
    const problems = verifyLedger(stored.partitions, {
      publicKeys: opts.publicKeys,
      requireSeals:
        opts.signer !== undefined && (opts.sealed === true || stored.partitions.some((p) => p.seal)),
      reportedWatermark: opts.reportedWatermark,
      tenant,
    });
    if (problems.length) throw new LedgerTamperedError(tenant, problems);
    const next = advance(stored.ledger, inputs, now);
    // Unsealed partitions (written before sealing, or with signing off) are sealed now.
    const unsealed = opts.signer !== undefined && stored.partitions.some((p) => !p.seal);
    if (next === stored.ledger && !unsealed && chainedUnchanged(stored)) return stored.ledger;
    try {
      await saveLedger(client, namespace, stored, next, opts.signer);
      return next;
    } catch (e) {
      if (!(isConflict(e) || isAlreadyExists(e)) || i + 1 >= attempts) throw e;
    }
  }
}

/** Whether the stored partitions are already in their chained form (not from before chaining). */
function chainedUnchanged(stored: StoredLedger): boolean {
  const now = new Map(stored.partitions.map((p) => [p.name, p.json]));
  return chainedPartitions(stored.ledger).every((p) => now.get(p.name) === p.json);
}
