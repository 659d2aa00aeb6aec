/**
 * The reservation journal: ended node reservations of one tenant, kept until they are metered.
 *
 * A running reservation needs no journal: the node itself says since when it is reserved
 * (annotation `tenantry.dev/reserved-since`, written in the same patch as the pool labels
 * and guarded by admission like them). What the node forgets when it is released is
 * written here first, so metering never loses the last hours of a pool.
 *
 * Ordering makes the two sources add up without locks: a release writes the journal before
 * it removes the node's labels, and metering lists the nodes before it reads the journal.
 * Whatever metering misses in the node list was therefore released before the journal was
 * read, and is in it.
 */
import { journalName, LABEL_JOURNAL, LABEL_MANAGED_BY, LABEL_TENANT, MANAGED_BY } from '../api/names.ts';
import type { KubeClient } from '../runtime/kube/client.ts';
import { isAlreadyExists, isConflict } from '../runtime/kube/errors.ts';
import type { AnyObject } from '../runtime/kube/object.ts';
import { Builtin } from '../runtime/kube/resource.ts';
import type { Reservation } from './record.ts';
import { type Instant, iso, toMs } from './windows.ts';

/** Ended reservations older than this are metered long ago and dropped from the journal. */
const KEEP_MS = 62 * 86_400_000;

export interface EndedReservation {
  node: string;
  from: string;
  to: string;
}

type JournalConfigMap = AnyObject & { data?: Record<string, string> };

function parse(cm: JournalConfigMap | undefined): EndedReservation[] {
  const json = cm?.data?.['ended.json'];
  return json ? (JSON.parse(json) as EndedReservation[]) : [];
}

/** The tenant's ended reservations. */
export async function readJournal(
  client: KubeClient,
  namespace: string,
  tenant: string,
): Promise<EndedReservation[]> {
  return parse(await client.find<JournalConfigMap>(Builtin.ConfigMap, journalName(tenant), namespace));
}

/**
 * Records that the reservation of `node` that began at `from` ended at `to`. Idempotent: a
 * reservation already recorded (same node and start) keeps its first end, so a release
 * retried after a crash does not stretch it. Optimistic concurrency, retried on conflict.
 */
export async function recordEnded(
  client: KubeClient,
  namespace: string,
  tenant: string,
  ended: { node: string; from: Instant; to: Instant },
): Promise<void> {
  const entry = { node: ended.node, from: iso(toMs(ended.from)), to: iso(toMs(ended.to)) };
  for (let attempt = 0; ; attempt++) {
    const cm = await client.find<JournalConfigMap>(Builtin.ConfigMap, journalName(tenant), namespace);
    const list = parse(cm);
    if (list.some((e) => e.node === entry.node && e.from === entry.from)) return;
    const horizon = toMs(entry.to) - KEEP_MS;
    const next = [...list.filter((e) => toMs(e.to) >= horizon), entry];
    const body: JournalConfigMap = {
      metadata: {
        name: journalName(tenant),
        namespace,
        labels: { [LABEL_MANAGED_BY]: MANAGED_BY, [LABEL_TENANT]: tenant, [LABEL_JOURNAL]: 'reservations' },
        ...(cm ? { resourceVersion: cm.metadata.resourceVersion } : {}),
      },
      data: { 'ended.json': JSON.stringify(next) },
    };
    try {
      if (cm) await client.update(Builtin.ConfigMap, body);
      else await client.create(Builtin.ConfigMap, body);
      return;
    } catch (e) {
      if (!(isConflict(e) || isAlreadyExists(e)) || attempt >= 4) throw e;
    }
  }
}

/**
 * The reservations metering sees: running ones from the nodes, ended ones from the journal
 * (an ended entry wins over a node that still shows the same reservation). `nodes` must be
 * read before `ended` (see the module comment).
 */
export function reservationsOf(
  running: ReadonlyArray<{ node: string; since: string }>,
  ended: readonly EndedReservation[],
): Reservation[] {
  const closed = new Set(ended.map((e) => `${e.node}\u0000${toMs(e.from)}`));
  const out: Reservation[] = ended.map((e) => ({ node: e.node, from: e.from, to: e.to }));
  for (const r of running) {
    if (!closed.has(`${r.node}\u0000${toMs(r.since)}`)) out.push({ node: r.node, from: r.since });
  }
  return out;
}
