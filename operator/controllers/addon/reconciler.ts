import { SYSTEM_NAMESPACE_SUFFIX } from '../../api/labels.ts';
import type { AddOn, AddOnStatus, Entitlement } from '../../api/v1alpha1/index.ts';
import { AddOnResource } from '../../api/v1alpha1/index.ts';
import type { FeatureFlags } from '../../config.ts';
import { applyStatus, deepEqual } from '../../runtime/apply.ts';
import type { Clock } from '../../runtime/clock.ts';
import { type Condition, type ConditionInput, setCondition, summarize } from '../../runtime/conditions.ts';
import type { ReconcileContext, Reconciler, Request, Result } from '../../runtime/controller.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import { ensureFinalizer, hasFinalizer, removeFinalizer } from '../../runtime/finalizer.ts';
import type { Cache } from '../../runtime/informer.ts';
import type { KubeClient } from '../../runtime/kube/client.ts';
import type { CheckSchedule } from '../tenant/schedule.ts';
import { approvalOf } from './approval.ts';
import type { SubResult } from './archive/reconcile.ts';

export const ADDON_FINALIZER = 'tenantry.dev/addon-cleanup';

type AddOnObject = AddOn;

/** A type-specific part of the add-on reconcile (dedicated compute, audit archive). */
export interface AddOnHandler {
  reconcile(addon: AddOnObject, tenant: string): Promise<SubResult>;
  /** Undoes what reconcile made; true when done. */
  release?(addon: AddOnObject, tenant: string): Promise<boolean>;
}

export interface AddOnReconcilerDeps {
  client: KubeClient;
  clock: Clock;
  recorder: EventRecorder;
  features: FeatureFlags;
  addons: Cache<AddOnObject>;
  entitlements: Cache<Entitlement>;
  schedule: CheckSchedule;
  /** Handlers by add-on type; a type without one reports NotImplemented. */
  handlers: Partial<Record<AddOn['spec']['type'], AddOnHandler>>;
}

const FEATURE: Record<AddOn['spec']['type'], 'addonDedicatedCompute' | 'addonAuditArchive'> = {
  DedicatedCompute: 'addonDedicatedCompute',
  AuditArchive: 'addonAuditArchive',
};

/**
 * Add-ons: checks again (defence in depth) that the tenant's Entitlement grants the add-on,
 * records the approver that admission stamped, then lets the type's handler provision and
 * enforce it. Ready needs Entitled, Approved, Provisioned and Enforced.
 */
export class AddOnReconciler implements Reconciler {
  private readonly deps: AddOnReconcilerDeps;
  constructor(deps: AddOnReconcilerDeps) {
    this.deps = deps;
  }

  async reconcile(req: Request, _ctx: ReconcileContext): Promise<Result | undefined> {
    const cached = this.deps.addons.get(req.key);
    if (!cached) return undefined;
    const addon = structuredClone(cached);
    const namespace = addon.metadata.namespace ?? '';
    const tenant = namespace.endsWith(`-${SYSTEM_NAMESPACE_SUFFIX}`)
      ? namespace.slice(0, -SYSTEM_NAMESPACE_SUFFIX.length - 1)
      : '';
    const handler = this.deps.handlers[addon.spec.type];
    if (addon.metadata.deletionTimestamp) {
      if (!hasFinalizer(addon, ADDON_FINALIZER)) return undefined;
      if (handler?.release && !(await handler.release(addon, tenant))) return { requeueAfterMs: 2_000 };
      await removeFinalizer(this.deps.client, AddOnResource, addon, ADDON_FINALIZER);
      return undefined;
    }
    await ensureFinalizer(this.deps.client, AddOnResource, addon, ADDON_FINALIZER);

    const steps: ConditionInput[] = [];
    const entitlement = this.deps.entitlements.list().find((e) => e.spec.tenantRef.name === tenant);
    const granted = entitlement?.spec.allowedAddOns?.includes(addon.spec.type) ?? false;
    steps.push(
      granted
        ? {
            type: 'Entitled',
            status: 'True',
            reason: 'Granted',
            message: `granted by Entitlement ${entitlement?.metadata.name}`,
          }
        : {
            type: 'Entitled',
            status: 'False',
            reason: entitlement ? 'NotGranted' : 'NoEntitlement',
            message: entitlement
              ? `Entitlement ${entitlement.metadata.name} does not grant ${addon.spec.type}`
              : `tenant ${tenant} has no Entitlement`,
          },
    );
    const approval = approvalOf(addon, this.deps.clock);
    steps.push(
      approval
        ? {
            type: 'Approved',
            status: 'True',
            reason: 'Approved',
            message: `approved by ${approval.approvedBy}`,
          }
        : { type: 'Approved', status: 'False', reason: 'NotApproved', message: 'no recorded approver' },
    );
    let sub: SubResult | undefined;
    if (!this.deps.features[FEATURE[addon.spec.type]]) {
      steps.push({
        type: 'Provisioned',
        status: 'False',
        reason: 'FeatureDisabled',
        message: `the ${FEATURE[addon.spec.type]} feature is switched off`,
      });
    } else if (granted && approval && handler) {
      sub = await handler.reconcile(addon, tenant);
      steps.push(...sub.conditions);
    } else if (!handler) {
      steps.push({
        type: 'Provisioned',
        status: 'False',
        reason: 'NotImplemented',
        message: `${addon.spec.type} is not available in this build`,
      });
    }
    const status = this.status(addon, steps, approval, sub);
    if (!deepEqual(status, addon.status ?? {})) {
      await applyStatus(this.deps.client, AddOnResource, addon, status);
      if (!granted) this.deps.recorder.event(addon, 'Warning', 'NotEntitled', steps[0]?.message ?? '');
    }
    return sub?.requeueAfterMs !== undefined ? { requeueAfterMs: sub.requeueAfterMs } : undefined;
  }

  private status(
    addon: AddOnObject,
    steps: ConditionInput[],
    approval: AddOnStatus['approval'],
    sub: SubResult | undefined,
  ): AddOnStatus {
    const generation = addon.metadata.generation;
    let conditions = (addon.status?.conditions ?? []) as Condition[];
    for (const s of steps) conditions = setCondition(conditions, s, generation, this.deps.clock);
    const required = ['Entitled', 'Approved', 'Provisioned', 'Enforced'];
    const pending = required
      .map(
        (type) =>
          conditions.find((c) => c.type === type) ?? {
            type,
            status: 'Unknown',
            reason: 'Pending',
            message: `${type} not reached yet`,
          },
      )
      .find((c) => c.status !== 'True');
    const userFixable = new Set([
      'NoEntitlement',
      'NotGranted',
      'NotApproved',
      'FeatureDisabled',
      'NotImplemented',
    ]);
    conditions = summarize(
      conditions,
      pending
        ? {
            state: userFixable.has(pending.reason) ? 'stalled' : 'progressing',
            reason: pending.reason,
            message: pending.message,
          }
        : { state: 'ready', message: `${addon.spec.type} is provisioned and enforced` },
      generation,
      this.deps.clock,
    );
    return {
      ...addon.status,
      ...(generation !== undefined ? { observedGeneration: generation } : {}),
      conditions: conditions as NonNullable<AddOnStatus['conditions']>,
      ...(approval ? { approval } : {}),
      ...(sub?.provisioned ? { provisioned: sub.provisioned } : {}),
    };
  }
}
