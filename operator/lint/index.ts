// The linter's public face, for `tenantry lint` and tests; the other modules are its parts.

export { CrdSchemas, loadCrdSchemas } from './crd-schemas.ts';
export { formatPath } from './field-path.ts';
export { lintManifests } from './manifests.ts';
export { formatProblem, type LintProblem } from './problem.ts';
