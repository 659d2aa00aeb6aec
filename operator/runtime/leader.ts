import { type Clock, sleep } from './clock.ts';
import type { KubeClient } from './kube/client.ts';
import { isConflict, isNotFound } from './kube/errors.ts';
import type { KubeObject } from './kube/object.ts';
import { Builtin } from './kube/resource.ts';
import type { Logger } from './log.ts';

export interface LeaderElectionConfig {
  namespace: string;
  name: string;
  identity: string;
  /** How long a lease is valid without renewal before another candidate may take it. */
  leaseDurationMs?: number;
  /** The leader steps down if it could not renew for this long. */
  renewDeadlineMs?: number;
  retryPeriodMs?: number;
}

interface LeaseSpec {
  holderIdentity?: string;
  leaseDurationSeconds?: number;
  acquireTime?: string;
  renewTime?: string;
  leaseTransitions?: number;
}

type Lease = KubeObject & { spec?: LeaseSpec };

const microTime = (ms: number) => new Date(ms).toISOString().replace('Z', '000Z');

/**
 * Lease-based leader election, following client-go's rules: a lease is expired when its
 * record has not changed for leaseDuration as seen by this process's own clock (never by
 * comparing clocks across machines); writes use the lease's resourceVersion so two
 * candidates cannot both win.
 */
export class LeaderElector {
  private readonly cfg: Required<LeaderElectionConfig>;
  private readonly client: KubeClient;
  private readonly clock: Clock;
  private readonly log: Logger;
  private observed: { record: string; at: number } | undefined;

  constructor(client: KubeClient, clock: Clock, log: Logger, cfg: LeaderElectionConfig) {
    this.client = client;
    this.clock = clock;
    this.log = log.child({ lease: `${cfg.namespace}/${cfg.name}`, identity: cfg.identity });
    this.cfg = { leaseDurationMs: 15_000, renewDeadlineMs: 10_000, retryPeriodMs: 2_000, ...cfg };
  }

  /**
   * Campaigns until elected, then calls lead() with a signal that aborts when leadership is
   * lost. Returns when the outer signal aborts (releasing the lease) or leadership is lost;
   * may be called again after 'lost' to campaign anew.
   */
  async run(signal: AbortSignal, lead: (leading: AbortSignal) => void): Promise<'lost' | 'stopped'> {
    while (!signal.aborted && !(await this.tryAcquireOrRenew())) {
      await sleep(this.clock, this.cfg.retryPeriodMs, signal);
    }
    if (signal.aborted) return 'stopped';
    this.log.info('became leader');
    const leading = new AbortController();
    lead(leading.signal);
    let lastRenew = this.clock.now();
    try {
      while (!signal.aborted) {
        await sleep(this.clock, this.cfg.retryPeriodMs, signal);
        if (signal.aborted) break;
        if (await this.tryAcquireOrRenew()) {
          lastRenew = this.clock.now();
        } else if (this.clock.now() - lastRenew >= this.cfg.renewDeadlineMs) {
          // The caller says what it does about it, in one line.
          return 'lost';
        }
      }
      await this.release();
      return 'stopped';
    } finally {
      leading.abort();
    }
  }

  private async tryAcquireOrRenew(): Promise<boolean> {
    const now = this.clock.now();
    const { namespace, name, identity } = this.cfg;
    const durationSeconds = Math.ceil(this.cfg.leaseDurationMs / 1000);
    try {
      const lease = await this.client.find<Lease>(Builtin.Lease, name, namespace);
      if (!lease) {
        await this.client.create(Builtin.Lease, {
          metadata: { name, namespace },
          spec: {
            holderIdentity: identity,
            leaseDurationSeconds: durationSeconds,
            acquireTime: microTime(now),
            renewTime: microTime(now),
            leaseTransitions: 0,
          },
        });
        return true;
      }
      const spec = lease.spec ?? {};
      const record = JSON.stringify([spec.holderIdentity, spec.renewTime, spec.acquireTime]);
      if (this.observed?.record !== record) this.observed = { record, at: now };
      const holder = spec.holderIdentity ?? '';
      const expired = this.observed.at + (spec.leaseDurationSeconds ?? durationSeconds) * 1000 <= now;
      if (holder && holder !== identity && !expired) return false;
      const takeover = holder !== identity;
      await this.client.update<Lease>(Builtin.Lease, {
        ...lease,
        spec: {
          ...spec,
          holderIdentity: identity,
          leaseDurationSeconds: durationSeconds,
          renewTime: microTime(now),
          ...(takeover
            ? {
                acquireTime: microTime(now),
                leaseTransitions: (spec.leaseTransitions ?? 0) + (holder ? 1 : 0),
              }
            : {}),
        },
      });
      return true;
    } catch (e) {
      if (!isConflict(e) && !isNotFound(e)) this.log.warn({ err: String(e) }, 'lease request failed');
      return false;
    }
  }

  /** Gives the lease up on a clean shutdown so a standby takes over at once. */
  private async release(): Promise<void> {
    try {
      const lease = await this.client.find<Lease>(Builtin.Lease, this.cfg.name, this.cfg.namespace);
      if (!lease || lease.spec?.holderIdentity !== this.cfg.identity) return;
      await this.client.update<Lease>(Builtin.Lease, {
        ...lease,
        spec: {
          ...lease.spec,
          holderIdentity: '',
          leaseDurationSeconds: 1,
          renewTime: microTime(this.clock.now()),
        },
      });
      this.log.info('released the lease');
    } catch (e) {
      this.log.warn({ err: String(e) }, 'could not release the lease');
    }
  }
}
