import type { GrowthEvent } from '../../growth/events.ts';
import { appendEvents } from '../../growth/log.ts';
import type { GrowthLogIndex } from '../../growth/log-index.ts';
import type { KubeClient } from '../../runtime/kube/client.ts';

/**
 * Appends growth events to a tenant's log unless it holds them already, and says which were
 * new. What is in the log is known from the log's informer; what this process appended is
 * remembered until the informer has caught up with it, so a reconcile that runs before the
 * watch delivered the append neither writes again nor reports the events twice.
 */
export class GrowthRecorder {
  private readonly appended = new Set<string>();
  private readonly client: KubeClient;
  private readonly namespace: string;
  private readonly index: GrowthLogIndex;

  constructor(client: KubeClient, namespace: string, index: GrowthLogIndex) {
    this.client = client;
    this.namespace = namespace;
    this.index = index;
  }

  /** The operator's namespace: where logs are kept, and the origin of the events' source. */
  get origin(): string {
    return this.namespace;
  }

  /** Records the events the log lacks; returns those that were new. */
  async record<E extends GrowthEvent<unknown>>(tenant: string, events: readonly E[]): Promise<E[]> {
    const fresh = events.filter((e) => !this.known(tenant, e.id));
    if (!fresh.length) return [];
    const added = await appendEvents(this.client, this.namespace, tenant, fresh);
    for (const e of fresh) this.appended.add(e.id);
    // Another writer got there first (the log is idempotent by id): nothing was new after all.
    return added ? fresh : [];
  }

  private known(tenant: string, id: string): boolean {
    if (this.index.has(tenant, id)) {
      this.appended.delete(id);
      return true;
    }
    return this.appended.has(id);
  }
}
