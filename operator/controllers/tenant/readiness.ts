import { TenantCondition, TenantReason } from '../../api/conditions.ts';
import type { Readiness } from '../../runtime/reconcile/draft.ts';

const { Provisioned, DomainVerified, IdentityConnected } = TenantCondition;

/** IdentityConnected reasons that time resolves: they keep the Tenant Reconciling, not Stalled. */
const IDENTITY_WAITS: ReadonlySet<string> = new Set([
  TenantReason.WaitingForClientSecret,
  TenantReason.WaitingForDomainVerification,
]);

/**
 * A Tenant is Ready when it is provisioned and, where its spec asks for them, its domain is
 * verified and its identity provider connected. What needs the user: a namespace conflict, an
 * identity provider that fails its checks and a client secret Secret still missing after its
 * grace period. A client secret on its way, a domain still being verified and a domain not
 * verified yet (waiting for DNS) resolve on their own.
 */
export const TENANT_READINESS: Readiness = {
  conditions: [Provisioned, DomainVerified, IdentityConnected],
  stalls: (c) => {
    if (c.type === Provisioned) return c.reason === TenantReason.NamespaceConflict;
    if (c.type === IdentityConnected) return !IDENTITY_WAITS.has(c.reason);
    return false;
  },
};
