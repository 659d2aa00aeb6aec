import type { PolicyProfile } from '../../api/v1alpha1/index.ts';

export type PodSecurityLevel = 'privileged' | 'baseline' | 'restricted';

/** Egress a profile allows out of a tenant namespace. */
export type EgressPolicy = 'open' | 'tenantAndDns';

export interface Profile {
  podSecurity: PodSecurityLevel;
  egress: EgressPolicy;
  /** Per-namespace ResourceQuota hard limits (canonical quantities, as the API server stores them). */
  quota: Record<string, string>;
  /** Container defaults, so pods without requests/limits still fit the quota. */
  limitRange: {
    defaultRequest: Record<string, string>;
    default: Record<string, string>;
    max: Record<string, string>;
  };
  minRetentionDays: number;
  /** Whether identity checks wait until the tenant's domain is verified. */
  identityWaitsForDomain: boolean;
}

/**
 * The policy profiles. Quantities are written in the form the API server stores them in,
 * so that comparing desired with actual state needs no quantity arithmetic.
 */
const baseline: Profile = {
  podSecurity: 'baseline',
  egress: 'open',
  quota: {
    'requests.cpu': '8',
    'requests.memory': '16Gi',
    'limits.cpu': '16',
    'limits.memory': '32Gi',
    pods: '100',
    persistentvolumeclaims: '20',
    'requests.storage': '500Gi',
    'services.loadbalancers': '2',
  },
  limitRange: {
    defaultRequest: { cpu: '100m', memory: '128Mi' },
    default: { cpu: '500m', memory: '512Mi' },
    max: { cpu: '8', memory: '16Gi' },
  },
  minRetentionDays: 1,
  identityWaitsForDomain: false,
};

/** Restricted: no privileged pods, no exposure outside the cluster, egress only to the tenant and DNS. */
const restricted: Profile = {
  ...baseline,
  podSecurity: 'restricted',
  egress: 'tenantAndDns',
  quota: { ...baseline.quota, 'services.loadbalancers': '0', 'services.nodeports': '0' },
  limitRange: { ...baseline.limitRange, max: { cpu: '4', memory: '8Gi' } },
  minRetentionDays: 90,
  identityWaitsForDomain: true,
};

/**
 * The policy profiles. Quantities are written in the form the API server stores them in,
 * so that comparing desired with actual state needs no quantity arithmetic.
 */
export const PROFILES: Readonly<Record<PolicyProfile, Profile>> = {
  baseline,
  restricted,
  /** Regulated: restricted, with a year's retention at least. */
  regulated: { ...restricted, minRetentionDays: 365 },
};
