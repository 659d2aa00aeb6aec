// Checks an object against its kind's schema, as the API server would before admitting it
// (CEL rules aside), and reports each error at its field.

import { describeError, relevantErrors } from './ajv-errors.ts';
import type { KindSchema } from './crd-schemas.ts';
import { type DocumentContext, locate, report, type Subject } from './document.ts';
import { formatPath, joinPaths, type PathSegment } from './field-path.ts';

/** `prefix` is where the object sits in its document: [] or, in a v1 List, ['items', i]. */
export function validateObject(
  context: DocumentContext,
  subject: Subject,
  entry: KindSchema,
  object: Record<string, unknown>,
  prefix: PathSegment[],
): void {
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
    report(context, subject, [...prefix, ...path], message, shown);
  }
}
