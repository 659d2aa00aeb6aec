// Import rules of the layout (see ARCHITECTURE.md): imports point down, rooms stay apart.
// `npm run check` runs `depcruise` with this file; a violation names the rule and the import.
/** @type {import('dependency-cruiser').IDependencyCruiserConfig} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'An import cycle makes load order and ownership unclear; split the shared part out.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'nothing-imports-hack',
      comment: 'hack/ holds scripts and generators; code that others use lives in its own room.',
      severity: 'error',
      from: { pathNot: '^hack/' },
      to: { path: '^hack/' },
    },
    {
      name: 'runtime-is-the-floor',
      comment: 'The reconciler runtime knows nothing of Tenantry: no API types, no controllers.',
      severity: 'error',
      from: { path: '^operator/runtime/' },
      to: { path: '^operator/', pathNot: '^operator/runtime/' },
    },
    {
      name: 'api-imports-only-runtime-kube',
      comment: "API types and names sit just above the runtime's metav1 vocabulary.",
      severity: 'error',
      from: { path: '^operator/api/' },
      to: { path: '^operator/', pathNot: ['^operator/api/', '^operator/runtime/kube/'] },
    },
    {
      name: 'libraries-never-import-controllers',
      comment: 'Domain libraries are used by controllers, the CLI and tests; they never reach up.',
      severity: 'error',
      from: {
        path: '^operator/(admission|api|archive|billing|console|domain|evidence|growth|identity|install|lint|metering|observability|runtime|tenantapi|upgrade|validation)/',
      },
      to: { path: '^operator/(controllers|app\\.ts)' },
    },
    {
      name: 'controllers-stay-apart',
      comment: 'A controller never imports another; what two share belongs in a library below them.',
      severity: 'error',
      from: { path: '^operator/controllers/([^/]+)/' },
      to: {
        path: '^operator/controllers/',
        pathNot: ['^operator/controllers/$1/', '^operator/controllers/deps\\.ts$'],
      },
    },
    {
      name: 'observability-is-for-generators',
      comment:
        'operator/observability/ builds dashboards with a dev dependency (the Grafana SDK): only hack/ and tests load it, never the operator or the CLI.',
      severity: 'error',
      from: { path: '^(operator|cmd)/', pathNot: ['^operator/observability/', '\\.test\\.ts$'] },
      to: { path: '^operator/observability/' },
    },
    {
      name: 'operator-never-imports-the-cli-or-tests',
      severity: 'error',
      from: { path: '^operator/' },
      to: { path: '^(cmd|test|bench|devcluster)/' },
    },
    {
      name: 'devcluster-stands-alone',
      comment: 'The local control plane is a package of its own: usable without the operator.',
      severity: 'error',
      from: { path: '^devcluster/' },
      to: { path: '^(operator|cmd|test|bench)/' },
    },
    {
      name: 'product-never-imports-tests',
      severity: 'error',
      from: { path: '^(operator|cmd|devcluster)/', pathNot: '\\.test\\.ts$' },
      to: { path: '(^test/|\\.test\\.ts$)' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^node_modules' },
    // Type-only imports count: a cycle through types is still a cycle for the reader.
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.js'] },
  },
};
