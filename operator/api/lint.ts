// Offline manifest linter: checks Tenantry objects in (multi-document) YAML against the
// committed CRD schemas, without a cluster, so mistakes show up in an editor or CI before
// `kubectl apply`. It checks what the OpenAPI schema says (types, enums, patterns,
// bounds, required and unknown fields, list keys); CEL rules are not evaluated, so the
// API server may still refuse an object this linter accepts.

import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Ajv, ErrorObject, ValidateFunction } from 'ajv';
import { type Document, isMap, LineCounter, parseAllDocuments, type Node as YamlNode } from 'yaml';
import { createAjv, LIST_MAP_KEYS_KEYWORD, type OpenApiSchema, toJsonSchema } from './jsonschema.ts';

export interface LintProblem {
  file: string;
  /** Index of the YAML document in the file, from 0. */
  document: number;
  /** kind of the object ('' when unknown). */
  kind: string;
  /** metadata.name (or generateName) of the object ('' when unknown). */
  name: string;
  /** Field path in Kubernetes style, e.g. `spec.owners[0].kind`; '' for the whole document. */
  path: string;
  /** What is wrong, starting with the path: `spec.policyProfile: must be one of ...`. */
  message: string;
  /** 1-based line of the offending node, when it can be located. */
  line?: number;
}

interface KindSchema {
  group: string;
  version: string;
  kind: string;
  served: boolean;
  schema: OpenApiSchema;
  validate?: ValidateFunction;
}

/** The schemas of the CRDs in a directory, by group, version and kind. */
export class CrdSchemas {
  readonly #byKey = new Map<string, KindSchema>();
  #ajv: Ajv | undefined;

  add(entry: Omit<KindSchema, 'validate'>): void {
    this.#byKey.set(key(entry.group, entry.version, entry.kind), { ...entry });
  }

  get(group: string, version: string, kind: string): KindSchema | undefined {
    return this.#byKey.get(key(group, version, kind));
  }

  /** Whether some CRD defines this API group (its unknown kinds are then errors). */
  hasGroup(group: string): boolean {
    return [...this.#byKey.values()].some((e) => e.group === group);
  }

  kinds(group: string): string[] {
    return [...new Set([...this.#byKey.values()].filter((e) => e.group === group).map((e) => e.kind))].sort();
  }

  versions(group: string, kind: string): string[] {
    return [...this.#byKey.values()]
      .filter((e) => e.group === group && e.kind === kind && e.served)
      .map((e) => e.version)
      .sort();
  }

  validator(entry: KindSchema): ValidateFunction {
    this.#ajv ??= createAjv();
    entry.validate ??= this.#ajv.compile(toJsonSchema(entry.schema));
    return entry.validate;
  }
}

function key(group: string, version: string, kind: string): string {
  return `${group}/${version}/${kind}`;
}

const DEFAULT_CRDS_DIR = fileURLToPath(new URL('../../crds/', import.meta.url));

/** Loads every CustomResourceDefinition in the YAML files of a directory (crds/ by default). */
export function loadCrdSchemas(dir: string = DEFAULT_CRDS_DIR): CrdSchemas {
  const schemas = new CrdSchemas();
  for (const name of readdirSync(dir).sort()) {
    if (!name.endsWith('.yaml') && !name.endsWith('.yml')) continue;
    for (const doc of parseAllDocuments(readFileSync(join(dir, name), 'utf8'))) {
      if (!('contents' in doc)) continue;
      const crd = doc.toJS() as CrdDocument | null;
      if (crd?.kind !== 'CustomResourceDefinition' || !crd.spec) continue;
      for (const version of crd.spec.versions ?? []) {
        const schema = version.schema?.openAPIV3Schema;
        if (!schema) continue;
        schemas.add({
          group: crd.spec.group,
          version: version.name,
          kind: crd.spec.names.kind,
          served: version.served !== false,
          schema,
        });
      }
    }
  }
  return schemas;
}

interface CrdDocument {
  kind?: string;
  spec?: {
    group: string;
    names: { kind: string };
    versions?: { name: string; served?: boolean; schema?: { openAPIV3Schema?: OpenApiSchema } }[];
  };
}

let defaultSchemas: CrdSchemas | undefined;

/** The committed crds/, loaded once. */
function defaultCrdSchemas(): CrdSchemas {
  defaultSchemas ??= loadCrdSchemas();
  return defaultSchemas;
}

/**
 * Lints the Kubernetes objects in a YAML text. Objects of API groups without a CRD in
 * `schemas` are skipped; unknown kinds and versions of a known group are problems.
 */
export function lintManifests(text: string, file: string, schemas?: CrdSchemas): LintProblem[] {
  const crds = schemas ?? defaultCrdSchemas();
  const lineCounter = new LineCounter();
  const problems: LintProblem[] = [];
  // YAML 1.1, as kubectl and the API server read it: `namespace: y` is the boolean true.
  const documents = parseAllDocuments(text, { lineCounter, prettyErrors: false, version: '1.1' });
  if (!Array.isArray(documents)) return problems; // an empty stream
  for (const [index, doc] of documents.entries()) {
    const at = (offset: number | undefined) =>
      offset === undefined ? undefined : lineCounter.linePos(offset).line;
    if (doc.errors.length > 0) {
      for (const error of doc.errors) {
        const line = at(error.pos[0]);
        problems.push({
          file,
          document: index,
          kind: '',
          name: '',
          path: '',
          message: `YAML syntax error: ${error.message.split('\n')[0]}`,
          ...(line === undefined ? {} : { line }),
        });
      }
      continue;
    }
    const value: unknown = doc.toJS();
    if (value === null || value === undefined) continue; // empty document, e.g. a trailing ---
    const context: DocumentContext = { file, index, doc, at, crds, problems };
    if (!isPlainObject(value)) {
      report(context, '', '', [], 'a Kubernetes object must be a mapping with apiVersion and kind');
      continue;
    }
    lintObject(context, value, []);
  }
  return problems;
}

interface DocumentContext {
  file: string;
  index: number;
  doc: Document.Parsed;
  at: (offset: number | undefined) => number | undefined;
  crds: CrdSchemas;
  problems: LintProblem[];
}

function lintObject(context: DocumentContext, object: Record<string, unknown>, prefix: PathSegment[]): void {
  const kind = typeof object.kind === 'string' ? object.kind : '';
  const metadata = isPlainObject(object.metadata) ? object.metadata : {};
  const name = String(metadata.name ?? metadata.generateName ?? '');
  const problem = (path: PathSegment[], message: string) => report(context, kind, name, path, message);
  const apiVersion = object.apiVersion;
  if (typeof apiVersion !== 'string' || apiVersion === '') {
    problem([...prefix, 'apiVersion'], 'Required value');
    return;
  }
  if (kind === '') {
    problem([...prefix, 'kind'], 'Required value');
    return;
  }
  // A v1 List (what `kubectl get -o yaml` prints) holds objects to lint one by one.
  if (apiVersion === 'v1' && kind === 'List' && Array.isArray(object.items)) {
    for (const [i, item] of object.items.entries()) {
      if (isPlainObject(item)) lintObject(context, item, [...prefix, 'items', i]);
      else problem([...prefix, 'items', i], 'a Kubernetes object must be a mapping with apiVersion and kind');
    }
    return;
  }
  const slash = apiVersion.indexOf('/');
  if (slash === -1) return; // core API group: not ours
  const group = apiVersion.slice(0, slash);
  const version = apiVersion.slice(slash + 1);
  if (!context.crds.hasGroup(group)) return;
  const entry = context.crds.get(group, version, kind);
  if (!entry?.served) {
    const known = context.crds.kinds(group);
    const versions = context.crds.versions(group, kind);
    if (versions.length === 0) {
      problem(
        [...prefix, 'kind'],
        `unknown kind ${kind} in API group ${group}; known kinds: ${known.join(', ')}`,
      );
    } else {
      problem(
        [...prefix, 'apiVersion'],
        `${apiVersion} is not a served version of ${kind}; use ${versions.map((v) => `${group}/${v}`).join(' or ')}`,
      );
    }
    return;
  }
  if (metadata.name === undefined && metadata.generateName === undefined) {
    problem([...prefix, 'metadata', 'name'], 'Required value');
  }
  const validate = context.crds.validator(entry);
  // The API server applies defaults before it validates (so a defaulted field satisfies
  // `required`); ajv applies them to the data, hence the copy.
  if (validate(structuredClone(object))) return;
  const described = relevantErrors(validate.errors ?? []).map((error) => describeError(error));
  // Report in document order, which is how people read and fix them.
  const line = (path: PathSegment[]) => locate(context.doc, [...prefix, ...path]) ?? 0;
  described.sort((a, b) => line(a.path) - line(b.path));
  for (const { path, message } of described) {
    const shown = joinPaths(formatPath(prefix), formatPath(path, entry.schema));
    report(context, kind, name, [...prefix, ...path], message, shown);
  }
}

type PathSegment = string | number;

function report(
  context: DocumentContext,
  kind: string,
  name: string,
  path: PathSegment[],
  message: string,
  shown: string = formatPath(path),
): void {
  const line = context.at(locate(context.doc, path));
  context.problems.push({
    file: context.file,
    document: context.index,
    kind,
    name,
    path: shown,
    message: shown ? `${shown}: ${message}` : message,
    ...(line === undefined ? {} : { line }),
  });
}

/** The offset of the deepest node of the path that exists in the document. */
function locate(doc: Document.Parsed, path: PathSegment[]): number | undefined {
  for (let depth = path.length; depth >= 0; depth--) {
    const node = doc.getIn(path.slice(0, depth), true) as YamlNode | undefined;
    if (node && typeof node === 'object' && 'range' in node && node.range) {
      // For a missing field, point at its parent's first line rather than its end.
      return node.range[0];
    }
    if (depth === 0 && isMap(doc.contents)) return doc.contents.range?.[0];
  }
  return undefined;
}

/**
 * `spec.owners[0].kind`, with map keys in brackets as Kubernetes writes them:
 * `spec.quota.hard[pods]`. Without a schema, only keys that aren't identifiers are
 * recognisable as map keys.
 */
export function formatPath(path: PathSegment[], schema?: OpenApiSchema): string {
  let out = '';
  let node = schema;
  for (const segment of path) {
    const isMapKey =
      typeof segment === 'string' &&
      (node
        ? !node.properties?.[segment] && node.additionalProperties !== undefined
        : !/^[A-Za-z_][A-Za-z0-9_-]*$/.test(segment));
    if (typeof segment === 'number' || isMapKey) out += `[${segment}]`;
    else out += out === '' ? segment : `.${segment}`;
    node = node && childSchema(node, segment);
  }
  return out;
}

function joinPaths(prefix: string, rest: string): string {
  if (prefix === '' || rest === '') return prefix + rest;
  return rest.startsWith('[') ? prefix + rest : `${prefix}.${rest}`;
}

function childSchema(node: OpenApiSchema, segment: PathSegment): OpenApiSchema | undefined {
  if (typeof segment === 'number') return node.items;
  const property = node.properties?.[segment];
  if (property) return property;
  return typeof node.additionalProperties === 'object' ? node.additionalProperties : undefined;
}

/**
 * Drops errors that only restate another: the branch failures under an int-or-string
 * anyOf, and everything else at a path whose type is wrong.
 */
function relevantErrors(errors: ErrorObject[]): ErrorObject[] {
  const anyOfPaths = errors.filter((e) => e.keyword === 'anyOf').map((e) => `${e.schemaPath}/`);
  const wrongType = new Set(
    errors
      .filter((e) => e.keyword === 'type' && !anyOfPaths.some((p) => e.schemaPath.startsWith(p)))
      .map((e) => e.instancePath),
  );
  const seen = new Set<string>();
  return errors.filter((e) => {
    if (anyOfPaths.some((p) => e.schemaPath.startsWith(p))) return false;
    if (e.keyword !== 'type' && e.keyword !== 'anyOf' && wrongType.has(e.instancePath)) return false;
    const id = `${e.instancePath} ${e.keyword} ${JSON.stringify(e.params)}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}

function describeError(error: ErrorObject): { path: PathSegment[]; message: string } {
  const path: PathSegment[] = error.instancePath
    .split('/')
    .slice(1)
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'))
    .map((s) => (/^\d+$/.test(s) ? Number(s) : s));
  const params = error.params as Record<string, unknown>;
  switch (error.keyword) {
    case 'required':
      return { path: [...path, String(params.missingProperty)], message: 'Required value' };
    case 'additionalProperties':
      return { path: [...path, String(params.additionalProperty)], message: 'unknown field' };
    case 'enum':
      return {
        path,
        message: `must be one of ${(params.allowedValues as unknown[]).map(String).join(', ')} (got ${show(error.data)})`,
      };
    case 'type':
      return { path, message: `must be ${withArticle(String(params.type))} (got ${show(error.data)})` };
    case 'anyOf':
      return { path, message: `must be an integer or a string (got ${show(error.data)})` };
    case 'pattern': {
      const pattern = String(params.pattern);
      const explained = PATTERN_MEANINGS[pattern];
      return { path, message: `${show(error.data)} ${explained ?? `must match ${pattern}`}` };
    }
    case 'format':
      return { path, message: `${show(error.data)} is not a valid ${formatName(String(params.format))}` };
    case 'minLength':
      return { path, message: `must be at least ${String(params.limit)} characters long` };
    case 'maxLength':
      return { path, message: `must be at most ${String(params.limit)} characters long` };
    case 'minimum':
    case 'exclusiveMinimum':
    case 'maximum':
    case 'exclusiveMaximum':
      return {
        path,
        message: `must be ${String(params.comparison)} ${String(params.limit)} (got ${show(error.data)})`,
      };
    case 'minItems':
      return { path, message: `must have at least ${String(params.limit)} item(s)` };
    case 'maxItems':
      return { path, message: `must have at most ${String(params.limit)} items` };
    case 'minProperties':
      return { path, message: `must have at least ${String(params.limit)} entries` };
    case 'maxProperties':
      return { path, message: `must have at most ${String(params.limit)} entries` };
    case 'uniqueItems': {
      const [first, second] = [Number(params.i), Number(params.j)].sort((a, b) => a - b);
      return { path: [...path, second ?? 0], message: `duplicate value: already at index ${first}` };
    }
    case LIST_MAP_KEYS_KEYWORD:
      return { path: [...path, Number(params.index)], message: error.message ?? 'duplicate entry' };
    default:
      return { path, message: error.message ?? error.keyword };
  }
}

/** What the API's well-known patterns mean, so users aren't handed a regular expression. */
const PATTERN_MEANINGS: Record<string, string> = {
  '^[a-z0-9]([-a-z0-9]*[a-z0-9])?$':
    "must be a DNS label: lower-case letters, digits and '-', starting and ending with a letter or digit",
  '^([a-z0-9]([-a-z0-9]*[a-z0-9])?\\.)+[a-z0-9]([-a-z0-9]*[a-z0-9])?$':
    'must be a lower-case DNS name with at least two labels, such as acme.example.com',
  '^(\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))(([KMGTPE]i)|[numkMGTPE]|([eE](\\+|-)?(([0-9]+(\\.[0-9]*)?)|(\\.[0-9]+))))?$':
    'must be a quantity such as 500m, 2Gi or 10',
  '^(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)\\.(0|[1-9][0-9]*)(-[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?(\\+[0-9A-Za-z-]+(\\.[0-9A-Za-z-]+)*)?$':
    'must be a semantic version such as 1.4.0 (no leading v)',
  '^[A-Z]{3}$': 'must be an ISO 4217 currency code such as EUR',
};

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return JSON.stringify(value);
}

function withArticle(type: string): string {
  const names: Record<string, string> = {
    object: 'a mapping',
    array: 'a list',
    integer: 'an integer',
    number: 'a number',
    string: 'a string',
    boolean: 'a boolean (true or false)',
  };
  return names[type] ?? type.split(',').map(withArticle).join(' or ');
}

function formatName(format: string): string {
  const names: Record<string, string> = {
    'date-time': 'RFC 3339 date-time (e.g. 2026-01-31T12:00:00Z)',
    uri: 'URI (e.g. https://s3.example.com)',
    int32: '32-bit integer',
    int64: '64-bit integer',
  };
  return names[format] ?? format;
}

/** One line per problem: `file:line: Kind/name: message`. */
export function formatProblem(problem: LintProblem): string {
  const where = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}`;
  const what = problem.kind
    ? `${problem.kind}/${problem.name || '<unnamed>'}`
    : `document ${problem.document}`;
  return `${where}: ${what}: ${problem.message}`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
