// Checks an object as the API server would before admitting it on create: its metadata, its
// kind's schema (with defaults applied first) and then, if nothing blocks them, the CEL rules
// of x-kubernetes-validations. Each problem is reported at its field.

import { describeError, relevantErrors } from './ajv-errors.ts';
import { evaluateRules } from './cel/evaluate.ts';
import type { KindSchema } from './crd-schemas.ts';
import { type DocumentContext, locate, report, type Subject } from './document.ts';
import { formatPath, joinPaths, type PathSegment } from './field-path.ts';
import { validateMetadata } from './metadata.ts';

/**
 * Schema errors after which the API server does not evaluate CEL rules (missing, unsupported,
 * too long, too many, wrong type or format), and unknown fields, which strict decoding refuses
 * before any validation.
 */
const BLOCKING_KEYWORDS = new Set([
  'required',
  'format',
  'enum',
  'maxLength',
  'maxItems',
  'maxProperties',
  'type',
  'anyOf',
  'additionalProperties',
]);

/** `prefix` is where the object sits in its document: [] or, in a v1 List, ['items', i]. */
export function validateObject(
  context: DocumentContext,
  subject: Subject,
  entry: KindSchema,
  object: Record<string, unknown>,
  prefix: PathSegment[],
): void {
  const metadataBlocks = validateMetadata(context, subject, object, prefix, entry.namespaced);
  // The API server applies defaults before it validates (so a defaulted field satisfies
  // `required`, and rules see it); ajv applies them to the data, hence the copy.
  const data = structuredClone(object);
  const validate = context.crds.validator(entry);
  let errors = validate(data) ? [] : relevantErrors(validate.errors ?? []);
  if (entry.statusSubresource) {
    // A create drops the status it is given, after strict decoding has refused its unknown
    // fields: nothing else about it is checked.
    errors = errors.filter(
      (e) => !isUnder(e.instancePath, '/status') || e.keyword === 'additionalProperties',
    );
    delete data.status;
  }
  const found = errors.map((error) => describeError(error));
  const blocked = metadataBlocks || errors.some((e) => BLOCKING_KEYWORDS.has(e.keyword));
  if (!blocked) found.push(...evaluateRules(entry.schema, data));
  // Report in document order, which is how people read and fix them.
  const line = (path: PathSegment[]) => locate(context.doc, [...prefix, ...path]) ?? 0;
  found.sort((a, b) => line(a.path) - line(b.path));
  for (const { path, message } of found) {
    const shown = joinPaths(formatPath(prefix), formatPath(path, entry.schema));
    report(context, subject, [...prefix, ...path], message, shown);
  }
}

function isUnder(instancePath: string, prefix: string): boolean {
  return instancePath === prefix || instancePath.startsWith(`${prefix}/`);
}
