// Which of the objects that exist the target CRD's schema would refuse, and why: the part of the
// preflight that turns "enum narrowed" into "these 3 Tenants". Only the rules that can be checked
// offline are here; CEL rules are the policy-impact check's, which runs them on the API server
// in Audit mode against the same objects.

import type { CustomResourceDefinition } from '../api/crds.ts';
import { checkValue, type ImpactRule } from './schema-check.ts';

export interface ImpactFinding {
  rule: ImpactRule;
  /** Schema path, as in the compatibility findings: `.spec.owners[*].kind`. */
  path: string;
  message: string;
  /** How many objects break this rule at this path. */
  objects: number;
  /** The first of them, `namespace/name` or `name`, in the order given. */
  names: string[];
  /** How many more break it than `names` lists. */
  more: number;
}

export interface ObjectImpact {
  crd: string;
  /** The target version whose schema was checked: its storage version unless asked otherwise. */
  version: string;
  checked: number;
  /** Objects the target would refuse, counted once however many rules they break. */
  refused: number;
  findings: ImpactFinding[];
  /** What was not checked, and why. */
  notes: string[];
}

export interface ImpactOptions {
  version?: string;
  /** How many names a finding lists before it only counts. Default 10. */
  limit?: number;
}

const CEL_NOTE =
  'CEL rules (x-kubernetes-validations) are not evaluated here: the policy-impact check runs them against these objects on the API server in Audit mode.';

export function objectImpact(
  target: CustomResourceDefinition,
  objects: unknown[],
  options: ImpactOptions = {},
): ObjectImpact {
  const version = target.spec.versions.find((v) =>
    options.version ? v.name === options.version : v.storage,
  );
  if (!version) throw new Error(`${target.metadata.name} has no version ${options.version ?? '(storage)'}`);
  const limit = options.limit ?? 10;
  const byRule = new Map<string, ImpactFinding>();
  const unchecked = new Set<string>();
  let refused = 0;
  for (const object of objects) {
    const check = checkValue(version.schema.openAPIV3Schema, object);
    for (const pattern of check.uncheckedPatterns) unchecked.add(pattern);
    if (check.violations.length > 0) refused++;
    const name = objectName(object);
    // One object counts once per rule and path, however many list items break it.
    const seen = new Set<string>();
    for (const violation of check.violations) {
      const key = `${violation.rule} ${violation.path}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const finding = byRule.get(key) ?? { ...violation, objects: 0, names: [], more: 0 };
      byRule.set(key, finding);
      finding.objects++;
      if (finding.names.length < limit) finding.names.push(name);
      else finding.more++;
    }
  }
  const notes = [
    CEL_NOTE,
    ...[...unchecked].map((p) => `pattern not checked (RE2 syntax JS cannot compile): ${p}`),
  ];
  return {
    crd: target.metadata.name,
    version: version.name,
    checked: objects.length,
    refused,
    findings: [...byRule.values()],
    notes,
  };
}

function objectName(object: unknown): string {
  const metadata = (object as { metadata?: { name?: unknown; namespace?: unknown } } | null)?.metadata;
  const name = typeof metadata?.name === 'string' ? metadata.name : '(unnamed)';
  return typeof metadata?.namespace === 'string' ? `${metadata.namespace}/${name}` : name;
}
