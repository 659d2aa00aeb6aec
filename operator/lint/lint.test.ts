import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { formatProblem, type LintProblem, lintManifests, loadCrdSchemas } from './index.ts';

const EXAMPLES = new URL('../api/examples/', import.meta.url);

function messages(text: string): string[] {
  return lintManifests(text, 'test.yaml').map((p) => p.message);
}

const TENANT = `apiVersion: tenantry.dev/v1alpha1
kind: Tenant
metadata:
  name: acme
spec:
  displayName: Acme
  owners:
    - name: alice
  region: eu-west-1
`;

/** TENANT with extra lines appended under spec (indented two spaces). */
function tenantWith(specLines: string): string {
  return `${TENANT}${specLines
    .trim()
    .split('\n')
    .map((l) => `  ${l}`)
    .join('\n')}\n`;
}

describe('lintManifests', () => {
  it('accepts every example, and there is one for each kind', () => {
    const kinds = new Set<string>();
    for (const name of readdirSync(EXAMPLES)) {
      const text = readFileSync(new URL(name, EXAMPLES), 'utf8');
      expect(lintManifests(text, name).map(formatProblem)).toEqual([]);
      for (const match of text.matchAll(/^kind: (\w+)$/gm)) kinds.add(match[1] ?? '');
    }
    expect([...kinds].sort()).toEqual([
      'AddOn',
      'DistributionBundle',
      'Entitlement',
      'Tenant',
      'UpgradePlan',
    ]);
  });

  it('accepts a minimal tenant: defaulted fields are not required', () => {
    expect(messages(TENANT)).toEqual([]);
  });

  it('names the field of a bad enum value in Kubernetes style', () => {
    const [problem, ...rest] = lintManifests(tenantWith('policyProfile: gold'), 'tenants.yaml');
    expect(rest).toEqual([]);
    expect(problem).toEqual({
      file: 'tenants.yaml',
      document: 0,
      kind: 'Tenant',
      name: 'acme',
      path: 'spec.policyProfile',
      message: 'spec.policyProfile: must be one of baseline, restricted, regulated (got "gold")',
      line: 10,
    } satisfies LintProblem);
  });

  it('reports nested paths, required and unknown fields, types and bounds in document order', () => {
    const text = `apiVersion: tenantry.dev/v1alpha1
kind: Tenant
metadata:
  name: acme
spec:
  displayName: ""
  owners:
    - kind: Robot
      name: alice
  retentionDays: "30"
  regoin: eu-west-1
`;
    expect(messages(text)).toEqual([
      'spec.region: Required value',
      'spec.displayName: must be at least 1 characters long',
      'spec.owners[0].kind: must be one of User, Group, ServiceAccount (got "Robot")',
      'spec.retentionDays: must be an integer (got "30")',
      'spec.regoin: unknown field',
    ]);
  });

  it('reports limits on numbers and lists', () => {
    expect(messages(tenantWith('retentionDays: 5000'))).toEqual([
      'spec.retentionDays: must be <= 3650 (got 5000)',
    ]);
    expect(messages(TENANT.replace('  owners:\n    - name: alice\n', '  owners: []\n'))).toEqual([
      'spec.owners: must have at least 1 item(s)',
    ]);
  });

  it('explains well-known patterns instead of printing the regular expression', () => {
    expect(messages(TENANT.replace('eu-west-1', 'EU_West'))).toEqual([
      `spec.region: "EU_West" must be a DNS label: lower-case letters, digits and '-', starting and ending with a letter or digit`,
    ]);
    expect(messages(tenantWith('quota:\n  hard:\n    limits.memory: lots'))).toEqual([
      'spec.quota.hard[limits.memory]: "lots" must be a quantity such as 500m, 2Gi or 10',
    ]);
    const bundle = readFileSync(new URL('distributionbundle.yaml', EXAMPLES), 'utf8').replace(
      'version: 1.4.0',
      'version: v1.4',
    );
    expect(messages(bundle)).toEqual([
      'spec.version: "v1.4" must be a semantic version such as 1.4.0 (no leading v)',
    ]);
  });

  it('accepts quantities as numbers or strings but nothing else', () => {
    expect(messages(tenantWith('quota:\n  hard:\n    pods: 200\n    requests.cpu: "8"'))).toEqual([]);
    expect(messages(tenantWith('quota:\n  hard:\n    pods: true'))).toEqual([
      'spec.quota.hard[pods]: must be an integer or a string (got true)',
    ]);
  });

  it('refuses duplicate keys in map lists and duplicate values in set lists', () => {
    expect(messages(tenantWith('namespaces:\n  - name: prod\n  - name: dev\n  - name: prod'))).toEqual([
      'spec.namespaces[2]: duplicate entry: name="prod" is already at index 0',
    ]);
    const entitlement = readFileSync(new URL('entitlement.yaml', EXAMPLES), 'utf8').replace(
      'allowedAddOns: [DedicatedCompute, AuditArchive]',
      'allowedAddOns: [AuditArchive, AuditArchive]',
    );
    expect(messages(entitlement)).toEqual(['spec.allowedAddOns[1]: duplicate value: already at index 0']);
  });

  it('checks formats', () => {
    const addon = readFileSync(new URL('addon-audit-archive.yaml', EXAMPLES), 'utf8').replace(
      'endpoint: https://s3.eu-west-1.amazonaws.com',
      'endpoint: s3 in ireland',
    );
    expect(messages(addon)).toEqual([
      'spec.auditArchive.bucket.endpoint: "s3 in ireland" is not a valid URI (e.g. https://s3.example.com)',
    ]);
  });

  it('numbers documents and names each object', () => {
    const text = `${TENANT}---\n${TENANT.replace('name: acme', 'name: globex').replace('eu-west-1', 'Mars')}---\n`;
    const problems = lintManifests(text, 'two.yaml');
    expect(problems).toHaveLength(1);
    expect(problems[0]).toMatchObject({
      document: 1,
      kind: 'Tenant',
      name: 'globex',
      path: 'spec.region',
      line: 19,
    });
    expect(formatProblem(problems[0] as LintProblem)).toMatch(
      /^two\.yaml:19: Tenant\/globex: spec\.region: "Mars"/,
    );
  });

  it('reports unknown kinds and versions of tenantry.dev, and ignores other groups', () => {
    const text = `apiVersion: tenantry.dev/v1alpha1
kind: Tennant
metadata: {name: a}
---
apiVersion: tenantry.dev/v1
kind: Tenant
metadata: {name: a}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: a}
data: {anything: [1, 2]}
---
apiVersion: apps/v1
kind: Deployment
spec: 42
`;
    expect(messages(text)).toEqual([
      'kind: unknown kind Tennant in API group tenantry.dev; known kinds: AddOn, DistributionBundle, Entitlement, Tenant, UpgradePlan',
      'apiVersion: tenantry.dev/v1 is not a served version of Tenant; use tenantry.dev/v1alpha1',
    ]);
  });

  it('reports YAML syntax errors with their line and goes on with the other documents', () => {
    const text = `${TENANT}---\nkind: Tenant\nspec: [unclosed\n---\n${TENANT.replace('eu-west-1', 'X')}`;
    const problems = lintManifests(text, 'broken.yaml');
    expect(problems.map((p) => [p.document, p.path])).toEqual([
      [1, ''],
      [2, 'spec.region'],
    ]);
    expect(problems[0]?.message).toMatch(/^YAML syntax error: /);
    expect(problems[0]?.line).toBeGreaterThanOrEqual(12);
    expect(problems[0]?.line).toBeLessThanOrEqual(13);
  });

  it('treats duplicate YAML keys as errors, as the API server does', () => {
    const problems = lintManifests(`${TENANT}  region: us-east-1\n`, 'dup.yaml');
    expect(problems).toHaveLength(1);
    expect(problems[0]?.message).toMatch(/YAML syntax error: .*unique/);
  });

  it('reads YAML 1.1 like kubectl does, where y and on are booleans', () => {
    expect(
      messages(
        TENANT.replace('- name: alice', '- name: alice\n      kind: ServiceAccount\n      namespace: y'),
      ),
    ).toEqual(['spec.owners[0].namespace: must be a string (got true)']);
  });

  it('requires apiVersion, kind and a name, and a mapping per document', () => {
    expect(messages('kind: Tenant\n')).toEqual(['apiVersion: Required value']);
    expect(messages('apiVersion: tenantry.dev/v1alpha1\n')).toEqual(['kind: Required value']);
    expect(messages(TENANT.replace('  name: acme\n', '  labels: {a: b}\n'))).toEqual([
      'metadata.name: Required value: name or generateName is required',
    ]);
    expect(messages('- just\n- a list\n')).toEqual([
      'a Kubernetes object must be a mapping with apiVersion and kind',
    ]);
    expect(messages('---\n# only a comment\n---\n')).toEqual([]);
  });

  it('evaluates the CEL rules, at the line of the field they name', () => {
    const [problem, ...rest] = lintManifests(tenantWith('policyProfile: regulated'), 'tenants.yaml');
    expect(rest).toEqual([]);
    expect(problem).toMatchObject({
      path: 'spec.retentionDays',
      message:
        'spec.retentionDays: spec.retentionDays must be at least 365 when spec.policyProfile is regulated',
      line: 6, // retentionDays is defaulted: the first line of spec
    });
    expect(messages(TENANT.replace('name: acme', 'name: kube-acme'))).toEqual([
      'metadata.name must not be "kube", start with "kube-" or be "tenantry": the tenant\'s namespaces would collide with system namespaces (kube-system, tenantry-system)',
    ]);
    // The immutability rule on region compares with the old object: not for a create.
    expect(messages(TENANT)).toEqual([]);
  });

  it('evaluates no CEL rule once a blocking schema error is found, as the API server', () => {
    expect(messages(tenantWith('policyProfile: regulated\nretentionDays: "30"'))).toEqual([
      'spec.retentionDays: must be an integer (got "30")',
    ]);
  });

  it('checks metadata as the API server does: name, labels and unknown fields', () => {
    expect(
      messages(TENANT.replace('name: acme', 'name: acme\n  labels: {"bad key": "x"}\n  lables: {}')),
    ).toEqual([
      'metadata.lables: unknown field',
      `metadata.labels: "bad key": name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')`,
    ]);
    expect(messages(TENANT.replace('name: acme', 'name: Acme'))[0]).toMatch(
      /^metadata\.name: "Acme": a lowercase RFC 1123 subdomain must consist/,
    );
  });

  it('lints the items of a v1 List', () => {
    const text = `apiVersion: v1
kind: List
items:
  - apiVersion: tenantry.dev/v1alpha1
    kind: Tenant
    metadata: {name: a}
    spec: {displayName: A, owners: [{name: x}], region: eu-west-1, deletionPolicy: Keep}
`;
    expect(messages(text)).toEqual([
      'items[0].spec.deletionPolicy: must be one of Delete, Retain (got "Keep")',
    ]);
  });
});

describe('loadCrdSchemas', () => {
  it('loads the CRDs of any directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'crds-'));
    try {
      writeFileSync(
        join(dir, 'widgets.yaml'),
        `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.example.dev}
spec:
  group: example.dev
  names: {kind: Widget, plural: widgets}
  scope: Cluster
  versions:
    - name: v1
      served: true
      storage: true
      schema:
        openAPIV3Schema:
          type: object
          properties:
            apiVersion: {type: string}
            kind: {type: string}
            metadata: {type: object}
            size: {type: integer, nullable: true, maximum: 3}
`,
      );
      writeFileSync(join(dir, 'notes.txt'), 'not yaml: [');
      const schemas = loadCrdSchemas(dir);
      const lint = (text: string) => lintManifests(text, 'w.yaml', schemas).map((p) => p.message);
      const widget = 'apiVersion: example.dev/v1\nkind: Widget\nmetadata: {name: w}\n';
      expect(lint(`${widget}size: null\n`)).toEqual([]);
      expect(lint(`${widget}size: 4\n`)).toEqual(['size: must be <= 3 (got 4)']);
      // Tenantry's own kinds are unknown to this set, so they are skipped.
      expect(lint(TENANT.replace('eu-west-1', 'X'))).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
