import { TenantCondition, TenantReason } from '../../api/conditions.ts';
import { systemNamespaceOf } from '../../api/names.ts';
import type { IdentityCheck, Tenant, TenantStatus } from '../../api/v1alpha1/index.ts';
import { type CheckResult, runIdentityChecks, summarize } from '../../identity/checks.ts';
import { probeScim } from '../../identity/scim.ts';
import type { CheckSchedule } from '../../runtime/check-schedule.ts';
import { type Clock, isoTime } from '../../runtime/clock.ts';
import type { KubeClient } from '../../runtime/kube/client.ts';
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

const PASSING_RECHECK_MS = 30 * 60_000;
const MISSING_SECRET_RECHECK_MS = 1_000;
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
          message: `the ${tenant.spec.policyProfile} profile connects identity only after the domain is verified`,
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
    const value = s?.data?.[ref.key ?? 'client-secret'];
    return value === undefined ? undefined : Buffer.from(value, 'base64').toString('utf8');
  };
  const clientSecret = spec.clientSecretRef ? await secret(spec.clientSecretRef) : undefined;
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
        ...(spec.scopes ? { scopes: spec.scopes } : {}),
        ...(spec.groupsClaim ? { groupsClaim: spec.groupsClaim } : {}),
      },
      opts,
    ),
    spec.scim ? scimChecks(spec.scim, secret, opts) : Promise.resolve(undefined),
  ]);
  const missingSecret = spec.clientSecretRef && clientSecret === undefined;
  const all = [...checks, ...(scim ?? [])];
  const verdict = summarize(all);
  const connected = verdict.connected && !missingSecret;
  const message = missingSecret
    ? `Secret ${namespace}/${spec.clientSecretRef?.name} (key ${spec.clientSecretRef?.key ?? 'client-secret'}) with the client secret is missing; ${verdict.message}`
    : verdict.message;
  // A missing Secret is usually one being created right now (the signup wizard writes it once
  // the system namespace exists): look again soon, and report progress rather than a failure.
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
