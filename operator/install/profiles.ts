import type { InstallProfile } from '../api/v1alpha1/distributionbundle.ts';
import type { OperatorRunSettings } from './deployment.ts';

/** An install profile: the size it is tuned for and how the operator runs at that size. */
export interface ProfileSpec {
  name: InstallProfile;
  /** The installation it is tuned for: at most this many tenants (one leader serves them all). */
  tenants: number;
  /** Why the numbers are what they are, for the pack's README. */
  rationale: string;
  run: Omit<OperatorRunSettings, 'image' | 'logLevel'>;
}

const election = { leaseDuration: '15s', renewDeadline: '10s', retryPeriod: '2s' };

/**
 * Only the leader reconciles, so a profile's tenants are "per leader"; standby replicas buy
 * failover, not throughput. Queue concurrency (tenant 4, add-on 2, nudges 2 workers) and the
 * client's rate are fixed in the operator today, not flags of `tenantry run`, so profiles
 * cannot tune them; one shard per profile, because only Tenants are sharded (every shard
 * would also run the add-on, entitlement and bundle controllers over all objects).
 */
const small: ProfileSpec = {
  name: 'S',
  tenants: 50,
  rationale: 'one replica: a restart is a short pause in reconciling, tenants keep running',
  run: {
    replicas: 1,
    ...election,
    resync: '10m',
    // Memory requests at the leader's peak RSS in bench/pack-install.ts --sizing (219 MiB at 50).
    resources: { requests: { cpu: '100m', memory: '256Mi' }, limits: { memory: '512Mi' } },
  },
};

export const PROFILES: ProfileSpec[] = [
  small,
  {
    name: 'M',
    tenants: 500,
    rationale: 'a standby takes over within the 15 s lease',
    run: {
      replicas: 2,
      ...election,
      resync: '10m',
      // Peak RSS 317 MiB with 500 Tenants created at once.
      resources: { requests: { cpu: '250m', memory: '384Mi' }, limits: { memory: '1Gi' } },
    },
  },
  {
    name: 'L',
    tenants: 2000,
    rationale:
      'two standbys; the resync safety net every 30 min, not 10, so it does not crowd out real changes',
    run: {
      replicas: 3,
      ...election,
      resync: '30m',
      // Peak RSS 397 MiB with 2000 Tenants created at once; the CPU is for the leader's burst.
      resources: { requests: { cpu: '1', memory: '512Mi' }, limits: { memory: '2Gi' } },
    },
  },
];

/** The base's Deployment runs as S until an overlay tunes it. */
export const BASE_PROFILE = small;
