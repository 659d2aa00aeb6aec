import type { Registry } from 'prom-client';
import type { EndpointPolicy } from '../archive/endpoint-policy.ts';
import type { FeatureFlags } from '../config.ts';
import type { StatementSigner } from '../evidence/sign.ts';
import type { Clock } from '../runtime/clock.ts';
import type { EventRecorder } from '../runtime/events.ts';
import type { KubeClient } from '../runtime/kube/client.ts';
import type { Logger } from '../runtime/log.ts';
import type { Manager } from '../runtime/manager.ts';

/** What every controller may be given; each takes only what it needs. */
export interface ControllerDeps {
  client: KubeClient;
  clock: Clock;
  log: Logger;
  recorder: EventRecorder;
  manager: Manager;
  features: FeatureFlags;
  /** The operator's own namespace (leases, keys, receipts). */
  namespace: string;
  /** Label selector limiting which Tenants this replica serves (sharding). */
  shardSelector?: string | undefined;
  /** Where controllers register their own metrics (served on /metrics). */
  registry: Registry;
  /** Signs receipts and evidence with the operator's key; absent when signing is off. */
  signer?: StatementSigner | undefined;
  /** Nameservers for domain verification (`host:port`); empty: the system's. */
  dnsServers: string[];
  /** Extra CA certificates (PEM) trusted for identity providers. */
  identityCa?: string | undefined;
  /** Metering window size in ms (default an hour; shorter for trials and tests). */
  meteringWindowMs?: number | undefined;
  /** The image the validation suite's Job runs (the operator's own, read from its Pod, or TENANTRY_IMAGE); absent: no Jobs. */
  validationImage?: string | undefined;
  /** Which AuditArchive endpoints the operator calls on a tenant's behalf. */
  archiveEndpoints?: EndpointPolicy | undefined;
}
