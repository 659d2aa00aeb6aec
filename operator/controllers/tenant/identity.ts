import { TenantCondition, TenantReason } from '../../api/conditions.ts';
import { systemNamespaceOf } from '../../api/names.ts';
import type { IdentityCheck, Tenant, TenantStatus } from '../../api/v1alpha1/index.ts';
import { type CheckResult, runIdentityChecks, summarize } from '../../identity/checks.ts';
import { probeScim } from '../../identity/scim.ts';
import { type SecretLocation, secretCommand, secretName } from '../../identity/secret-location.ts';
import type { CheckSchedule } from '../../runtime/check-schedule.ts';
import { type Clock, isoTime } from '../../runtime/clock.ts';
import type { KubeClient } from '../../runtime/kube/client.ts';
import type { Namespace } from '../../runtime/kube/core.ts';
import type { AnyObject } from '../../runtime/kube/object.ts';
import { Builtin } from '../../runtime/kube/resource.ts';
import type { Outcome } from '../../runtime/reconcile/outcome.ts';

const { IdentityConnected } = TenantCondition;

export interface IdentityDeps {
  client: KubeClient;
  clock: Clock;
  schedule: CheckSchedule;
  /** Extra CA certificates (PEM) to trust for identity providers on a private PKI. */
  ca?: string | undefined;
  timeoutMs?: number | undefined;
}

/** Without spec.identity (or with quick connect switched off) there is nothing to report. */
export const NO_IDENTITY: Outcome<TenantStatus> = {
  removeConditions: [IdentityConnected],
  status: { identity: undefined },
};

/**
 * How long after the system namespace was created a missing client Secret counts as on its way:
 * whoever writes it (the signup wizard, a GitOps tool retrying) can only do so once the
 * namespace exists, and does so within seconds.
 */
export const CLIENT_SECRET_GRACE_MS = 2 * 60_000;
const DEFAULT_SECRET_KEY = 'client-secret';
const PASSING_RECHECK_MS = 30 * 60_000;
/** While the Secret is on its way: look again soon. */
const AWAITED_SECRET_RECHECK_MS = 1_000;
/** Once it is overdue a person has to create it; nothing watches Secrets, so look now and then. */
const MISSING_SECRET_RECHECK_MS = 30_000;
const failingRecheck = (attempt: number) => Math.min(5 * 60_000, 5_000 * 2 ** Math.max(0, attempt - 1));

/**
 * Runs the identity provider health checks when the identity spec changed or a re-check is
 * due, and reports IdentityConnected with the failing checks' fixes. Between runs the
 * results already in status stand.
 */
export async function checkIdentity(
  deps: IdentityDeps,
  tenant: Tenant,
  waitForDomain: boolean,
): Promise<Outcome<TenantStatus>> {
  const spec = tenant.spec.identity;
  if (!spec) return NO_IDENTITY;
  if (waitForDomain) {
    return {
      conditions: [
        {
          type: IdentityConnected,
          status: 'False',
          reason: TenantReason.WaitingForDomainVerification,
          message: `the ${tenant.spec.policyProfile ?? 'baseline'} profile connects identity only after the domain is verified`,
        },
      ],
      status: { identity: tenant.status?.identity },
    };
  }
  const key = `identity/${tenant.metadata.uid}`;
  const input = JSON.stringify(spec);
  const current = tenant.status?.conditions?.find((c) => c.type === IdentityConnected);
  if (
    current &&
    current.reason !== TenantReason.WaitingForDomainVerification &&
    !deps.schedule.due(key, input)
  ) {
    const { type, status, reason, message } = current;
    return {
      conditions: [{ type, status, reason, message }],
      status: { identity: tenant.status?.identity },
      requeueAfterMs: deps.schedule.remaining(key),
    };
  }
  const namespace = systemNamespaceOf(tenant.metadata.name ?? '');
  const secret = async (ref: { name: string; key?: string }) => {
    const s = await deps.client.find<AnyObject & { data?: Record<string, string> }>(
      Builtin.Secret,
      ref.name,
      namespace,
    );
    const value = s?.data?.[ref.key ?? DEFAULT_SECRET_KEY];
    return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
  };
  const secretRef: SecretLocation | undefined = spec.clientSecretRef && {
    namespace,
    name: spec.clientSecretRef.name,
    key: spec.clientSecretRef.key ?? DEFAULT_SECRET_KEY,
  };
  const clientSecret = spec.clientSecretRef ? await secret(spec.clientSecretRef) : undefined;
  const missingSecret = secretRef !== undefined && clientSecret === undefined;
  if (missingSecret) {
    const graceLeft = await secretGraceLeft(deps, namespace);
    if (graceLeft > 0) {
      // Waiting is no failure of the provider's: it does not lengthen the checks' backoff.
      const wait = deps.schedule.ran(key, input, true, () => Math.min(AWAITED_SECRET_RECHECK_MS, graceLeft));
      return waitingForSecret(tenant, secretRef, wait);
    }
  }
  const opts = {
    ...(deps.ca ? { ca: deps.ca } : {}),
    ...(deps.timeoutMs ? { timeoutMs: deps.timeoutMs } : {}),
    now: () => deps.clock.now(),
  };
  const [checks, scim] = await Promise.all([
    runIdentityChecks(
      {
        preset: spec.preset ?? 'oidc',
        issuer: spec.issuer,
        clientId: spec.clientId,
        redirectUri: spec.redirectUri,
        ...(clientSecret !== undefined ? { clientSecret } : {}),
        ...(secretRef ? { clientSecretRef: secretRef } : {}),
        ...(spec.scopes ? { scopes: spec.scopes } : {}),
        ...(spec.groupsClaim ? { groupsClaim: spec.groupsClaim } : {}),
      },
      opts,
    ),
    spec.scim ? scimChecks(spec.scim, secret, opts) : Promise.resolve(undefined),
  ]);
  const all = [...checks, ...(scim ?? [])];
  const verdict = summarize(all);
  const connected = verdict.connected && !missingSecret;
  const message =
    missingSecret && secretRef
      ? `${secretName(secretRef)} with the client secret is missing; create it: ${secretCommand(secretRef)}; ${verdict.message}`
      : verdict.message;
  const wait = deps.schedule.ran(key, input, connected, (attempt) =>
    connected ? PASSING_RECHECK_MS : missingSecret ? MISSING_SECRET_RECHECK_MS : failingRecheck(attempt),
  );
  const results = { checks: checks.map(toStatus), ...(scim ? { scim: scim.map(toStatus) } : {}) };
  const previous = tenant.status?.identity;
  const unchanged =
    previous && JSON.stringify({ checks: previous.checks, scim: previous.scim }) === JSON.stringify(results);
  return {
    conditions: [
      {
        type: IdentityConnected,
        status: connected ? 'True' : 'False',
        reason: missingSecret ? TenantReason.ClientSecretMissing : verdict.reason,
        message,
      },
    ],
    // Unchanged results keep their timestamp: re-checks write nothing.
    status: {
      identity: {
        ...results,
        changedAt: unchanged && previous.changedAt ? previous.changedAt : isoTime(deps.clock),
      },
    },
    requeueAfterMs: wait,
  };
}

/**
 * Nothing is checked without a secret that is on its way: a check now would only find the
 * client public and the condition failing, neither of which is so. The last results stand.
 */
function waitingForSecret(tenant: Tenant, ref: SecretLocation, wait: number): Outcome<TenantStatus> {
  return {
    conditions: [
      {
        type: IdentityConnected,
        status: 'Unknown',
        reason: TenantReason.WaitingForClientSecret,
        message: `waiting for ${secretName(ref)} with the client secret; the identity checks run once it exists`,
      },
    ],
    status: { identity: tenant.status?.identity },
    requeueAfterMs: wait,
  };
}

/**
 * How much longer a missing client Secret counts as on its way: the grace period from the
 * system namespace's creation (all of it while the namespace is still being made).
 */
async function secretGraceLeft(deps: IdentityDeps, namespace: string): Promise<number> {
  const ns = await deps.client.find<Namespace>(Builtin.Namespace, namespace);
  const created = Date.parse(ns?.metadata.creationTimestamp ?? '');
  if (Number.isNaN(created)) return CLIENT_SECRET_GRACE_MS;
  return Math.max(0, created + CLIENT_SECRET_GRACE_MS - deps.clock.now());
}

async function scimChecks(
  scim: NonNullable<NonNullable<Tenant['spec']['identity']>['scim']>,
  secret: (ref: { name: string; key?: string }) => Promise<string | undefined>,
  opts: { ca?: string; timeoutMs?: number },
): Promise<CheckResult[]> {
  const token = await secret(scim.tokenSecretRef);
  if (token === undefined) {
    return [
      {
        id: 'scimToken',
        title: 'SCIM token',
        status: 'fail',
        message: `the Secret ${scim.tokenSecretRef.name} with the SCIM token is missing`,
        fix: `create the Secret in the tenant's system namespace with key ${scim.tokenSecretRef.key ?? 'client-secret'}`,
      },
    ];
  }
  return probeScim({ baseUrl: scim.baseUrl, token, ...opts });
}

function toStatus(r: CheckResult): IdentityCheck {
  return { id: r.id, status: r.status, message: r.message, ...(r.fix ? { fix: r.fix } : {}) };
}
