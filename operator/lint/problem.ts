// What the linter finds, and how it is printed.

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

/** One line per problem: `file:line: Kind/name: message`. */
export function formatProblem(problem: LintProblem): string {
  const where = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}`;
  const what = problem.kind
    ? `${problem.kind}/${problem.name || '<unnamed>'}`
    : `document ${problem.document}`;
  return `${where}: ${what}: ${problem.message}`;
}
