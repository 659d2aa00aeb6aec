// An object's metadata as the API server checks it on create (apimachinery's
// ValidateObjectMeta and strict decoding): which fields exist, the name, the namespace,
// label and annotation keys and values. The CRD schema says nothing about these.

import { type DocumentContext, report, type Subject } from './document.ts';
import { formatPath, type PathSegment } from './field-path.ts';
import { customResourceName, dns1123Label, labelValue, qualifiedName } from './k8s-names.ts';
import { isPlainObject } from './plain-object.ts';
import { show } from './wording.ts';

const OBJECT_META_FIELDS = new Set([
  'name',
  'generateName',
  'namespace',
  'selfLink',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'deletionTimestamp',
  'deletionGracePeriodSeconds',
  'labels',
  'annotations',
  'ownerReferences',
  'finalizers',
  'managedFields',
]);

/** All annotations of an object together, keys and values, in bytes. */
const ANNOTATIONS_SIZE_LIMIT = 256 * 1024;

/**
 * The name the API server will validate: the given one, or for generateName the prefix
 * with the five random characters it appends.
 */
export function effectiveName(metadata: Record<string, unknown>): string | undefined {
  if (typeof metadata.name === 'string' && metadata.name !== '') return metadata.name;
  if (typeof metadata.generateName === 'string' && metadata.generateName !== '') {
    return `${metadata.generateName.slice(0, 58)}xxxxx`;
  }
  return undefined;
}

/** `prefix` is where the object sits in its document: [] or, in a v1 List, ['items', i]. */
export function validateMetadata(
  context: DocumentContext,
  subject: Subject,
  object: Record<string, unknown>,
  prefix: PathSegment[],
  namespaced: boolean,
): boolean {
  let blocks = false;
  const at = (...path: PathSegment[]) => [...prefix, 'metadata', ...path];
  const problem = (path: PathSegment[], message: string, shown?: string) =>
    report(context, subject, path, message, shown ?? formatPath(path));
  // Missing names and what strict decoding refuses stop the API server before CEL rules.
  const blocking = (path: PathSegment[], message: string, shown?: string) => {
    blocks = true;
    problem(path, message, shown);
  };
  if (object.metadata === undefined) {
    blocking(at('name'), 'Required value: name or generateName is required');
    return blocks;
  }
  if (!isPlainObject(object.metadata)) {
    blocking(at(), `must be a mapping (got ${show(object.metadata)})`);
    return blocks;
  }
  const metadata = object.metadata;
  for (const field of Object.keys(metadata)) {
    if (!OBJECT_META_FIELDS.has(field)) blocking(at(field), 'unknown field');
  }
  for (const field of ['name', 'generateName', 'namespace'] as const) {
    if (metadata[field] !== undefined && typeof metadata[field] !== 'string') {
      blocking(at(field), `must be a string (got ${show(metadata[field])})`);
    }
  }
  const { name, generateName, namespace } = metadata;
  if (typeof generateName === 'string' && generateName !== '') {
    for (const error of customResourceName(generateName, true)) {
      problem(at('generateName'), `${JSON.stringify(generateName)}: ${error}`);
    }
  }
  if (typeof name === 'string' && name !== '') {
    for (const error of customResourceName(name, false))
      problem(at('name'), `${JSON.stringify(name)}: ${error}`);
  } else if (!(typeof generateName === 'string' && generateName !== '')) {
    blocking(at('name'), 'Required value: name or generateName is required');
  }
  // A namespace on a cluster-scoped object is dropped on create, not refused; a namespaced
  // object without one goes to the namespace kubectl is pointed at.
  if (namespaced && typeof namespace === 'string' && namespace !== '') {
    for (const error of dns1123Label(namespace))
      problem(at('namespace'), `${JSON.stringify(namespace)}: ${error}`);
  }
  validateStringMap(metadata.labels, at('labels'), problem, blocking, (key, value) => [
    ...qualifiedName(key, 'a valid label key').map((e) => `${JSON.stringify(key)}: ${e}`),
    ...labelValue(value).map((e) => `${JSON.stringify(value)}: ${e}`),
  ]);
  validateStringMap(metadata.annotations, at('annotations'), problem, blocking, (key) =>
    // Annotation keys are qualified names in which case does not matter.
    qualifiedName(key.toLowerCase(), 'a valid label key').map((e) => `${JSON.stringify(key)}: ${e}`),
  );
  if (isPlainObject(metadata.annotations)) {
    const size = Object.entries(metadata.annotations).reduce(
      (sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(typeof v === 'string' ? v : ''),
      0,
    );
    if (size > ANNOTATIONS_SIZE_LIMIT) {
      blocking(at('annotations'), `Too long: may not be more than ${ANNOTATIONS_SIZE_LIMIT} bytes`);
    }
  }
  return blocks;
}

/**
 * Labels and annotations: a mapping of strings. The API server names the map, not the key,
 * in its messages; the line is the key's.
 */
function validateStringMap(
  value: unknown,
  path: PathSegment[],
  problem: (path: PathSegment[], message: string, shown?: string) => void,
  blocking: (path: PathSegment[], message: string, shown?: string) => void,
  check: (key: string, value: string) => string[],
): void {
  if (value === undefined || value === null) return;
  if (!isPlainObject(value)) {
    blocking(path, `must be a mapping (got ${show(value)})`);
    return;
  }
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') {
      blocking([...path, key], `must be a string (got ${show(entry)})`, `${formatPath(path)}[${key}]`);
      continue;
    }
    for (const message of check(key, entry)) problem([...path, key], message, formatPath(path));
  }
}
