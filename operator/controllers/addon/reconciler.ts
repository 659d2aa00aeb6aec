import { ADDON_STALLING_REASONS, AddOnCondition, AddOnReason } from '../../api/conditions.ts';
import { ADDON_FINALIZER, tenantOfSystemNamespace } from '../../api/names.ts';
import { entitlementOf } from '../../api/tenancy.ts';
import type { AddOn, AddOnStatus, Entitlement } from '../../api/v1alpha1/index.ts';
import type { FeatureFlags } from '../../config.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { ConditionInput } from '../../runtime/conditions.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import type { Cache } from '../../runtime/informer.ts';
import type { Readiness, StatusDraft } from '../../runtime/reconcile/draft.ts';
import type { Finalized, ObjectReconciler } from '../../runtime/reconcile/object.ts';
import type { Outcome } from '../../runtime/reconcile/outcome.ts';
import { approvalOf } from './approval.ts';
import type { AddOnHandler } from './handler.ts';

const { Entitled, Approved, Provisioned, Enforced } = AddOnCondition;

export interface AddOnReconcilerDeps {
  clock: Clock;
  recorder: EventRecorder;
  features: FeatureFlags;
  entitlements: Cache<Entitlement>;
  /** Handlers by add-on type; a type without one reports NotImplemented. */
  handlers: Partial<Record<AddOn['spec']['type'], AddOnHandler>>;
}

const FEATURE: Record<AddOn['spec']['type'], 'addonDedicatedCompute' | 'addonAuditArchive'> = {
  DedicatedCompute: 'addonDedicatedCompute',
  AuditArchive: 'addonAuditArchive',
};

/** Ready needs all four; what a person must fix (a grant, an approval, a feature) stalls it. */
export const ADDON_READINESS: Readiness = {
  conditions: [Entitled, Approved, Provisioned, Enforced],
  requireAll: true,
  stalls: (c) => ADDON_STALLING_REASONS.has(c.reason),
};

/**
 * Add-ons: checks again (defence in depth) that the tenant's Entitlement grants the add-on
 * and that its current spec is approved as admission stamped it, records the approval, then
 * lets the type's handler provision and enforce it. Settings not approved are not acted on:
 * what was provisioned for earlier ones stays as it is.
 */
export class AddOnReconciler implements ObjectReconciler<AddOn, AddOnStatus> {
  readonly finalizer = ADDON_FINALIZER;
  private readonly deps: AddOnReconcilerDeps;

  constructor(deps: AddOnReconcilerDeps) {
    this.deps = deps;
  }

  async reconcile(addon: AddOn, draft: StatusDraft<AddOnStatus>): Promise<void> {
    const tenant = tenantOfSystemNamespace(addon.metadata.namespace) ?? '';
    const entitled = this.entitled(addon, tenant);
    const approval = approvalOf(addon, entitlementOf(this.deps.entitlements, tenant), this.deps.clock);
    draft.apply({ conditions: [entitled] });
    draft.apply(approval.outcome);
    const allowed = entitled.status === 'True' && approval.approved;
    await draft.step(addon.spec.type, () => this.provision(addon, tenant, allowed), Provisioned);
    draft.summarize(ADDON_READINESS, `${addon.spec.type} is provisioned and enforced`);
  }

  finalize(addon: AddOn): Promise<Finalized> {
    const tenant = tenantOfSystemNamespace(addon.metadata.namespace) ?? '';
    return releaseAddOn(this.deps.handlers[addon.spec.type], addon, tenant);
  }

  statusChanged(addon: AddOn, next: AddOnStatus): void {
    const entitled = next.conditions?.find((c) => c.type === Entitled);
    if (entitled?.status === 'False')
      this.deps.recorder.event(addon, 'Warning', 'NotEntitled', entitled.message);
  }

  private entitled(addon: AddOn, tenant: string): ConditionInput {
    const entitlement = entitlementOf(this.deps.entitlements, tenant);
    if (!entitlement) {
      const message = `tenant ${tenant} has no Entitlement`;
      return { type: Entitled, status: 'False', reason: AddOnReason.NoEntitlement, message };
    }
    const name = entitlement.metadata.name;
    return entitlement.spec.allowedAddOns?.includes(addon.spec.type)
      ? {
          type: Entitled,
          status: 'True',
          reason: AddOnReason.Granted,
          message: `granted by Entitlement ${name}`,
        }
      : {
          type: Entitled,
          status: 'False',
          reason: AddOnReason.NotGranted,
          message: `Entitlement ${name} does not grant ${addon.spec.type}`,
        };
  }

  /**
   * The type's own part, once the add-on is entitled and approved; a feature switched off or a
   * type this build can't provision says so whatever the grant.
   */
  private async provision(
    addon: AddOn,
    tenant: string,
    allowed: boolean,
  ): Promise<Outcome<AddOnStatus> | undefined> {
    const feature = FEATURE[addon.spec.type];
    if (!this.deps.features[feature]) {
      const message = `the ${feature} feature is switched off`;
      return {
        conditions: [{ type: Provisioned, status: 'False', reason: AddOnReason.FeatureDisabled, message }],
      };
    }
    const handler = this.deps.handlers[addon.spec.type];
    if (!handler) {
      const message = `${addon.spec.type} is not available in this build`;
      return {
        conditions: [{ type: Provisioned, status: 'False', reason: AddOnReason.NotImplemented, message }],
      };
    }
    if (!allowed) return undefined;
    const r = await handler.reconcile(addon, tenant);
    return {
      conditions: r.conditions,
      ...(r.provisioned ? { status: { provisioned: r.provisioned } } : {}),
      requeueAfterMs: r.requeueAfterMs,
    };
  }
}

/** Lets the handler undo what it made; the finalizer stays until it has. */
async function releaseAddOn(
  handler: AddOnHandler | undefined,
  addon: AddOn,
  tenant: string,
): Promise<Finalized> {
  if (handler?.release && !(await handler.release(addon, tenant))) {
    return { requeueAfterMs: 2_000, waitingFor: `releasing what the ${addon.spec.type} add-on provisioned` };
  }
  return 'done';
}
