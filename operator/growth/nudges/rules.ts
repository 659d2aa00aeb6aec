import { systemNamespaceOf } from '../../api/names.ts';
import type { PolicyProfile } from '../../api/v1alpha1/common.ts';
import type { ActivationItemName, ActivationStatus, HealthBand } from '../../api/v1alpha1/growth.ts';
import { secretCommand } from '../../identity/secret-location.ts';
import { CLUSTERROLE_TENANT_AUDITOR } from '../../install/rbac.ts';

/**
 * The admin nudges: each a trigger read from the tenant's state, a message saying what to do
 * and how, and resolution by itself once the condition no longer holds. Pure: the tenant
 * controller gathers the facts, targeting (nudge-targeting.ts) decides who gets which.
 */
export const NUDGE_NAMES = ['finishSetup', 'setQuotas', 'exportEvidence', 'inviteAuditor'] as const;
export type NudgeName = (typeof NUDGE_NAMES)[number];

/** What the rules read about a tenant; every field comes from the operator's own observations. */
export interface TenantFacts {
  tenant: string;
  profile: PolicyProfile;
  /** Creation of the Tenant, ms. */
  createdAt: number;
  /** status.activation as computed in this reconcile; absent while the checklist is off. */
  activation?: ActivationStatus | undefined;
  /** The Tenant's Ready condition. */
  ready?: { status: string; reason?: string | undefined; message?: string | undefined } | undefined;
  /** Resource names the Tenant's spec.quota.hard sets. */
  quotaOverrides: readonly string[];
  /** The tenant's workload namespaces (`<tenant>-<name>`), where its quota applies. */
  namespaces: readonly string[];
  /** The last evidence export through the tenant API (its EvidenceExported event), ms. */
  lastEvidenceExportAt?: number | undefined;
  /** Subjects bound to the auditor role in the tenant's system namespace (`User:name`, ...). */
  auditors: readonly string[];
  /** status.health.band, absent while the health score is off. */
  healthBand?: HealthBand | undefined;
}

/** What a rule found. */
export interface Trigger {
  holds: boolean;
  /** What to do and how; only meaningful while it holds. */
  message: string;
  /** When time alone changes the verdict (ms), so the tenant is looked at again then. */
  changesAt?: number | undefined;
}

/** Parameters of rules that have any (the platform sets them with the targeting). */
export interface RuleParams {
  /** exportEvidence: an export this recent (ms) resolves it. */
  exportWithinMs: number;
}

const MAX_MESSAGE = 1024;
const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** How each checklist item is done, in commands a tenant admin can run. */
function itemHowTo(item: ActivationItemName, tenant: string): string {
  const sys = systemNamespaceOf(tenant);
  switch (item) {
    case 'identityConnected':
      return `connect single sign-on: give your platform team the issuer, client id and redirect URI for spec.identity and store the client secret with \`${secretCommand({ namespace: sys, name: 'tenantry-idp', key: 'client-secret' })}\``;
    case 'firstApproval':
      return `approve your first add-on: ask for it in ${sys} with a reason in spec.approval.reason (\`kubectl apply -n ${sys} -f addon.yaml\`) and follow it with \`kubectl get addons -n ${sys}\``;
    case 'firstEvidenceExport':
      return `export your evidence once: \`tenantry evidence export --tenant ${tenant} --out ./${tenant}-evidence\``;
    case 'firstUsageView':
      return `look at your usage and cost: \`tenantry usage --tenant ${tenant}\``;
  }
}

/**
 * Setup is finished when the tenant is Ready and, where the checklist is computed, every item
 * is done. Without the checklist (off, or not computed yet) Ready alone decides.
 */
function finishSetup(f: TenantFacts): Trigger {
  const parts: string[] = [];
  if (f.ready?.status !== 'True') {
    const why = f.ready
      ? `${f.ready.reason ?? 'Pending'}: ${(f.ready.message ?? '').slice(0, 240)}`
      : 'Pending';
    parts.push(
      `it is not Ready yet (${why}); \`kubectl get events -n ${systemNamespaceOf(f.tenant)}\` shows what it waits for`,
    );
  }
  const open = f.activation?.items.filter((i) => !i.done) ?? [];
  for (const item of open) parts.push(itemHowTo(item.name, f.tenant));
  const counted = f.activation
    ? ` (${open.length} of ${f.activation.items.length} activation steps left)`
    : '';
  return {
    holds: parts.length > 0,
    message: `Finish setting up tenant ${f.tenant}${counted}: ${parts.join('; ')}.`,
  };
}

function setQuotas(f: TenantFacts): Trigger {
  return {
    holds: f.quotaOverrides.length === 0,
    message:
      `Tenant ${f.tenant} runs on the ${f.profile} profile's default quota in every namespace. ` +
      `Size it for your workloads: see what you use with \`kubectl describe resourcequota -n ${f.namespaces[0] ?? `${f.tenant}-default`}\`, ` +
      `then have your platform team set spec.quota.hard on the Tenant ` +
      `(\`kubectl patch tenant ${f.tenant} --type merge -p '{"spec":{"quota":{"hard":{"requests.cpu":"8","limits.memory":"32Gi","pods":"200"}}}}'\`).`,
  };
}

function exportEvidence(f: TenantFacts, p: RuleParams, now: number): Trigger {
  const last = f.lastEvidenceExportAt;
  const fresh = last !== undefined && now - last < p.exportWithinMs;
  const when =
    last === undefined
      ? `No evidence of tenant ${f.tenant} has been exported yet.`
      : `The last evidence export of tenant ${f.tenant} was on ${day(last)}.`;
  return {
    holds: !fresh,
    message:
      `${when} Export the signed receipts and keep them with your audit records: ` +
      `\`tenantry evidence export --tenant ${f.tenant} --out ./${f.tenant}-evidence\`, then check them offline with ` +
      `\`tenantry evidence verify --key ./${f.tenant}-evidence/keys/*.pem ./${f.tenant}-evidence/*.bundle.json\`.`,
    ...(fresh && last !== undefined ? { changesAt: last + p.exportWithinMs } : {}),
  };
}

function inviteAuditor(f: TenantFacts): Trigger {
  const sys = systemNamespaceOf(f.tenant);
  return {
    holds: f.auditors.length === 0,
    message:
      `Nobody holds the auditor role of tenant ${f.tenant}. An auditor reads the receipts, evidence and ledger copies ` +
      `in ${sys} and can change nothing. Choose one and have your platform team bind the role: ` +
      `\`kubectl create rolebinding tenantry-auditor -n ${sys} --clusterrole=${CLUSTERROLE_TENANT_AUDITOR} --user=AUDITOR\`.`,
  };
}

const RULES: Record<NudgeName, (f: TenantFacts, p: RuleParams, now: number) => Trigger> = {
  finishSetup,
  setQuotas,
  exportEvidence,
  inviteAuditor,
};

/** Whether a nudge's trigger holds for the tenant now, with its message. */
export function trigger(name: NudgeName, facts: TenantFacts, params: RuleParams, now: number): Trigger {
  const t = RULES[name](facts, params, now);
  return { ...t, message: t.message.slice(0, MAX_MESSAGE) };
}
