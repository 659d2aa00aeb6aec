// CRD compatibility between the CRDs a cluster has and the ones a target bundle would apply:
// the preflight's "CRD compatibility" and "stored versions" checks, offline and pure. The rules
// follow OLM v1's crdify (scope, stored versions, served versions, then each field's schema).

import type { CustomResourceDefinition } from '../api/crds.ts';
import type { CompatFinding, StoredVersionDropped } from './finding.ts';
import { PROPERTY_RULES, type PropertyFinding, typeChanged } from './property-rules.ts';
import { schemaPairs } from './schema-pairs.ts';

/** A CRD as the API server returns it: with the versions its objects are stored as. */
export type InstalledCrd = CustomResourceDefinition & { status?: { storedVersions?: string[] } };

type Version = CustomResourceDefinition['spec']['versions'][number];

/**
 * Every incompatibility between the installed CRDs and the target's, CRDs in the installed
 * order. CRDs only the target has are new and break nothing.
 */
export function compareCrds(installed: InstalledCrd[], target: CustomResourceDefinition[]): CompatFinding[] {
  const byName = new Map(target.map((crd) => [crd.metadata.name, crd]));
  return installed.flatMap((crd) => {
    const next = byName.get(crd.metadata.name);
    return next ? compareCrd(crd, next) : [crdRemoved(crd)];
  });
}

export function compareCrd(installed: InstalledCrd, target: CustomResourceDefinition): CompatFinding[] {
  const crd = installed.metadata.name;
  const findings: CompatFinding[] = [
    ...scopeChanged(installed, target),
    ...storedVersionsDropped(installed, target),
  ];
  for (const version of installed.spec.versions) {
    const same = target.spec.versions.find((v) => v.name === version.name);
    if (version.served && !same?.served) findings.push(servedVersionRemoved(crd, version.name));
    const compared = same ?? storageVersion(target);
    if (!compared) continue;
    const where = { crd, version: version.name, ...(same ? {} : { targetVersion: compared.name }) };
    for (const finding of compareSchemas(version, compared)) findings.push({ ...finding, ...where });
  }
  return findings;
}

/**
 * The versions whose objects are in etcd. A CRD read from files (today's crds/, a test) has no
 * status: the API server would have recorded its storage version, so that one is assumed.
 */
export function storedVersions(crd: InstalledCrd): string[] {
  return crd.status?.storedVersions ?? crd.spec.versions.filter((v) => v.storage).map((v) => v.name);
}

/** The storage migrations a plan must run before it applies the target CRDs. */
export function storageMigrations(findings: CompatFinding[]): StoredVersionDropped[] {
  return findings.filter((f): f is StoredVersionDropped => f.rule === 'storedVersionDropped');
}

function compareSchemas(installed: Version, target: Version): PropertyFinding[] {
  const findings: PropertyFinding[] = [];
  for (const pair of schemaPairs(installed.schema.openAPIV3Schema, target.schema.openAPIV3Schema)) {
    // Once the type differs, enums, bounds and defaults of the two are not comparable.
    const retyped = typeChanged(pair);
    findings.push(...(retyped.length > 0 ? retyped : PROPERTY_RULES.flatMap((rule) => rule(pair))));
  }
  return findings;
}

function storageVersion(crd: CustomResourceDefinition): Version | undefined {
  return crd.spec.versions.find((v) => v.storage);
}

function crdRemoved(crd: InstalledCrd): CompatFinding {
  return {
    rule: 'crdRemoved',
    severity: 'error',
    crd: crd.metadata.name,
    message: `the target does not have ${crd.metadata.name}: deleting the CRD deletes every ${crd.spec.names.kind}`,
    remediation: `keep ${crd.metadata.name} in the target bundle, or migrate and delete its objects first`,
  };
}

function scopeChanged(installed: InstalledCrd, target: CustomResourceDefinition): CompatFinding[] {
  if (installed.spec.scope === target.spec.scope) return [];
  return [
    {
      rule: 'scopeChanged',
      severity: 'error',
      crd: installed.metadata.name,
      message: `scope changes from ${installed.spec.scope} to ${target.spec.scope}: existing objects cannot be read at their new address`,
      remediation: 'keep the scope; a different scope is a new CRD with its own migration',
    },
  ];
}

/**
 * The API server refuses a CRD update whose versions lack one of status.storedVersions, and
 * objects stored as it would be unreadable: they must be rewritten as the target's storage
 * version first.
 */
function storedVersionsDropped(
  installed: InstalledCrd,
  target: CustomResourceDefinition,
): StoredVersionDropped[] {
  const kept = new Set(target.spec.versions.map((v) => v.name));
  const migrateTo = storageVersion(target)?.name ?? '';
  return storedVersions(installed)
    .filter((version) => !kept.has(version))
    .map((version) => ({
      rule: 'storedVersionDropped',
      severity: 'error',
      crd: installed.metadata.name,
      version,
      migrateTo,
      message: `${installed.spec.names.kind} objects are stored as ${version}, which the target drops`,
      remediation: `migrate storage first: apply the CRD with both ${version} and ${migrateTo} (storage), rewrite every ${installed.spec.names.kind} so it is stored as ${migrateTo}, remove ${version} from status.storedVersions, then apply the target CRD`,
    }));
}

function servedVersionRemoved(crd: string, version: string): CompatFinding {
  return {
    rule: 'servedVersionRemoved',
    severity: 'error',
    crd,
    version,
    message: `${version} is no longer served: clients and manifests that use it fail`,
    remediation: `move clients and manifests to a served version before upgrading (the deprecated-API check lists who still requests ${version})`,
  };
}
