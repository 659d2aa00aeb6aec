import { typed } from '../../runtime/kube/resource.ts';
import type { CheckResult, Condition, EvidenceReference, int64, ObjectMeta, SemVer } from './common.ts';
import { GROUP, VERSION } from './common.ts';

/** UpgradePlan is cluster-scoped: it upgrades the whole installation. */
export const UpgradePlanResource = typed<UpgradePlan>()({
  group: GROUP,
  version: VERSION,
  kind: 'UpgradePlan',
  plural: 'upgradeplans',
  namespaced: false,
});

/** A released combination of bundle and operator versions. */
export interface ReleaseVersions {
  /** Version of the distribution bundle. */
  bundleVersion: SemVer;
  /** Version of the Tenantry operator. */
  operatorVersion: SemVer;
}

/** The approval gate of an upgrade. */
export interface UpgradeApproval {
  /**
   * Set to true, after reviewing the preflight results and migration notes, to let the
   * upgrade proceed.
   * @default false
   */
  approved?: boolean;
}

/**
 * Desired state of an upgrade plan.
 * @validation rule=self.from.bundleVersion != self.to.bundleVersion || self.from.operatorVersion != self.to.operatorVersion message=spec.to must differ from spec.from
 */
export interface UpgradePlanSpec {
  /** The versions installed now. */
  from: ReleaseVersions;
  /** The versions to upgrade to. */
  to: ReleaseVersions;
  /** The approval gate; the upgrade waits until it is approved. */
  approval?: UpgradeApproval;
}

/** Something to know or do before or after the upgrade. */
export interface MigrationNote {
  /**
   * Stable identifier of the note. Unique in the list.
   * @minLength 1
   * @maxLength 128
   */
  id: string;
  /** What changes, in one sentence. */
  summary: string;
  /** What to do about it, if anything. */
  action?: string;
}

/** Observed state of an upgrade plan, written by Tenantry. */
export interface UpgradePlanStatus {
  /**
   * The metadata.generation this status describes.
   * @minimum 0
   */
  observedGeneration?: int64;
  /**
   * Current state: PreflightPassed, Approved, Upgraded and Ready.
   * @listType map
   * @listMapKey type
   */
  conditions?: Condition[];
  /**
   * Result of each preflight check: deprecated APIs in use, CRD storage versions,
   * entitlement and quota compatibility, health.
   * @listType map
   * @listMapKey id
   */
  preflight?: CheckResult[];
  /**
   * Notes on what changes between the two versions.
   * @listType map
   * @listMapKey id
   */
  migrationNotes?: MigrationNote[];
  /** The signed Upgrade Evidence Bundle. */
  evidence?: EvidenceReference;
}

/**
 * UpgradePlan upgrades the installation from one bundle and operator version to another:
 * Tenantry runs preflight checks, lists migration notes, waits for approval and records a
 * signed Upgrade Evidence Bundle.
 * @shortName uplan
 * @category tenantry
 * @subresource status
 * @printColumn name=From type=string jsonPath=.spec.from.bundleVersion
 * @printColumn name=To type=string jsonPath=.spec.to.bundleVersion
 * @printColumn name=Approved type=boolean jsonPath=.spec.approval.approved
 * @printColumn name=Ready type=string jsonPath=.status.conditions[?(@.type=="Ready")].status
 * @printColumn name=Age type=date jsonPath=.metadata.creationTimestamp
 */
export interface UpgradePlan {
  apiVersion: 'tenantry.dev/v1alpha1';
  kind: 'UpgradePlan';
  metadata: ObjectMeta;
  /** Desired state of the upgrade plan. */
  spec: UpgradePlanSpec;
  /** Observed state of the upgrade plan, written by Tenantry. */
  status?: UpgradePlanStatus;
}
