import { LABEL_ENTITLEMENT } from '../../admission/addon-policies.ts';
import type { AddOn, Entitlement } from '../../api/v1alpha1/index.ts';
import { EntitlementResource } from '../../api/v1alpha1/index.ts';
import { applyIfChanged, applyStatus, deepEqual } from '../../runtime/apply.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { Condition } from '../../runtime/conditions.ts';
import { setCondition, summarize } from '../../runtime/conditions.ts';
import type { ReconcileContext, Reconciler, Request, Result } from '../../runtime/controller.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import { ensureFinalizer, hasFinalizer, removeFinalizer } from '../../runtime/finalizer.ts';
import type { Cache } from '../../runtime/informer.ts';
import type { KubeClient } from '../../runtime/kube/client.ts';
import { Builtin } from '../../runtime/kube/resource.ts';
import { addOnsOf } from '../addons-of.ts';
import { desiredBinding, usageOf, violations } from './desired.ts';
import { graceMs, type MeteringDeps, type MeteringResult, meter, meteringDue } from './metering.ts';

export interface EntitlementReconcilerDeps {
  client: KubeClient;
  clock: Clock;
  recorder: EventRecorder;
  entitlements: Cache<Entitlement>;
  addons: Cache<AddOn>;
  bindings: Cache;
  /** Metering settings; absent when billing is off. */
  metering?: Omit<MeteringDeps, 'client' | 'clock'> | undefined;
}

/**
 * Keeps each Entitlement's admission binding in place and reports usage against quota, and
 * Entitled=False when add-ons exist that the Entitlement does not allow (admission should
 * have refused them; this catches what slipped past, e.g. an Entitlement narrowed later).
 */
export class EntitlementReconciler implements Reconciler {
  private readonly deps: EntitlementReconcilerDeps;
  constructor(deps: EntitlementReconcilerDeps) {
    this.deps = deps;
  }

  async reconcile(req: Request, _ctx: ReconcileContext): Promise<Result | undefined> {
    const cached = this.deps.entitlements.get(req.key);
    if (!cached) return undefined;
    const e = structuredClone(cached);
    if (e.metadata.deletionTimestamp) return this.withdraw(e);
    await ensureFinalizer(this.deps.client, EntitlementResource, e, ENTITLEMENT_FINALIZER);
    const binding = desiredBinding(e);
    await applyIfChanged(
      this.deps.client,
      Builtin.ValidatingAdmissionPolicyBinding,
      binding,
      this.deps.bindings.get(binding.metadata.name ?? ''),
    );
    const tenant = e.spec.tenantRef.name;
    const addons = addOnsOf(this.deps.addons, tenant);
    const usage = usageOf(tenant, addons);
    const problems = violations(e, addons, usage);
    const generation = e.metadata.generation;
    const metered = await this.meter(e, addons);
    let conditions = setCondition(
      (e.status?.conditions ?? []) as Condition[],
      problems.length
        ? { type: 'Entitled', status: 'False', reason: 'NotEntitled', message: problems.join('; ') }
        : {
            type: 'Entitled',
            status: 'True',
            reason: 'WithinEntitlement',
            message: 'every add-on is granted and within quota',
          },
      generation,
      this.deps.clock,
    );
    conditions = summarize(
      conditions,
      problems.length
        ? { state: 'stalled', reason: 'NotEntitled', message: problems.join('; ') }
        : { state: 'ready', message: `admission enforces this Entitlement for tenant ${tenant}` },
      generation,
      this.deps.clock,
    );
    if (metered?.condition)
      conditions = setCondition(conditions, metered.condition, generation, this.deps.clock);
    const status = {
      ...e.status,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
      conditions: conditions as NonNullable<NonNullable<Entitlement['status']>['conditions']>,
      usage,
      ...metered?.status,
    };
    if (!deepEqual(status, e.status ?? {})) {
      await applyStatus(this.deps.client, EntitlementResource, e, status);
      if (problems.length) this.deps.recorder.event(e, 'Warning', 'NotEntitled', problems.join('; '));
      if (metered?.condition && metered.condition.status === 'False') {
        this.deps.recorder.event(e, 'Warning', metered.condition.reason, metered.condition.message);
      }
    }
    return metered ? { requeueAfterMs: metered.requeueAfterMs } : undefined;
  }

  /** Meters when a window has closed since the last time; otherwise says when to come back. */
  private async meter(
    e: Entitlement,
    addons: ReadonlyArray<AddOn>,
  ): Promise<(Partial<MeteringResult> & { requeueAfterMs: number }) | undefined> {
    const m = this.deps.metering;
    if (!m) return undefined;
    const now = this.deps.clock.now();
    if (meteringDue(e, now, m.windowMs)) {
      return meter({ ...m, client: this.deps.client, clock: this.deps.clock }, e, addons);
    }
    const wm = Date.parse(e.status?.watermark ?? '');
    return { requeueAfterMs: Math.max(1, wm + m.windowMs + graceMs(m.windowMs) - now) };
  }

  /**
   * Withdrawing an Entitlement must never open a gap in which add-ons are allowed: the
   * binding (and the Entitlement as its parameter) stays until the tenant controller has
   * taken the entitlement label off every namespace, from which point the no-Entitlement
   * policy refuses everything.
   */
  private async withdraw(e: Entitlement): Promise<Result | undefined> {
    if (!hasFinalizer(e, ENTITLEMENT_FINALIZER)) return undefined;
    const labelled = await this.deps.client.list(Builtin.Namespace, {
      labelSelector: `${LABEL_ENTITLEMENT}=${e.metadata.name}`,
      limit: 1,
    });
    if (labelled.items.length) return { requeueAfterMs: 500 };
    await this.finalMetering(e);
    await removeFinalizer(this.deps.client, EntitlementResource, e, ENTITLEMENT_FINALIZER);
    return undefined;
  }

  /**
   * Meters the windows closed so far and signs the period's report once more, so the last
   * invoice of a withdrawn tenant can still be printed from the ledger and its signed report.
   * The window still open is not metered. A source that cannot be read does not hold the
   * withdrawal up: the ledger keeps what was metered before.
   */
  private async finalMetering(e: Entitlement): Promise<void> {
    const m = this.deps.metering;
    if (!m) return;
    const tenant = e.spec.tenantRef.name;
    const addons = addOnsOf(this.deps.addons, tenant);
    await meter({ ...m, client: this.deps.client, clock: this.deps.clock }, e, addons);
  }
}

export const ENTITLEMENT_FINALIZER = 'tenantry.dev/entitlement-withdrawal';
