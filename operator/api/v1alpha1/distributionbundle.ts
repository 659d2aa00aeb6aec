import { typed } from '../../runtime/kube/resource.ts';
import type {
  CheckResult,
  Condition,
  DNSLabel,
  EvidenceReference,
  int32,
  int64,
  ObjectMeta,
  PolicyProfile,
  SemVer,
  Time,
} from './common.ts';
import { GROUP, VERSION } from './common.ts';

/** DistributionBundle is cluster-scoped: it configures the whole installation. */
export const DistributionBundleResource = typed<DistributionBundle>()({
  group: GROUP,
  version: VERSION,
  kind: 'DistributionBundle',
  plural: 'distributionbundles',
  namespaced: false,
});

/** Install profile: the size of the installation it is tuned for. */
export type InstallProfile = 'S' | 'M' | 'L';

/** Log level of the operator. */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * Regions tenants are created in.
 * @validation rule=!has(self.allowedRegions) || size(self.allowedRegions) == 0 || self.region in self.allowedRegions message=region must be one of allowedRegions fieldPath=.region
 */
export interface RegionDefaults {
  /** Region of new tenants that don't name one. */
  region: DNSLabel;
  /**
   * Regions tenants may be created in. Empty allows any region.
   * @listType set
   * @maxItems 64
   */
  allowedRegions?: DNSLabel[];
}

/** Policy presets of the bundle. */
export interface PolicyPresets {
  /**
   * Policy profile of new tenants that don't name one.
   * @default baseline
   */
  defaultProfile?: PolicyProfile;
}

/** Observability defaults of the bundle. */
export interface ObservabilityDefaults {
  /**
   * Expose Prometheus metrics and install a ServiceMonitor.
   * @default true
   */
  metrics?: boolean;
  /**
   * Install the Grafana dashboards.
   * @default true
   */
  dashboards?: boolean;
  /**
   * Log level of the operator: debug, info, warn or error.
   * @default info
   */
  logLevel?: LogLevel;
}

/** Which Tenants a bundle's defaults apply to. */
export interface TenantSelector {
  /**
   * Labels a Tenant must carry, all of them; none: every Tenant.
   * @maxProperties 16
   */
  matchLabels?: Record<string, string>;
}

/** When Tenantry runs the validation suite by itself. */
export interface ValidationSettings {
  /**
   * Run the suite as a Job in the operator's namespace when the bundle changes (a new
   * generation without a run); false: only when someone runs `tenantry validate`.
   * @default true
   */
  onChange?: boolean;
}

/** Desired state of a distribution bundle. */
export interface DistributionBundleSpec {
  /** Version of the bundle, a semantic version such as `1.4.0`. */
  version: SemVer;
  /** Install profile: S, M or L. */
  profile: InstallProfile;
  /** Region defaults of the installation. */
  regionDefaults: RegionDefaults;
  /**
   * The Tenants this bundle's region defaults and policy presets apply to (admission applies
   * every bundle that selects a new Tenant). Absent: all, as for the one bundle an install has.
   */
  tenantSelector?: TenantSelector;
  /**
   * Policy presets of the installation.
   * @default {}
   */
  policyPresets?: PolicyPresets;
  /**
   * Observability defaults of the installation.
   * @default {}
   */
  observability?: ObservabilityDefaults;
  /** When the validation suite runs by itself. */
  validation?: ValidationSettings;
}

/** Phase of a validation Job: Running until it completes or fails. */
export type ValidationJobPhase = 'Running' | 'Succeeded' | 'Failed';

/** The validation Job Tenantry created for a generation of the bundle. */
export interface ValidationJobReference {
  /** Name of the Job in the operator's namespace. */
  name: string;
  /**
   * The metadata.generation it validates.
   * @minimum 0
   */
  generation: int64;
  /** Running, Succeeded or Failed. */
  phase: ValidationJobPhase;
}

/** How many checks ended in each outcome. */
export interface CheckSummary {
  /** Checks that passed. */
  passed: int32;
  /** Checks that passed with a warning. */
  warned: int32;
  /** Checks that failed. */
  failed: int32;
  /** Checks that did not apply or could not run. */
  skipped: int32;
}

/** Observed state of a distribution bundle: the latest run of the validation suite. */
export interface DistributionBundleStatus {
  /**
   * The metadata.generation this status describes.
   * @minimum 0
   */
  observedGeneration?: int64;
  /**
   * Current state: Ready and Validated.
   * @listType map
   * @listMapKey type
   */
  conditions?: Condition[];
  /** The spec.version this status describes (the pack version installed). */
  version?: SemVer;
  /** The spec.profile this status describes. */
  profile?: InstallProfile;
  /** When the validation suite last ran. */
  lastRunTime?: Time;
  /** Outcome counts of the last run. */
  summary?: CheckSummary;
  /**
   * Result of each check of the last run.
   * @listType map
   * @listMapKey id
   */
  results?: CheckResult[];
  /** Signed evidence of the last run. */
  evidence?: EvidenceReference;
  /** The validation Job of the latest change, kept after it ends (Tenantry makes one per generation). */
  validationJob?: ValidationJobReference;
}

/**
 * DistributionBundle is a versioned partner configuration bundle: install profile, region
 * defaults, policy presets and observability defaults. Tenantry runs the validation suite
 * against it and records the results and signed evidence in status.
 * @shortName dbundle
 * @category tenantry
 * @subresource status
 * @printColumn name=Version type=string jsonPath=.spec.version
 * @printColumn name=Profile type=string jsonPath=.spec.profile
 * @printColumn name=Ready type=string jsonPath=.status.conditions[?(@.type=="Ready")].status
 * @printColumn name=Age type=date jsonPath=.metadata.creationTimestamp
 */
export interface DistributionBundle {
  apiVersion: 'tenantry.dev/v1alpha1';
  kind: 'DistributionBundle';
  metadata: ObjectMeta;
  /** Desired state of the bundle. */
  spec: DistributionBundleSpec;
  /** Observed state of the bundle, written by Tenantry. */
  status?: DistributionBundleStatus;
}
