import { TenantCondition } from '../../api/conditions.ts';
import { TENANT_FINALIZER } from '../../api/names.ts';
import { addOnsOf, entitlementOf } from '../../api/tenancy.ts';
import type { AddOn, Entitlement, Tenant, TenantStatus } from '../../api/v1alpha1/index.ts';
import type { FeatureFlags } from '../../config.ts';
import type { StatementSigner } from '../../evidence/sign.ts';
import { targetsByHealthBand } from '../../growth/nudges/targeting.ts';
import type { CheckSchedule } from '../../runtime/check-schedule.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { ReconcileContext } from '../../runtime/controller.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import type { Cache } from '../../runtime/informer.ts';
import type { KubeClient } from '../../runtime/kube/client.ts';
import type { ResourceType } from '../../runtime/kube/resource.ts';
import type { StatusDraft } from '../../runtime/reconcile/draft.ts';
import type { Finalized, ObjectReconciler } from '../../runtime/reconcile/object.ts';
import { activation } from './activation.ts';
import { cleanupTenant } from './cleanup.ts';
import { profileOf } from './desired.ts';
import { checkDomain } from './domain.ts';
import type { GrowthDeps } from './growth-deps.ts';
import { health } from './health.ts';
import { checkIdentity, type IdentityDeps, NO_IDENTITY } from './identity.ts';
import { type OnboardingMetrics, recordMilestones } from './metrics.ts';
import { milestones } from './milestones.ts';
import { type NudgeSources, nudges } from './nudges.ts';
import { type MilestoneSources, onboardingTiming } from './onboarding.ts';
import { provision } from './provision.ts';
import { TENANT_READINESS } from './readiness.ts';
import { completedSteps, ensureReceipts } from './receipts.ts';

const { Provisioned, DomainVerified } = TenantCondition;

export interface TenantReconcilerDeps {
  client: KubeClient;
  clock: Clock;
  recorder: EventRecorder;
  /** Caches of the types the tenant owns, filtered to objects Tenantry manages. */
  owned: ReadonlyMap<ResourceType, Cache>;
  entitlements: Cache<Entitlement>;
  addons: Cache<AddOn>;
  features: FeatureFlags;
  schedule: CheckSchedule;
  /** Signs receipts; absent when self-serve onboarding is switched off. */
  signer?: StatementSigner | undefined;
  dnsServers: string[];
  identity: Omit<IdentityDeps, 'client' | 'clock' | 'schedule'>;
  metrics: OnboardingMetrics;
  /** The activation checklist, milestones and the health score. */
  growth: GrowthDeps;
  /** What the nudges step reads; absent when adminNudges is off. */
  nudges?: NudgeSources | undefined;
}

/**
 * Onboards a tenant: provision namespaces and policies, verify the domain, check the identity
 * provider, sign a receipt for each step completed; Ready sums them up, and the onboarding
 * milestones are stamped from the result.
 */
export class TenantReconciler implements ObjectReconciler<Tenant, TenantStatus> {
  readonly finalizer = TENANT_FINALIZER;
  private readonly deps: TenantReconcilerDeps;

  constructor(deps: TenantReconcilerDeps) {
    this.deps = deps;
  }

  async reconcile(tenant: Tenant, draft: StatusDraft<TenantStatus>, ctx: ReconcileContext): Promise<void> {
    const { deps } = this;
    await draft.step('provision', () => provision(deps, tenant, ctx), Provisioned);
    await draft.step('domain', () => checkDomain(deps, tenant), DomainVerified);
    await draft.step('identity', () => this.identity(tenant, draft), TenantCondition.IdentityConnected);
    const provisioned = draft.decided(Provisioned)?.status === 'True';
    if (deps.signer && deps.features.selfServeOnboarding && provisioned) {
      const done = completedSteps(tenant, draft);
      const signer = deps.signer;
      await draft.step('receipts', async () => ({
        status: { receipts: await ensureReceipts({ ...deps, signer }, tenant, done) },
      }));
    }
    await draft.step('activation', () => activation(deps.growth, tenant, draft.status));
    await draft.step('milestones', () => milestones(deps.growth, tenant, draft.status));
    draft.summarize(TENANT_READINESS, 'Tenant is onboarded');
    // Nudges target by the health band last published; the score, which counts overdue nudges
    // and reads what every other part found, comes last. A band that moves is looked at again
    // at once when some nudge targets by band, so targeting catches up in one more reconcile.
    const band = draft.status.health?.band;
    await draft.step('nudges', () => nudges(deps.nudges, deps.growth, tenant, draft.status));
    await draft.step('health', () => health(deps.growth, tenant, draft.status));
    const byBand = deps.nudges && targetsByHealthBand(deps.nudges.settings.nudges);
    if (byBand && draft.status.health?.band !== band) draft.apply({ requeueAfterMs: 1_000 });
    const timing = onboardingTiming(tenant, draft.status, deps.clock, this.milestoneSources(tenant));
    if (timing) draft.apply({ status: { onboarding: timing } });
  }

  /** The restricted and regulated profiles connect identity only once the domain is verified. */
  private identity(tenant: Tenant, draft: StatusDraft<TenantStatus>) {
    const { deps } = this;
    if (!deps.features.oidcQuickConnect || !tenant.spec.identity) return NO_IDENTITY;
    const unverified = Boolean(tenant.spec.domain) && draft.decided(DomainVerified)?.status !== 'True';
    const gated = unverified && profileOf(tenant).identityWaitsForDomain;
    return checkIdentity(
      { ...deps.identity, client: deps.client, clock: deps.clock, schedule: deps.schedule },
      tenant,
      gated,
    );
  }

  finalize(tenant: Tenant, ctx: ReconcileContext): Promise<Finalized> {
    this.deps.schedule.forget(`domain/${tenant.metadata.uid}`);
    this.deps.schedule.forget(`identity/${tenant.metadata.uid}`);
    this.deps.growth.sampler.forget(tenant.metadata.uid ?? '');
    return cleanupTenant(tenant, this.deps, ctx);
  }

  statusChanged(tenant: Tenant, next: TenantStatus): void {
    recordMilestones(this.deps, tenant, next);
  }

  private milestoneSources(tenant: Tenant): MilestoneSources {
    const name = tenant.metadata.name ?? '';
    const approvals = addOnsOf(this.deps.addons, name).flatMap((a) =>
      a.status?.approval ? [a.status.approval] : [],
    );
    const preview = entitlementOf(this.deps.entitlements, name)?.status?.invoicePreview;
    return { approvals, usageReportAt: preview?.lines?.length ? preview.generatedAt : undefined };
  }
}
