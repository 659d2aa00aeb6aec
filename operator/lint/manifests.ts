// Offline manifest linter: checks Tenantry objects in (multi-document) YAML against the
// committed CRDs, without a cluster, so mistakes show up in an editor or CI before
// `kubectl apply`. It checks what the API server checks on create: the metadata, the
// OpenAPI schema (types, enums, patterns, bounds, required and unknown fields, list keys)
// and the CEL rules of x-kubernetes-validations. Rules that compare with the live object
// (transition rules, oldSelf) only apply to updates and are left to the API server.

import { LineCounter, parseAllDocuments } from 'yaml';
import { type CrdSchemas, defaultCrdSchemas } from './crd-schemas.ts';
import { type DocumentContext, report } from './document.ts';
import { lintObject, NOT_AN_OBJECT } from './object.ts';
import { isPlainObject } from './plain-object.ts';
import type { LintProblem } from './problem.ts';

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
      report(context, { kind: '', name: '' }, [], NOT_AN_OBJECT);
      continue;
    }
    lintObject(context, value, []);
  }
  return problems;
}
