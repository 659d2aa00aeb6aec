// One YAML document being linted: where its problems go and which line each one is on.

import { type Document, isMap, type Node as YamlNode } from 'yaml';
import type { CrdSchemas } from './crd-schemas.ts';
import { formatPath, type PathSegment } from './field-path.ts';
import type { LintProblem } from './problem.ts';

export interface DocumentContext {
  file: string;
  index: number;
  doc: Document.Parsed;
  at: (offset: number | undefined) => number | undefined;
  crds: CrdSchemas;
  problems: LintProblem[];
}

/** The object a problem is about: its kind and name as the document gives them ('' if not). */
export interface Subject {
  kind: string;
  name: string;
}

export function report(
  context: DocumentContext,
  { kind, name }: Subject,
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
export function locate(doc: Document.Parsed, path: PathSegment[]): number | undefined {
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
