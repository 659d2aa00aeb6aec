// What a CRD compatibility check reports: one finding per rule and field, with a stable id the
// preflight's evidence, the migration notes and the console can key on.

/** error: applying the target would break clients or objects, or lose data; warning: look first. */
export type Severity = 'error' | 'warning';

/** Stable rule ids: renaming one breaks recorded evidence, so add new ids instead. */
export type CompatRule =
  | 'crdRemoved'
  | 'scopeChanged'
  | 'storedVersionDropped'
  | 'servedVersionRemoved'
  | 'fieldRemoved'
  | 'typeChanged'
  | 'enumNarrowed'
  | 'defaultAdded'
  | 'defaultChanged'
  | 'defaultRemoved'
  | 'boundTightened'
  | 'patternChanged'
  | 'requiredAdded'
  | 'nullableRemoved'
  | 'celRuleAdded'
  | 'celRuleChanged';

export interface CompatFinding {
  rule: CompatRule;
  severity: Severity;
  /** The CRD's name, e.g. `tenants.tenantry.dev`. */
  crd: string;
  /** The installed version the finding is about; absent for CRD-wide rules (scope, removal). */
  version?: string;
  /**
   * The target version its schema was compared with, when it is not the same name: an installed
   * version the target drops is compared with the target's storage version, which its objects
   * will be read and migrated as.
   */
  targetVersion?: string;
  /** JSON field path in the schema, `[*]` for list items and map values: `.spec.owners[*].name`. */
  path?: string;
  message: string;
  remediation: string;
}

/** A stored version the target drops: the planner turns each into a storage migration step. */
export interface StoredVersionDropped extends CompatFinding {
  rule: 'storedVersionDropped';
  version: string;
  /** The target's storage version, which the stored objects must be rewritten as first. */
  migrateTo: string;
}
