import { TenantCondition, TenantReason } from '../../api/conditions.ts';
import type { Readiness } from '../../runtime/reconcile/draft.ts';

const { Provisioned, DomainVerified, IdentityConnected } = TenantCondition;

/**
 * A Tenant is Ready when it is provisioned and, where its spec asks for them, its domain is
 * verified and its identity provider connected. What needs the user: a namespace conflict, and
 * an identity provider that fails its checks (a missing client secret or a domain still being
 * verified resolve on their own). A domain not verified yet is waiting for DNS.
 */
export const TENANT_READINESS: Readiness = {
  conditions: [Provisioned, DomainVerified, IdentityConnected],
  stalls: (c) => {
    if (c.type === Provisioned) return c.reason === TenantReason.NamespaceConflict;
    if (c.type === IdentityConnected) {
      return (
        c.reason !== TenantReason.ClientSecretMissing &&
        c.reason !== TenantReason.WaitingForDomainVerification
      );
    }
    return false;
  },
};
