import { LABEL_GROWTH_LOG, LABEL_MANAGED_BY, LABEL_TENANT, MANAGED_BY } from '../api/names.ts';
import type { EventHandler } from '../runtime/informer.ts';
import type { ConfigMap } from '../runtime/kube/core.ts';
import type { ResourceType } from '../runtime/kube/resource.ts';
import type { GrowthEvent } from './events.ts';
import { eventsOf, growthLogName } from './log.ts';

/**
 * The ConfigMaps of one namespace (the operator's: growth logs, nudge preferences), as a
 * resource of their own. The operator may watch ConfigMaps only in its namespace (a Role;
 * cluster-wide it may get and list them, not watch), while the Manager's shared informers list
 * and watch cluster-wide: a collection path fixed to the namespace gives a shared informer just
 * these.
 */
export function namespaceConfigMaps(namespace: string): ResourceType<ConfigMap> {
  return {
    group: '',
    version: 'v1',
    kind: 'ConfigMap',
    plural: `namespaces/${encodeURIComponent(namespace)}/configmaps`,
    namespaced: false,
  };
}

/** Informers of growth-log ConfigMaps select them by this label. */
export const GROWTH_LOG_SELECTOR = LABEL_GROWTH_LOG;

/** The tenant whose log a ConfigMap is, if it is one as the operator writes them. */
export function tenantOfLog(cm: ConfigMap): string | undefined {
  const labels = cm.metadata.labels ?? {};
  const tenant = labels[LABEL_TENANT];
  const day = labels[LABEL_GROWTH_LOG];
  if (!tenant || !day || labels[LABEL_MANAGED_BY] !== MANAGED_BY) return undefined;
  const name = cm.metadata.name ?? '';
  const first = growthLogName(tenant, day);
  // The day's first part, or a later one (`-2`, `-3`, ...).
  return name === first ||
    (name.startsWith(`${first}-`) && /^[1-9][0-9]*$/.test(name.slice(first.length + 1)))
    ? tenant
    : undefined;
}

/**
 * Every tenant's growth log, parsed once per change of a day's ConfigMap, as an informer
 * delivers them. Reconciles read a tenant's events from here instead of listing its log.
 * Events this process appended are `remember`ed until the informer shows them, so a reconcile
 * right after an append never acts on a log without it.
 */
export class GrowthLogIndex {
  private readonly days = new Map<string, Map<string, GrowthEvent<unknown>[]>>();
  private readonly merged = new Map<string, GrowthEvent<unknown>[]>();
  private readonly pending = new Map<string, Map<string, GrowthEvent<unknown>>>();

  constructor(informer: { addHandler(h: EventHandler<ConfigMap>): void }) {
    informer.addHandler({
      onAdd: (cm) => this.put(cm),
      onUpdate: (_, cm) => this.put(cm),
      onDelete: (cm) => this.drop(cm),
    });
  }

  /** The tenant's events, oldest first (only events about the tenant itself). */
  events(tenant: string): readonly GrowthEvent<unknown>[] {
    let list = this.merged.get(tenant);
    if (!list) {
      const logged = [...(this.days.get(tenant)?.values() ?? [])].flat().filter((e) => e.subject === tenant);
      const mine = this.pending.get(tenant);
      if (mine) {
        for (const e of logged) mine.delete(e.id);
        if (!mine.size) this.pending.delete(tenant);
      }
      list = [...logged, ...(mine?.values() ?? [])].sort((a, b) => a.time.localeCompare(b.time));
      this.merged.set(tenant, list);
    }
    return list;
  }

  /** An event this process appended to the tenant's log, counted until the informer has it. */
  remember(tenant: string, event: GrowthEvent<unknown>): void {
    const mine = this.pending.get(tenant) ?? new Map<string, GrowthEvent<unknown>>();
    mine.set(event.id, event);
    this.pending.set(tenant, mine);
    this.merged.delete(tenant);
  }

  /** Whether the tenant's log holds the event. */
  has(tenant: string, id: string): boolean {
    return this.events(tenant).some((e) => e.id === id);
  }

  private put(cm: ConfigMap): void {
    const tenant = tenantOfLog(cm);
    if (!tenant) return;
    let parsed: GrowthEvent<unknown>[];
    try {
      parsed = eventsOf(cm);
    } catch {
      // Only the operator writes these (admission refuses anyone else); an unreadable day is skipped, not fatal.
      parsed = [];
    }
    const days = this.days.get(tenant) ?? new Map<string, GrowthEvent<unknown>[]>();
    days.set(cm.metadata.name ?? '', Array.isArray(parsed) ? parsed : []);
    this.days.set(tenant, days);
    this.merged.delete(tenant);
  }

  private drop(cm: ConfigMap): void {
    const tenant = tenantOfLog(cm);
    if (!tenant) return;
    this.days.get(tenant)?.delete(cm.metadata.name ?? '');
    this.merged.delete(tenant);
  }
}
