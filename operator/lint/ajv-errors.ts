// ajv's errors → what the API server would say, at the field it would name.

import type { ErrorObject } from 'ajv';
import { LIST_MAP_KEYS_KEYWORD } from '../api/jsonschema.ts';
import type { PathSegment } from './field-path.ts';
import { formatName, PATTERN_MEANINGS, show, withArticle } from './wording.ts';

/**
 * Drops errors that only restate another: the branch failures under an int-or-string
 * anyOf, and everything else at a path whose type is wrong.
 */
export function relevantErrors(errors: ErrorObject[]): ErrorObject[] {
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

export function describeError(error: ErrorObject): { path: PathSegment[]; message: string } {
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
