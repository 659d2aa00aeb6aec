import {
  ANNOTATION_GROWTH_LOG_FULL,
  LABEL_GROWTH_LOG,
  LABEL_MANAGED_BY,
  LABEL_TENANT,
  MANAGED_BY,
} from '../api/names.ts';
import type { KubeClient } from '../runtime/kube/client.ts';
import type { ConfigMap } from '../runtime/kube/core.ts';
import { isAlreadyExists, isConflict } from '../runtime/kube/errors.ts';
import { Builtin } from '../runtime/kube/resource.ts';
import type { GrowthEvent } from './events.ts';

/**
 * The durable growth log of a tenant: Kubernetes Events expire after an hour, these don't.
 * One ConfigMap a day (`tenantry-growth-<tenant>-<YYYY-MM-DD>`, key `events.json`, oldest
 * first) in the operator's namespace, written by the operator only (admission refuses anyone
 * else). A day that outgrows one ConfigMap goes on in parts (`...-<YYYY-MM-DD>-2`, `-3`, ...):
 * nothing is ever dropped to make room. Appending is idempotent by event id across the day's
 * parts and uses optimistic concurrency, so retries, restarts and racing replicas never lose
 * or double an event.
 */

/**
 * JSON bytes a part holds at most: well under the API server's 1 MiB for a ConfigMap's data,
 * with room for its metadata. Exported for tests.
 */
export const PART_BUDGET_BYTES = 768 * 1024;

/** The name of a day's log, or of its `part`th ConfigMap (parts count from 1). */
export const growthLogName = (tenant: string, day: string, part = 1) =>
  `tenantry-growth-${tenant}-${day}${part > 1 ? `-${part}` : ''}`;

/** A day's log has all the parts an append may fill: what it brought is not recorded. */
export class GrowthLogFullError extends Error {
  readonly day: string;
  constructor(tenant: string, day: string, parts: number) {
    super(`the growth log of ${tenant} for ${day} has its ${parts} parts full`);
    this.day = day;
  }
}

/**
 * Appends events (those not there yet, by id) to the tenant's log. Returns how many were new.
 * `maxParts` bounds how far a day may grow for these events: what users make the operator
 * record (tenant API actions) must not fill etcd; the operator's own events are bounded by
 * what they record and go unbounded.
 */
export async function appendEvents(
  client: KubeClient,
  namespace: string,
  tenant: string,
  events: readonly GrowthEvent<unknown>[],
  opts: { maxParts?: number } = {},
): Promise<number> {
  const byDay = new Map<string, GrowthEvent<unknown>[]>();
  for (const e of events) {
    const day = e.time.slice(0, 10);
    byDay.set(day, [...(byDay.get(day) ?? []), e]);
  }
  let added = 0;
  for (const [day, list] of byDay)
    added += await appendDay(client, namespace, tenant, day, list, opts.maxParts);
  return added;
}

/**
 * Walks the day's parts in order: full ones only tell which events are there already; the
 * first with room takes what fits, and what does not fit goes on to the next part.
 */
async function appendDay(
  client: KubeClient,
  namespace: string,
  tenant: string,
  day: string,
  events: GrowthEvent<unknown>[],
  maxParts = Number.POSITIVE_INFINITY,
): Promise<number> {
  const unique = [...new Map(events.map((e) => [e.id, e])).values()];
  const seen = new Set<string>();
  let pending = unique;
  let added = 0;
  for (let part = 1; pending.length; part++) {
    if (part > maxParts) throw new GrowthLogFullError(tenant, day, maxParts);
    const { written, rest, ids } = await appendPart(client, namespace, tenant, day, part, pending, seen);
    for (const id of ids) seen.add(id);
    added += written;
    pending = rest;
  }
  return added;
}

async function appendPart(
  client: KubeClient,
  namespace: string,
  tenant: string,
  day: string,
  part: number,
  events: readonly GrowthEvent<unknown>[],
  seenBefore: ReadonlySet<string>,
): Promise<{ written: number; rest: GrowthEvent<unknown>[]; ids: string[] }> {
  const name = growthLogName(tenant, day, part);
  for (let attempt = 0; ; attempt++) {
    const cm = await client.find<ConfigMap>(Builtin.ConfigMap, name, namespace);
    const current = parse(cm);
    const ids = current.map((e) => e.id);
    const here = new Set(ids);
    const fresh = events.filter((e) => !here.has(e.id) && !seenBefore.has(e.id));
    if (!fresh.length) return { written: 0, rest: [], ids };
    // A full part only says which events the day has; later parts hold the rest.
    if (cm?.metadata.annotations?.[ANNOTATION_GROWTH_LOG_FULL] === 'true')
      return { written: 0, rest: fresh, ids };
    const fits: GrowthEvent<unknown>[] = [];
    let size = Buffer.byteLength(JSON.stringify(current));
    for (const e of fresh) {
      const more = Buffer.byteLength(JSON.stringify(e)) + 1;
      // One event alone always fits an empty part: no event is too big to keep.
      if (size + more > PART_BUDGET_BYTES && (current.length || fits.length)) break;
      fits.push(e);
      size += more;
    }
    const rest = fresh.slice(fits.length);
    const next = [...current, ...fits].sort((a, b) => a.time.localeCompare(b.time));
    const body: ConfigMap = {
      metadata: {
        name,
        namespace,
        labels: { [LABEL_MANAGED_BY]: MANAGED_BY, [LABEL_TENANT]: tenant, [LABEL_GROWTH_LOG]: day },
        // Marked full in the same write that leaves events over, so no later append can slip
        // one into this part that a later part already holds.
        ...(rest.length ? { annotations: { [ANNOTATION_GROWTH_LOG_FULL]: 'true' } } : {}),
        ...(cm ? { resourceVersion: cm.metadata.resourceVersion } : {}),
      },
      data: { 'events.json': JSON.stringify(next) },
    };
    try {
      if (cm) await client.update(Builtin.ConfigMap, body);
      else await client.create(Builtin.ConfigMap, body);
      return { written: fits.length, rest, ids: [...ids, ...fits.map((e) => e.id)] };
    } catch (e) {
      if (!(isConflict(e) || isAlreadyExists(e)) || attempt >= 5) throw e;
    }
  }
}

/** The tenant's events since `since` (RFC 3339 or ms), oldest first. */
export async function readEvents(
  client: KubeClient,
  namespace: string,
  tenant: string,
  opts: { since?: string | number } = {},
): Promise<GrowthEvent<unknown>[]> {
  const list = await client.list<ConfigMap>(Builtin.ConfigMap, {
    namespace,
    labelSelector: `${LABEL_GROWTH_LOG},${LABEL_TENANT}=${tenant}`,
  });
  const since = opts.since === undefined ? undefined : new Date(opts.since).toISOString();
  return list.items
    .flatMap(parse)
    .filter((e) => since === undefined || e.time >= since)
    .sort((a, b) => a.time.localeCompare(b.time));
}

/** The events of a log ConfigMap (as an informer holds it). */
export function eventsOf(cm: ConfigMap | undefined): GrowthEvent<unknown>[] {
  return parse(cm);
}

function parse(cm: ConfigMap | undefined): GrowthEvent<unknown>[] {
  const json = cm?.data?.['events.json'];
  return json ? (JSON.parse(json) as GrowthEvent<unknown>[]) : [];
}
