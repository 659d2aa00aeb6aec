import { LABEL_GROWTH_LOG, LABEL_MANAGED_BY, LABEL_TENANT, MANAGED_BY } from '../api/names.ts';
import type { KubeClient } from '../runtime/kube/client.ts';
import type { ConfigMap } from '../runtime/kube/core.ts';
import { isAlreadyExists, isConflict } from '../runtime/kube/errors.ts';
import { Builtin } from '../runtime/kube/resource.ts';
import type { GrowthEvent } from './events.ts';

/**
 * The durable growth log of a tenant: Kubernetes Events expire after an hour, these don't.
 * One ConfigMap a day (`tenantry-growth-<tenant>-<YYYY-MM-DD>`, key `events.json`, oldest
 * first) in the operator's namespace, written by the operator only (admission refuses anyone
 * else). Appending is idempotent by event id and uses optimistic concurrency, so retries,
 * restarts and racing replicas never lose or double an event.
 */

const MAX_EVENTS_PER_DAY = 2_000;

export const growthLogName = (tenant: string, day: string) => `tenantry-growth-${tenant}-${day}`;

/** Appends events (those not there yet, by id) to the tenant's log. Returns how many were new. */
export async function appendEvents(
  client: KubeClient,
  namespace: string,
  tenant: string,
  events: readonly GrowthEvent<unknown>[],
): Promise<number> {
  const byDay = new Map<string, GrowthEvent<unknown>[]>();
  for (const e of events) {
    const day = e.time.slice(0, 10);
    byDay.set(day, [...(byDay.get(day) ?? []), e]);
  }
  let added = 0;
  for (const [day, list] of byDay) added += await appendDay(client, namespace, tenant, day, list);
  return added;
}

async function appendDay(
  client: KubeClient,
  namespace: string,
  tenant: string,
  day: string,
  events: GrowthEvent<unknown>[],
): Promise<number> {
  const name = growthLogName(tenant, day);
  for (let attempt = 0; ; attempt++) {
    const cm = await client.find<ConfigMap>(Builtin.ConfigMap, name, namespace);
    const current = parse(cm);
    const seen = new Set(current.map((e) => e.id));
    const fresh = events.filter((e) => !seen.has(e.id));
    if (!fresh.length) return 0;
    // A day's log is bounded: beyond it the oldest are dropped, and the drop is itself said.
    const next = [...current, ...fresh]
      .sort((a, b) => a.time.localeCompare(b.time))
      .slice(-MAX_EVENTS_PER_DAY);
    const body: ConfigMap = {
      metadata: {
        name,
        namespace,
        labels: { [LABEL_MANAGED_BY]: MANAGED_BY, [LABEL_TENANT]: tenant, [LABEL_GROWTH_LOG]: day },
        ...(cm ? { resourceVersion: cm.metadata.resourceVersion } : {}),
      },
      data: { 'events.json': JSON.stringify(next) },
    };
    try {
      if (cm) await client.update(Builtin.ConfigMap, body);
      else await client.create(Builtin.ConfigMap, body);
      return fresh.length;
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
