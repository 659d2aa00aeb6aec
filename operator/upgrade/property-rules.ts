// The crdify-style rules that compare one field's installed schema with its target schema. Each
// rule is one function: what it flags, why that matters to objects that already exist, and
// what to do about it.

import type { OpenApiSchema } from '../api/openapi-schema.ts';
import type { CompatFinding, Severity } from './finding.ts';
import type { SchemaPair } from './schema-pairs.ts';

export type PropertyFinding = Omit<CompatFinding, 'crd' | 'version' | 'targetVersion'>;
export type PropertyRule = (pair: SchemaPair) => PropertyFinding[];

const CHECK_OBJECTS = 'check the existing objects against the target (object impact) and fix those it names';

/** The API server prunes fields its schema no longer has: stored values are dropped on read. */
export function fieldRemoved({ path, installed, target }: SchemaPair): PropertyFinding[] {
  if (target['x-kubernetes-preserve-unknown-fields']) return [];
  return Object.keys(installed.properties ?? {})
    .filter((name) => !target.properties?.[name])
    .map((name) => ({
      rule: 'fieldRemoved',
      severity: 'error',
      path: `${path}.${name}`,
      message: `field ${path}.${name} is removed: its values in existing objects are pruned, lost on the next write`,
      remediation: `move the values of ${path}.${name} to their replacement (see the migration notes) before upgrading, or keep the field in the target`,
    }));
}

export function typeChanged({ path, installed, target }: SchemaPair): PropertyFinding[] {
  const before = typeOf(installed);
  const after = typeOf(target);
  if (before === after) return [];
  return [
    {
      rule: 'typeChanged',
      severity: 'error',
      path,
      message: `type of ${path || 'the object'} changes from ${before} to ${after}: existing values no longer validate`,
      remediation:
        'keep the type and add a new field for the new type, or serve a new version with a conversion',
    },
  ];
}

/** An enum added where there was none narrows too: from any value to a few. */
export function enumNarrowed({ path, installed, target }: SchemaPair): PropertyFinding[] {
  if (!target.enum) return [];
  const allowed = new Set(target.enum.map((v) => JSON.stringify(v)));
  const removed = installed.enum
    ? installed.enum.filter((v) => !allowed.has(JSON.stringify(v))).map((v) => JSON.stringify(v))
    : ['(any value)'];
  if (removed.length === 0) return [];
  return [
    {
      rule: 'enumNarrowed',
      severity: 'error',
      path,
      message: `${path} no longer allows ${removed.join(', ')}`,
      remediation: CHECK_OBJECTS,
    },
  ];
}

/**
 * A default is applied when an object is read as well as written, so a changed default silently
 * changes what an unchanged manifest means: that is an error; one added or removed only changes
 * objects that omit the field from now on.
 */
export function defaultChanged({ path, installed, target }: SchemaPair): PropertyFinding[] {
  const before = JSON.stringify(installed.default);
  const after = JSON.stringify(target.default);
  if (before === after) return [];
  const rule =
    before === undefined ? 'defaultAdded' : after === undefined ? 'defaultRemoved' : 'defaultChanged';
  const { severity, message, remediation } = DEFAULT_CHANGES[rule];
  return [{ rule, severity, path, message: message(path, before, after), remediation: remediation(path) }];
}

type Said = (path: string, before?: string, after?: string) => string;

const DEFAULT_CHANGES: Record<
  'defaultAdded' | 'defaultRemoved' | 'defaultChanged',
  { severity: Severity; message: Said; remediation: Said }
> = {
  defaultAdded: {
    severity: 'warning',
    message: (path, _, after) => `${path} gets the default ${after}: objects that omit it will show it`,
    remediation: () => 'make sure the controller treats the default like an omitted field',
  },
  defaultRemoved: {
    severity: 'warning',
    message: (path, before) => `${path} loses its default ${before}: objects created from now on omit it`,
    remediation: () => 'make sure the controller handles the field being absent',
  },
  defaultChanged: {
    severity: 'error',
    message: (path, before, after) =>
      `default of ${path} changes from ${before} to ${after}: unchanged manifests mean something else`,
    remediation: (path) =>
      `set ${path} explicitly in existing objects that rely on the old default, or keep it`,
  },
};

type Bound =
  | 'minimum'
  | 'minLength'
  | 'minItems'
  | 'minProperties'
  | 'maximum'
  | 'maxLength'
  | 'maxItems'
  | 'maxProperties';
const LOWER_BOUNDS: Bound[] = ['minimum', 'minLength', 'minItems', 'minProperties'];
const UPPER_BOUNDS: Bound[] = ['maximum', 'maxLength', 'maxItems', 'maxProperties'];

export function boundTightened({ path, installed, target }: SchemaPair): PropertyFinding[] {
  const tightened: string[] = [];
  for (const bound of [...LOWER_BOUNDS, ...UPPER_BOUNDS]) {
    const before = installed[bound];
    const after = target[bound];
    if (after === undefined || before === after) continue;
    const tighter = before === undefined || (LOWER_BOUNDS.includes(bound) ? after > before : after < before);
    if (tighter) tightened.push(`${bound} ${before ?? 'none'} → ${after}`);
  }
  for (const flag of ['exclusiveMinimum', 'exclusiveMaximum'] as const) {
    if (target[flag] && !installed[flag]) tightened.push(`${flag} false → true`);
  }
  if (tightened.length === 0) return [];
  return [
    {
      rule: 'boundTightened',
      severity: 'error',
      path,
      message: `${path} has tighter bounds: ${tightened.join(', ')}`,
      remediation: CHECK_OBJECTS,
    },
  ];
}

/** A pattern cannot be proved looser than another, so any new or changed one is checked. */
export function patternChanged({ path, installed, target }: SchemaPair): PropertyFinding[] {
  if (target.pattern === undefined || target.pattern === installed.pattern) return [];
  return [
    {
      rule: 'patternChanged',
      severity: 'error',
      path,
      message: `${path} must match ${target.pattern} (was ${installed.pattern ?? 'no pattern'})`,
      remediation: CHECK_OBJECTS,
    },
  ];
}

/**
 * A required field with a default is filled in when the object is read, so it only warns; one
 * without refuses every existing object that lacks it on its next write.
 */
export function requiredAdded({ path, installed, target }: SchemaPair): PropertyFinding[] {
  const before = new Set(installed.required ?? []);
  return (target.required ?? [])
    .filter((name) => !before.has(name))
    .map((name) => {
      const defaulted = target.properties?.[name]?.default !== undefined;
      return {
        rule: 'requiredAdded',
        severity: defaulted ? 'warning' : 'error',
        path: `${path}.${name}`,
        message: defaulted
          ? `${path}.${name} becomes required; existing objects get its default`
          : `${path}.${name} becomes required and has no default: objects without it are refused on their next write`,
        remediation: defaulted
          ? 'nothing to do unless the default is wrong for some objects'
          : `set ${path}.${name} in every existing object before upgrading (object impact names them), or give it a default`,
      };
    });
}

export function nullableRemoved({ path, installed, target }: SchemaPair): PropertyFinding[] {
  if (!installed.nullable || target.nullable) return [];
  return [
    {
      rule: 'nullableRemoved',
      severity: 'error',
      path,
      message: `${path} may no longer be null`,
      remediation: `replace null values of ${path} in existing objects (object impact names them)`,
    },
  ];
}

/**
 * CEL rules are not evaluated offline here: they are reported so that the policy-impact check
 * runs them against the existing objects on the API server.
 */
export function celRuleChanged({ path, installed, target }: SchemaPair): PropertyFinding[] {
  const before = installed['x-kubernetes-validations'] ?? [];
  const rules = new Set(before.map((v) => v.rule));
  const messages = new Set(before.map((v) => v.message).filter((m) => m !== undefined));
  return (target['x-kubernetes-validations'] ?? [])
    .filter((v) => !rules.has(v.rule))
    .map((v) => {
      const changed = v.message !== undefined && messages.has(v.message);
      return {
        rule: changed ? 'celRuleChanged' : 'celRuleAdded',
        severity: 'warning',
        path: path || '.',
        message: `${changed ? 'changed' : 'new'} validation rule on ${path || 'the object'}: ${v.rule}`,
        remediation: 'run the policy-impact check: it evaluates the rule against the existing objects',
      };
    });
}

/** In the order findings are listed for one field. */
export const PROPERTY_RULES: PropertyRule[] = [
  typeChanged,
  fieldRemoved,
  requiredAdded,
  enumNarrowed,
  boundTightened,
  patternChanged,
  nullableRemoved,
  defaultChanged,
  celRuleChanged,
];

export function typeOf(schema: OpenApiSchema): string {
  if (schema['x-kubernetes-int-or-string']) return 'int-or-string';
  return schema.type ?? 'any';
}
