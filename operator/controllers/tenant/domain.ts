import { TenantCondition } from '../../api/conditions.ts';
import type { Tenant, TenantStatus } from '../../api/v1alpha1/index.ts';
import { nextCheckDelay } from '../../domain/backoff.ts';
import { domainChallenge } from '../../domain/challenge.ts';
import { verifyDomain } from '../../domain/resolve.ts';
import type { CheckSchedule } from '../../runtime/check-schedule.ts';
import { type Clock, isoTime } from '../../runtime/clock.ts';
import type { Outcome } from '../../runtime/reconcile/outcome.ts';

const { DomainVerified } = TenantCondition;

export interface DomainDeps {
  clock: Clock;
  schedule: CheckSchedule;
  /** Nameservers to ask (`host:port`); empty means the system's resolvers. */
  dnsServers: string[];
  dnsTimeoutMs?: number;
}

/**
 * Publishes the TXT challenge in status and checks it: at once when the domain changes, then
 * with backoff while it is missing, then hourly to notice removal. Between checks the
 * condition already in status stands, so a reconcile costs no DNS traffic.
 */
export async function checkDomain(deps: DomainDeps, tenant: Tenant): Promise<Outcome<TenantStatus>> {
  const domain = tenant.spec.domain?.name;
  if (!domain) return { removeConditions: [DomainVerified], status: { domain: undefined } };
  const challenge = domainChallenge({
    tenant: tenant.metadata.name ?? '',
    uid: tenant.metadata.uid ?? '',
    domain,
  });
  const previous = tenant.status?.domain;
  const sameRecord = previous?.recordName === challenge.recordName && previous.value === challenge.value;
  const key = `domain/${tenant.metadata.uid}`;
  const input = `${challenge.recordName}=${challenge.value}`;
  const current = tenant.status?.conditions?.find((c) => c.type === DomainVerified);
  if (sameRecord && current && !deps.schedule.due(key, input)) {
    const { type, status, reason, message } = current;
    return {
      conditions: [{ type, status, reason, message }],
      status: { domain: previous },
      requeueAfterMs: deps.schedule.remaining(key),
    };
  }
  const result = await verifyDomain(challenge, {
    ...(deps.dnsServers.length ? { servers: deps.dnsServers } : {}),
    ...(deps.dnsTimeoutMs ? { timeoutMs: deps.dnsTimeoutMs } : {}),
  });
  const wait = deps.schedule.ran(key, input, result.verified, (attempt) =>
    nextCheckDelay(Math.max(0, attempt - 1), result.reason, Math.random()),
  );
  const verifiedAt = result.verified
    ? (sameRecord && previous?.verifiedAt) || isoTime(deps.clock)
    : undefined;
  const message = result.verified
    ? result.message
    : `${result.message}. Publish ${challenge.recordType} ${challenge.recordName} with value "${challenge.value}"`;
  return {
    conditions: [
      { type: DomainVerified, status: result.verified ? 'True' : 'False', reason: result.reason, message },
    ],
    status: {
      domain: {
        recordName: challenge.recordName,
        recordType: challenge.recordType,
        value: challenge.value,
        ...(verifiedAt ? { verifiedAt } : {}),
      },
    },
    requeueAfterMs: wait,
  };
}
