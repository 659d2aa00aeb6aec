import { TENANT_FINALIZER } from '../../api/labels.ts';
import type { AddOn, Entitlement, Tenant, TenantStatus } from '../../api/v1alpha1/index.ts';
import { TenantResource } from '../../api/v1alpha1/index.ts';
import type { FeatureFlags } from '../../config.ts';
import { applyStatus, deepEqual } from '../../runtime/apply.ts';
import type { Clock } from '../../runtime/clock.ts';
import type { ReconcileContext, Reconciler, Request, Result } from '../../runtime/controller.ts';
import type { EventRecorder } from '../../runtime/events.ts';
import { ensureFinalizer } from '../../runtime/finalizer.ts';
import type { Cache } from '../../runtime/informer.ts';
import type { KubeClient } from '../../runtime/kube/client.ts';
import type { ResourceType } from '../../runtime/kube/resource.ts';
import { addOnsOf } from '../addons-of.ts';
import { cleanupTenant } from './cleanup.ts';
import { profileOf } from './desired.ts';
import { checkDomain } from './domain.ts';
import { checkIdentity, type IdentityDeps } from './identity.ts';
import type { OnboardingMetrics } from './metrics.ts';
import { type MilestoneSources, onboardingTiming } from './onboarding.ts';
import { provision } from './provision.ts';
import { ensureReceipts, type StatementSigner } from './receipts.ts';
import type { CheckSchedule } from './schedule.ts';
import { Provisioned, type StepResult, tenantStatus } from './status.ts';

export interface TenantReconcilerDeps {
  client: KubeClient;
  clock: Clock;
  recorder: EventRecorder;
  tenants: Cache<Tenant>;
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
}

/**
 * Onboards a tenant as sub-steps on one in-memory copy: provision namespaces and policies,
 * verify the domain, check the identity provider, sign a receipt for each completed step;
 * then one status write, only when something changed. The shortest requeue wins.
 */
export class TenantReconciler implements Reconciler {
  private readonly deps: TenantReconcilerDeps;

  constructor(deps: TenantReconcilerDeps) {
    this.deps = deps;
  }

  async reconcile(req: Request, ctx: ReconcileContext): Promise<Result | undefined> {
    const cached = this.deps.tenants.get(req.key);
    if (!cached) return undefined;
    // The cache is shared: work on a copy.
    const tenant = structuredClone(cached);
    if (tenant.metadata.deletionTimestamp) {
      this.deps.schedule.forget(`domain/${tenant.metadata.uid}`);
      this.deps.schedule.forget(`identity/${tenant.metadata.uid}`);
      return cleanupTenant(tenant, this.deps, ctx);
    }
    await ensureFinalizer(this.deps.client, TenantResource, tenant, TENANT_FINALIZER);

    const requeues: number[] = [];
    const steps: StepResult[] = [];
    const fields: Omit<TenantStatus, 'conditions' | 'observedGeneration'> = {};
    const done: Array<{ step: string; details: Record<string, unknown> }> = [
      { step: 'TenantAccepted', details: {} },
    ];

    const provisioned = await provision(this.deps, tenant, ctx);
    fields.namespaces = provisioned.namespaces;
    if (provisioned.state === 'provisioned') {
      steps.push({
        type: Provisioned,
        status: 'True',
        reason: 'Provisioned',
        message: `${provisioned.namespaces.length} namespaces with RBAC, quota and policies in place`,
      });
      done.push({ step: 'NamespacesProvisioned', details: { namespaces: provisioned.namespaces } });
    } else {
      const blocked = provisioned.state === 'blocked';
      steps.push({
        type: Provisioned,
        status: 'False',
        reason: provisioned.reason,
        message: provisioned.message,
        severity: blocked ? 'blocked' : 'waiting',
      });
      if (blocked) this.deps.recorder.event(tenant, 'Warning', provisioned.reason, provisioned.message);
      // A namespace held by someone else is not watched: look again now and then.
      requeues.push(blocked ? 60_000 : 2_000);
    }

    const domain = await checkDomain({ ...this.deps, dnsServers: this.deps.dnsServers }, tenant);
    if (domain) {
      steps.push(domain.step);
      fields.domain = domain.status;
      requeues.push(domain.requeueAfterMs);
      if (domain.verified)
        done.push({ step: 'DomainVerified', details: { record: domain.status.recordName } });
    }

    if (this.deps.features.oidcQuickConnect && tenant.spec.identity) {
      const gated = Boolean(domain && !domain.verified && profileOf(tenant).identityWaitsForDomain);
      const identity = await checkIdentity(
        {
          ...this.deps.identity,
          client: this.deps.client,
          clock: this.deps.clock,
          schedule: this.deps.schedule,
        },
        tenant,
        gated,
      );
      steps.push(identity.step);
      if (identity.status) fields.identity = identity.status;
      if (identity.requeueAfterMs !== undefined) requeues.push(identity.requeueAfterMs);
      if (identity.connected)
        done.push({ step: 'IdentityConnected', details: { issuer: tenant.spec.identity.issuer } });
    }

    if (this.deps.signer && this.deps.features.selfServeOnboarding && provisioned.state === 'provisioned') {
      fields.receipts = await ensureReceipts({ ...this.deps, signer: this.deps.signer }, tenant, done);
    }
    const next = tenantStatus(tenant, steps, fields, this.deps.clock);
    const timing = onboardingTiming(tenant, next, this.deps.clock, this.milestoneSources(tenant));
    if (timing) next.onboarding = timing;
    await this.writeStatus(tenant, next);
    const wait = requeues.filter((ms) => ms > 0);
    return wait.length ? { requeueAfterMs: Math.min(...wait) } : undefined;
  }

  private milestoneSources(tenant: Tenant): MilestoneSources {
    const name = tenant.metadata.name ?? '';
    const approvals = addOnsOf(this.deps.addons, name).flatMap((a) =>
      a.status?.approval ? [a.status.approval] : [],
    );
    const preview = this.deps.entitlements.list().find((e) => e.spec.tenantRef.name === name)
      ?.status?.invoicePreview;
    return { approvals, usageReportAt: preview?.lines?.length ? preview.generatedAt : undefined };
  }

  private async writeStatus(tenant: Tenant, next: TenantStatus): Promise<void> {
    if (deepEqual(next, tenant.status ?? {})) return;
    await applyStatus(this.deps.client, TenantResource, tenant, next);
    const before = tenant.status?.onboarding ?? {};
    const after = next.onboarding ?? {};
    if (after.firstReceiptSeconds !== undefined && before.firstReceiptSeconds === undefined) {
      this.deps.metrics.observe('first_receipt', after.firstReceiptSeconds);
    }
    if (after.firstApprovalSeconds !== undefined && before.firstApprovalSeconds === undefined) {
      this.deps.metrics.observe('first_approval', after.firstApprovalSeconds);
    }
    if (after.firstUsageReportSeconds !== undefined && before.firstUsageReportSeconds === undefined) {
      this.deps.metrics.observe('first_usage_report', after.firstUsageReportSeconds);
    }
    if (after.readySeconds !== undefined && before.readySeconds === undefined) {
      this.deps.metrics.observe('ready', after.readySeconds);
      this.deps.recorder.event(
        tenant,
        'Normal',
        'Onboarded',
        `tenant is Ready ${after.readySeconds}s after creation`,
      );
    }
    for (const r of next.receipts ?? []) {
      if (!tenant.status?.receipts?.some((p) => p.configMap === r.configMap)) {
        this.deps.recorder.event(
          tenant,
          'Normal',
          'ReceiptSigned',
          `${r.step} (generation ${r.generation}) ${r.digest}`,
        );
      }
    }
  }
}
