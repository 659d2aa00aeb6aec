// Checks a generated schema against the rules the API server enforces when a CRD is
// created, so a mistake in the types fails `npm run gen` instead of `kubectl apply`:
// structural schema rules, valid defaults, list-type rules, and CEL rules that refer to
// existing fields and stay within the cost budget.
// https://kubernetes.io/docs/tasks/extend-kubernetes/custom-resources/custom-resource-definitions/#specifying-a-structural-schema

import type { Ajv } from 'ajv';
import { createAjv, toJsonSchema } from '../../operator/api/jsonschema.ts';
import type { OpenApiSchema, ValidationRule } from '../../operator/api/openapi-schema.ts';

/** Formats the API server validates; others are ignored by it, which hides typos. */
const KNOWN_FORMATS = new Set([
  'bsonobjectid',
  'uri',
  'email',
  'hostname',
  'ipv4',
  'ipv6',
  'cidr',
  'mac',
  'uuid',
  'uuid3',
  'uuid4',
  'uuid5',
  'isbn',
  'isbn10',
  'isbn13',
  'creditcard',
  'ssn',
  'hexcolor',
  'rgbcolor',
  'byte',
  'password',
  'date',
  'duration',
  'datetime',
  'date-time',
  'int32',
  'int64',
  'float',
  'double',
]);

const SCALAR_TYPES = new Set(['string', 'integer', 'number', 'boolean']);

/** How a node hangs off its parent; rules under lists and maps run once per entry. */
interface Step {
  via: 'property' | 'items' | 'values';
  parent: OpenApiSchema;
}

/** Returns the problems of one CRD's openAPIV3Schema, each prefixed with `where`. */
export function checkStructural(where: string, root: OpenApiSchema): string[] {
  const problems: string[] = [];
  const ajv = createAjv();
  const report = (path: string, message: string) =>
    problems.push(`${where}: ${path || '<root>'}: ${message}`);

  if (root.type !== 'object') report('', 'the root must have type: object');
  const metadata = root.properties?.metadata;
  if (metadata && (metadata.type !== 'object' || Object.keys(metadata).length !== 1)) {
    report('metadata', 'must be exactly `type: object`: the API server owns the metadata schema');
  }

  const visit = (node: OpenApiSchema, path: string, steps: Step[]) => {
    const preserve = node['x-kubernetes-preserve-unknown-fields'] === true;
    const intOrString = node['x-kubernetes-int-or-string'] === true;
    if (!node.type && !preserve && !intOrString) report(path, 'has no type');
    if (node.properties && node.additionalProperties !== undefined) {
      report(path, 'has both properties and additionalProperties');
    }
    if (typeof node.additionalProperties === 'boolean') report(path, 'additionalProperties must be a schema');
    if (node.type === 'array' && !node.items) report(path, 'is an array without items');
    if (node.items && node.type !== 'array') report(path, 'has items but is not an array');
    const isRootMetadata = steps.length === 1 && path === 'metadata';
    if (
      node.type === 'object' &&
      !preserve &&
      !isRootMetadata &&
      node.additionalProperties === undefined &&
      Object.keys(node.properties ?? {}).length === 0
    ) {
      report(path, 'is an object without properties: the API server would prune everything put in it');
    }
    if (node.format && !KNOWN_FORMATS.has(node.format)) report(path, `unknown format ${node.format}`);
    for (const value of node.enum ?? []) {
      if (!matchesType(value, node))
        report(path, `enum value ${JSON.stringify(value)} is not of type ${node.type}`);
    }
    for (const name of node.required ?? []) {
      if (!node.properties?.[name]) report(path, `requires ${name}, which is not a property`);
    }
    checkListType(node, path, report);
    if (node.default !== undefined) checkDefault(ajv, node, path, report);
    for (const rule of node['x-kubernetes-validations'] ?? []) {
      checkRule(rule, node, path, steps, report);
    }

    for (const [name, child] of Object.entries(node.properties ?? {})) {
      visit(child, path ? `${path}.${name}` : name, [...steps, { via: 'property', parent: node }]);
    }
    if (node.items) visit(node.items, `${path}[*]`, [...steps, { via: 'items', parent: node }]);
    if (typeof node.additionalProperties === 'object') {
      visit(node.additionalProperties, `${path}[*]`, [...steps, { via: 'values', parent: node }]);
    }
    for (const [i, alternative] of (node.anyOf ?? []).entries()) {
      if (alternative.properties || alternative.items || alternative.default !== undefined) {
        report(path, `anyOf[${i}] may only constrain values, not declare fields or defaults`);
      }
    }
  };
  visit(root, '', []);
  return problems;
}

function matchesType(value: unknown, node: OpenApiSchema): boolean {
  if (value === null) return node.nullable === true;
  switch (node.type) {
    case 'string':
      return typeof value === 'string';
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'boolean':
      return typeof value === 'boolean';
    default:
      return true;
  }
}

function checkListType(
  node: OpenApiSchema,
  path: string,
  report: (path: string, message: string) => void,
): void {
  const listType = node['x-kubernetes-list-type'];
  const keys = node['x-kubernetes-list-map-keys'];
  if (keys && listType !== 'map') report(path, 'list-map-keys need listType map');
  if (listType === 'set' && node.items && !SCALAR_TYPES.has(node.items.type ?? '')) {
    report(path, 'listType set needs scalar items');
  }
  if (listType !== 'map') return;
  const items = node.items;
  if (items?.type !== 'object' || !items.properties) {
    report(path, 'listType map needs object items');
    return;
  }
  if (!keys || keys.length === 0) {
    report(path, 'listType map needs at least one @listMapKey');
    return;
  }
  for (const key of keys) {
    const keySchema = items.properties[key];
    if (!keySchema) report(path, `list-map key ${key} is not a property of the items`);
    else if (!items.required?.includes(key) && keySchema.default === undefined) {
      report(path, `list-map key ${key} must be required or have a default`);
    } else if (!SCALAR_TYPES.has(keySchema.type ?? '')) report(path, `list-map key ${key} must be a scalar`);
  }
}

function checkDefault(
  ajv: Ajv,
  node: OpenApiSchema,
  path: string,
  report: (path: string, message: string) => void,
): void {
  const validate = ajv.compile(toJsonSchema(node));
  // Validation applies nested defaults, as the API server does; don't let it touch the schema.
  if (!validate(structuredClone(node.default))) {
    const why = (validate.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
    report(path, `default ${JSON.stringify(node.default)} does not match the schema: ${why}`);
  }
}

/**
 * CEL checks that need no CEL parser: the `self.a.b` paths a rule names must exist, and
 * what it reads must be bounded (maxLength, maxItems, maxProperties, or an enum),
 * including every list or map the rule runs under, because the API server estimates
 * each rule's worst-case cost from those bounds and rejects rules over budget.
 */
function checkRule(
  rule: ValidationRule,
  node: OpenApiSchema,
  path: string,
  steps: Step[],
  report: (path: string, message: string) => void,
): void {
  const label = `rule \`${rule.rule}\``;
  for (const step of steps) {
    if (step.via === 'items' && step.parent.maxItems === undefined) {
      report(path, `${label} runs once per list entry, so the list needs @maxItems (CEL cost budget)`);
    }
    if (step.via === 'values' && step.parent.maxProperties === undefined) {
      report(path, `${label} runs once per map entry, so the map needs @maxProperties (CEL cost budget)`);
    }
  }
  const isRoot = steps.length === 0;
  const code = rule.rule.replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"/g, "''");
  const reference = /(\bhas\(\s*)?\b(?:self|oldSelf)((?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)*)(\s*\()?/g;
  // A rule that never indexes what it names (`self[k]`) reads a map's keys, not its values:
  // `self.all(k, ...)` costs nothing per value.
  const keysOnly = !/\b(?:self|oldSelf)(?:\s*\.\s*[A-Za-z_][A-Za-z0-9_]*)*\s*\[/.test(code);
  for (const match of code.matchAll(reference)) {
    const segments = (match[2] ?? '')
      .split('.')
      .map((s) => s.trim())
      .filter((s) => s !== '');
    if (match[3]) segments.pop(); // the last name is a method call: self.name.size()
    const target = resolve(node, segments, isRoot);
    if (typeof target === 'string') {
      report(path, `${label} refers to ${target}`);
    } else if (target && !match[1]) {
      for (const unbounded of unboundedParts(target, segments.join('.') || 'self', keysOnly)) {
        report(path, `${label} reads ${unbounded} (CEL cost budget)`);
      }
    }
  }
  if (rule.fieldPath) {
    const segments = rule.fieldPath.slice(1).split('.');
    if (isRoot && segments[0] === 'metadata') {
      report(path, `fieldPath ${rule.fieldPath}: the API server accepts no fieldPath into metadata`);
    }
    const target = resolve(node, segments, isRoot);
    if (typeof target === 'string') report(path, `fieldPath ${rule.fieldPath} refers to ${target}`);
  }
}

/** Follows field names from a node; a string explains why it could not. */
function resolve(
  node: OpenApiSchema,
  segments: string[],
  isRoot: boolean,
): OpenApiSchema | string | undefined {
  let current = node;
  for (const [i, segment] of segments.entries()) {
    if (isRoot && i === 0 && segment === 'metadata') {
      const next = segments[1];
      if (next !== undefined && next !== 'name' && next !== 'generateName') {
        return `metadata.${next}, but rules can read only metadata.name and metadata.generateName`;
      }
      return undefined; // bounded by the API server (253 characters)
    }
    if (current.properties) {
      const child = current.properties[segment];
      if (!child) return `${segments.slice(0, i + 1).join('.')}, which does not exist in the schema`;
      current = child;
    } else if (current.additionalProperties || current['x-kubernetes-preserve-unknown-fields']) {
      return undefined; // a map key: nothing to check statically
    } else {
      return `${segments.slice(0, i + 1).join('.')}, but ${segments.slice(0, i).join('.') || 'self'} has no fields`;
    }
  }
  return current;
}

function unboundedParts(node: OpenApiSchema, path: string, keysOnly = false): string[] {
  const found: string[] = [];
  const isBoundedString =
    node.maxLength !== undefined ||
    node.enum !== undefined ||
    node.format === 'date-time' ||
    node.format === 'duration';
  if ((node.type === 'string' || node['x-kubernetes-int-or-string']) && !isBoundedString) {
    found.push(`${path}, a string without @maxLength`);
  }
  if (node.type === 'array') {
    if (node.maxItems === undefined) found.push(`${path}, a list without @maxItems`);
    if (node.items) found.push(...unboundedParts(node.items, `${path}[*]`));
  }
  if (typeof node.additionalProperties === 'object') {
    if (node.maxProperties === undefined) found.push(`${path}, a map without @maxProperties`);
    if (!keysOnly) found.push(...unboundedParts(node.additionalProperties, `${path}[*]`));
  }
  for (const [name, child] of Object.entries(node.properties ?? {})) {
    found.push(...unboundedParts(child, `${path}.${name}`));
  }
  return found;
}
