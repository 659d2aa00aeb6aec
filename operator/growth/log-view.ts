import { LABEL_TENANT } from '../api/names.ts';
import type { Cache } from '../runtime/informer.ts';
import type { ConfigMap } from '../runtime/kube/core.ts';
import type { GrowthEvent } from './events.ts';
import { eventsOf } from './log.ts';

/**
 * A tenant's growth log as an informer caches it (the ConfigMaps labelled tenantry.dev/growth-log),
 * parsed once per ConfigMap version. Only the operator's namespace counts: admission lets no one
 * else write such ConfigMaps, and the view does not rely on that alone. Events this process
 * appended are `remember`ed until the cache shows them, so a reconcile right after an append
 * never acts on a log without it.
 */
export class GrowthLogView {
  private readonly cache: Cache<ConfigMap>;
  private readonly namespace: string;
  private readonly parsed = new Map<string, { version: string; events: GrowthEvent<unknown>[] }>();
  private readonly pending = new Map<string, Map<string, GrowthEvent<unknown>>>();

  constructor(cache: Cache<ConfigMap>, namespace: string) {
    this.cache = cache;
    this.namespace = namespace;
  }

  /** The tenant's events, oldest first. */
  events(tenant: string): GrowthEvent<unknown>[] {
    const all = this.cache.list();
    if (this.parsed.size > 2 * all.length + 100) this.parsed.clear();
    const events = all
      .filter(
        (cm) => cm.metadata.namespace === this.namespace && cm.metadata.labels?.[LABEL_TENANT] === tenant,
      )
      .flatMap((cm) => this.parse(cm));
    const mine = this.pending.get(tenant);
    if (mine) {
      for (const e of events) mine.delete(e.id);
      if (!mine.size) this.pending.delete(tenant);
      events.push(...mine.values());
    }
    return events.sort((a, b) => a.time.localeCompare(b.time));
  }

  remember(tenant: string, event: GrowthEvent<unknown>): void {
    const mine = this.pending.get(tenant) ?? new Map<string, GrowthEvent<unknown>>();
    mine.set(event.id, event);
    this.pending.set(tenant, mine);
  }

  private parse(cm: ConfigMap): GrowthEvent<unknown>[] {
    const key = cm.metadata.uid ?? cm.metadata.name ?? '';
    const version = cm.metadata.resourceVersion ?? '';
    const hit = this.parsed.get(key);
    if (hit?.version === version) return hit.events;
    const events = eventsOf(cm);
    this.parsed.set(key, { version, events });
    return events;
  }
}
