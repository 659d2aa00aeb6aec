import { EntitlementCondition, EntitlementReason } from '../../api/conditions.ts';
import { ENTITLEMENT_FINALIZER, LABEL_ENTITLEMENT } from '../../api/names.ts';
import { addOnsOf } from '../../api/tenancy.ts';
import type { AddOn, Entitlement, EntitlementStatus } from '../../api/v1alpha1/index.ts';
import { applyIfChanged } from '../../runtime/apply.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import type { Cache } from '../../runtime/informer.ts';
import type { KubeClient } from '../../runtime/kube/client.ts';
import { Builtin } from '../../runtime/kube/resource.ts';
import type { Readiness, StatusDraft } from '../../runtime/reconcile/draft.ts';
import type { Finalized, ObjectReconciler } from '../../runtime/reconcile/object.ts';
import type { Outcome } from '../../runtime/reconcile/outcome.ts';
import { desiredBinding, usageOf, violations } from './desired.ts';
import { graceMs, type MeteringDeps, meter, meteringDue } from './metering.ts';

const { Entitled, Metered } = EntitlementCondition;

export interface EntitlementReconcilerDeps {
  client: KubeClient;
  clock: Clock;
  recorder: EventRecorder;
  addons: Cache<AddOn>;
  bindings: Cache;
  /** Metering settings; absent when billing is off. */
  metering?: Omit<MeteringDeps, 'client' | 'clock'> | undefined;
}

/** Ready follows Entitled only (metering has its own condition); add-ons it doesn't allow need the platform team. */
export const ENTITLEMENT_READINESS: Readiness = { conditions: [Entitled], stalls: () => true };

/**
 * Keeps each Entitlement's admission binding in place and reports usage against quota, and
 * Entitled=False when add-ons exist that the Entitlement does not allow (admission should
 * have refused them; this catches what slipped past, e.g. an Entitlement narrowed later);
 * meters the tenant when a window has closed.
 */
export class EntitlementReconciler implements ObjectReconciler<Entitlement, EntitlementStatus> {
  readonly finalizer = ENTITLEMENT_FINALIZER;
  private readonly deps: EntitlementReconcilerDeps;

  constructor(deps: EntitlementReconcilerDeps) {
    this.deps = deps;
  }

  async reconcile(e: Entitlement, draft: StatusDraft<EntitlementStatus>): Promise<void> {
    const binding = desiredBinding(e);
    const current = this.deps.bindings.get(binding.metadata.name ?? '');
    await applyIfChanged(this.deps.client, Builtin.ValidatingAdmissionPolicyBinding, binding, current);
    const tenant = e.spec.tenantRef.name;
    const addons = addOnsOf(this.deps.addons, tenant);
    draft.apply(entitled(e, addons));
    await draft.step('metering', () => this.meter(e, addons), Metered);
    draft.summarize(ENTITLEMENT_READINESS, `admission enforces this Entitlement for tenant ${tenant}`);
  }

  /** Meters when a window has closed since the last time; otherwise says when to come back. */
  private async meter(e: Entitlement, addons: AddOn[]): Promise<Outcome<EntitlementStatus> | undefined> {
    const m = this.deps.metering;
    if (!m) return undefined;
    const now = this.deps.clock.now();
    if (meteringDue(e, now, m.windowMs)) {
      const metered = await meter({ ...m, client: this.deps.client, clock: this.deps.clock }, e, addons);
      return {
        conditions: [metered.condition],
        status: metered.status,
        requeueAfterMs: metered.requeueAfterMs,
      };
    }
    const wm = Date.parse(e.status?.watermark ?? '');
    return { requeueAfterMs: Math.max(1, wm + m.windowMs + graceMs(m.windowMs) - now) };
  }

  /**
   * Withdrawing an Entitlement must never open a gap in which add-ons are allowed: the
   * binding (and the Entitlement as its parameter) stays until the tenant controller has
   * taken the entitlement label off every namespace, from which point the no-Entitlement
   * policy refuses everything. Then the closed windows are metered and the period's report
   * signed once more, so the withdrawn tenant's last invoice can still be printed. The window
   * still open is not metered; a source that can't be read does not hold the withdrawal up.
   */
  async finalize(e: Entitlement): Promise<Finalized> {
    const labelled = await this.deps.client.list(Builtin.Namespace, {
      labelSelector: `${LABEL_ENTITLEMENT}=${e.metadata.name}`,
      limit: 1,
    });
    if (labelled.items.length) {
      const waitingFor = `waiting for the tenant's namespaces to lose the ${LABEL_ENTITLEMENT} label, so add-ons stay refused throughout`;
      return { requeueAfterMs: 500, waitingFor };
    }
    const m = this.deps.metering;
    if (m) {
      const addons = addOnsOf(this.deps.addons, e.spec.tenantRef.name);
      await meter({ ...m, client: this.deps.client, clock: this.deps.clock }, e, addons);
    }
    return 'done';
  }

  statusChanged(e: Entitlement, next: EntitlementStatus): void {
    for (const type of [Entitled, Metered]) {
      const c = next.conditions?.find((x) => x.type === type);
      if (c?.status === 'False') this.deps.recorder.event(e, 'Warning', c.reason, c.message);
    }
  }
}

/** Usage against quota, and whether every add-on is granted and within it. */
function entitled(e: Entitlement, addons: AddOn[]): Outcome<EntitlementStatus> {
  const usage = usageOf(e.spec.tenantRef.name, addons);
  const problems = violations(e, addons, usage);
  return {
    conditions: [
      problems.length
        ? {
            type: Entitled,
            status: 'False',
            reason: EntitlementReason.NotEntitled,
            message: problems.join('; '),
          }
        : {
            type: Entitled,
            status: 'True',
            reason: EntitlementReason.WithinEntitlement,
            message: 'every add-on is granted and within quota',
          },
    ],
    status: { usage },
  };
}
